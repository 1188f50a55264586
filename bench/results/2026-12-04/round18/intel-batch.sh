#!/usr/bin/env bash
# Round 18: every queue and mailbox target again, on an Intel Xeon guest (2 cores), with main at
# 2d94a93 (round 17's poll) plus the RingMailbox ceiling. Each block is bench/rounds.sh: one fork
# per candidate and round, order rotating, 4 rounds, each candidate against the peer of its round.
# Usage (from the repository root, jar built from this commit): JAR=... intel-batch.sh
set -euo pipefail
D=bench/results/2026-12-04/round18
export ROUNDS=${ROUNDS:-4} JAR=${JAR:-bench/target/benchmarks.jar}
export JVM_ARGS="-Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"
run() { local out=$1; shift; OUT=$D/$out flock /tmp/heavy.lock bench/rounds.sh "$@"; }
run p1c1 'MpscThroughputBenchmark\.p1c1$' impl MpscArrayQueue ElasticMpscQueue
run p2c1 'MpscThroughputBenchmark\.p2c1$' impl MpscChunkedArrayQueue ElasticMpscQueue
run burstdrain 'BurstDrainBenchmark\.burstThenDrain$' impl MpscChunkedArrayQueue ElasticMpscQueue ElasticMpscQueue+burstMemory
run buffer 'BlockingQueueBenchmark\.' impl ArrayBlockingQueue ElasticBuffer
run mailbox '\.MailboxBenchmark\.(fanIn|burst)$' mailbox SingleConsumerOnlyUnboundedMailbox ElasticMailbox+padded ElasticMailbox Ring+MpscArrayQueue
GOAL=3.0 run qos-fanin '\.QosMailboxBenchmark\.fanIn$' mailbox UnboundedStablePriorityMailbox QosMailbox QosMailbox+layout=padded SingleConsumerOnlyUnboundedMailbox
for r in 1 2 3; do
  flock /tmp/heavy.lock java -Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
    -cp "$JAR" io.github.elasticq.bench.BusyConsumerRace elements=20000000 rounds=3 \
    out="$D/busy/r$r.md" > "$D/busy-r$r.log" 2>&1 || true
done
