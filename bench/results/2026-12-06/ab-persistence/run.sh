#!/usr/bin/env bash
# Old (b19c2cb4) against new (HEAD) jar, alternating, the persistence write path and the durable mailbox.
set -u
cd /work/main
D=bench/results/2026-12-06/ab-persistence
mkdir -p $D
for i in 1 2 3 4; do
  if [ $((i % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
  for w in $order; do
    jar=/tmp/pab/$w.jar
    echo "== $(date +%T) persistence $w $i (load $(cut -d' ' -f1 /proc/loadavg))"
    java -Xmx2g -cp $jar io.github.elasticq.bench.persistence.PersistenceBenchmark \
      scenarios=single,concurrent,async journals=ELASTICQ_EVERY_WRITE,ELASTICQ_NO_SYNC warmup=2 \
      dir=/tmp/pab/scratch out=$D/persistence-$w-$i.md > $D/persistence-$w-$i.log 2>&1 || echo "failed persistence $w $i"
    echo "== $(date +%T) durable $w $i (load $(cut -d' ' -f1 /proc/loadavg))"
    java -Xmx2g -cp $jar io.github.elasticq.bench.persistence.DurableMailboxBenchmark \
      modes=every-write,no-sync inboxes=1,100 windows=1 warmup=2 seconds=5 \
      dir=/tmp/pab/scratch-d out=$D/durable-$w-$i.md > $D/durable-$w-$i.log 2>&1 || echo "failed durable $w $i"
  done
done
echo "== $(date +%T) done"
