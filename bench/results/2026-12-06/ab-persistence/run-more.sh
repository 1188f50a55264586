#!/usr/bin/env bash
# More rounds of the one durable row in question: every-write, 100 inboxes, old vs new jar, alternating.
set -u
cd /work/main
D=bench/results/2026-12-06/ab-persistence
for i in 5 6 7 8 9 10 11 12; do
  if [ $((i % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
  for w in $order; do
    echo "== $(date +%T) durable $w $i (load $(cut -d' ' -f1 /proc/loadavg))"
    java -Xmx2g -cp /tmp/pab/$w.jar io.github.elasticq.bench.persistence.DurableMailboxBenchmark \
      modes=every-write inboxes=100 windows=1 warmup=2 seconds=5 \
      dir=/tmp/pab/scratch-d out=$D/durable-$w-$i.md > $D/durable-$w-$i.log 2>&1 || echo "failed durable $w $i"
  done
done
echo "== $(date +%T) done"
