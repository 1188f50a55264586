#!/usr/bin/env bash
# Round 19: every queue and mailbox target on an AMD EPYC guest (2 cores, family 26), main at
# b75519e: first the mailbox burst with the bare-ring ceilings (RingMailbox), then the other
# targets, the held-at-max ceilings and the QoS fan-in splits (about 100 minutes in all). Each
# block is bench/rounds.sh: one fork per candidate and round, order rotating, 4 rounds unless
# ROUNDS says otherwise, each candidate against the peer of its round.
# Usage (from the repository root, jar built from this commit): JAR=... amd-batch.sh
set -euo pipefail
D=bench/results/2026-12-04/round19
export ROUNDS=${ROUNDS:-4} JAR=${JAR:-bench/target/benchmarks.jar}
export JVM_ARGS="-Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"
run() { local out=$1; shift; OUT=$D/$out flock /tmp/heavy.lock bench/rounds.sh "$@"; }
run mailbox '\.MailboxBenchmark\.(fanIn|burst)$' mailbox SingleConsumerOnlyUnboundedMailbox \
  ElasticMailbox+padded ElasticMailbox Ring+MpscArrayQueue Ring+MpscUnboundedArrayQueue \
  Ring+ManyToOneConcurrentArrayQueue
# The burst alone in 8 more rounds: round 1's intervals were wide (one round at 1.65x).
ROUNDS=8 run burst8 '\.MailboxBenchmark\.burst$' mailbox SingleConsumerOnlyUnboundedMailbox \
  ElasticMailbox+padded ElasticMailbox Ring+MpscUnboundedArrayQueue
# Every other target again on this guest with today's code (the AMD column of the README's table
# held rounds 14 - 17, before round 17's poll and round 18's QoS layout).
run p1c1 'MpscThroughputBenchmark\.p1c1$' impl MpscArrayQueue ElasticMpscQueue
run p2c1 'MpscThroughputBenchmark\.p2c1$' impl MpscChunkedArrayQueue ElasticMpscQueue
run burstdrain 'BurstDrainBenchmark\.burstThenDrain$' impl MpscChunkedArrayQueue ElasticMpscQueue ElasticMpscQueue+burstMemory
run buffer 'BlockingQueueBenchmark\.' impl ArrayBlockingQueue ElasticBuffer
GOAL=3.0 run qos-fanin '\.QosMailboxBenchmark\.fanIn$' mailbox UnboundedStablePriorityMailbox QosMailbox QosMailbox+layout=padded SingleConsumerOnlyUnboundedMailbox
GOAL=3.0 run qos-burst '\.QosMailboxBenchmark\.burst$' mailbox UnboundedStablePriorityMailbox QosMailbox QosMailbox+layout=padded SingleConsumerOnlyUnboundedMailbox
mkdir -p "$D/busy"
for r in 1 2 3; do
  flock /tmp/heavy.lock java -Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
    -cp "$JAR" io.github.elasticq.bench.BusyConsumerRace elements=20000000 rounds=3 \
    out="$D/busy/r$r.md" > "$D/busy-r$r.log" 2>&1 || true
done
# Ceilings for the two queue targets still missed: the same queues held at max from the start
# (never resizing), against the same peers, in their own rounds.
run burstdrain-fixed 'BurstDrainBenchmark\.burstThenDrain$' impl MpscChunkedArrayQueue ElasticMpscQueue+fixed ElasticMpscQueue+burstMemory
run buffer-fixed 'BlockingQueueBenchmark\.' impl ArrayBlockingQueue ElasticBuffer+fixed ElasticBuffer
# Where the QoS fan-in's time goes on this guest: perfasm (cpu-clock, method summary), one fork each.
mkdir -p "$D/perfasm-qos-fanin"
for m in QosMailbox+layout=padded SingleConsumerOnlyUnboundedMailbox; do
  flock /tmp/heavy.lock java -jar "$JAR" '\.QosMailboxBenchmark\.fanIn$' -p mailbox=$m -f 1 -wi 3 -w 2s -i 4 -r 2s \
    -jvmArgs "$JVM_ARGS" -prof 'perfasm:events=cpu-clock;top=40;mergeMethods=true' > "$D/perfasm-qos-fanin/$m.txt" 2>&1 || true
done
# QoS fan-in missed on this guest: what the levels cost against our own FIFO rings, and how much
# of it is resizing (burst memory; a min large enough that the levels never resize).
GOAL=3.0 run qos-fanin-split '\.QosMailboxBenchmark\.fanIn$' mailbox UnboundedStablePriorityMailbox \
  QosMailbox+layout=padded QosMailbox+layout=padded+burst-memory=on \
  QosMailbox+layout=padded+initial-capacity=4096+min-capacity=4096 ElasticMailbox+padded
# The QoS fan-in with burst memory again, 6 rounds (its 4 rounds above spread 2.1 - 5.1x).
ROUNDS=6 GOAL=3.0 run qos-fanin-burstmemory '\.QosMailboxBenchmark\.fanIn$' mailbox UnboundedStablePriorityMailbox \
  QosMailbox+layout=padded QosMailbox+layout=padded+burst-memory=on \
  QosMailbox+layout=padded+initial-capacity=4096+min-capacity=4096
