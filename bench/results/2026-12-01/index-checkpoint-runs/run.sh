#!/bin/bash
cd /tmp
for round in 1 2; do
  for v in before after; do
    echo "=== $v round $round $(date -u +%T) load: $(cat /proc/loadavg)" >> /tmp/idxckpt-bench.log
    flock /tmp/heavy.lock java -Xmx2g -cp /tmp/idxckpt-$v.jar io.github.elasticq.bench.persistence.PersistenceBenchmark scenarios=recovery journals=ELASTICQ_EVERY_WRITE recovery-reopens=3 dir=/tmp/idxckpt-bench-$v out=/tmp/idxckpt-$v-$round.md > /tmp/idxckpt-$v-$round.out 2>&1
    echo "rc=$? end $(date -u +%T) load: $(cat /proc/loadavg)" >> /tmp/idxckpt-bench.log
    grep -E "^Row|opened" /tmp/idxckpt-$v-$round.out >> /tmp/idxckpt-bench.log
  done
done
rm -rf /tmp/idxckpt-bench-before /tmp/idxckpt-bench-after
echo ALLDONE >> /tmp/idxckpt-bench.log
