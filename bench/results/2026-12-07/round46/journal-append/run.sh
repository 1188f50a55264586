#!/bin/bash
cd /tmp/pb
for i in 1 2 3; do
  if [ $((i%2)) -eq 1 ]; then order="old head"; else order="head old"; fi
  for w in $order; do
    if [ $w = old ]; then jar=/tmp/new.jar; else jar=/tmp/head.jar; fi
    rm -rf /tmp/pb/scratch-$w
    flock /tmp/heavy.lock java -Xmx2g -cp $jar io.github.elasticq.bench.persistence.PersistenceBenchmark \
      scenarios=async,concurrent journals=ELASTICQ_EVERY_WRITE,ELASTICQ_NO_SYNC seconds=5 warmup=2 \
      dir=/tmp/pb/scratch-$w out=/tmp/pb/$w-$i.md > /tmp/pb/$w-$i.log 2>&1
    echo "$w $i rc=$?"
  done
done
