#!/usr/bin/env bash
# Round 26 (AMD EPYC family 26 guest): the issue 13 rows whose last measurement on this kind of
# guest predates round 25's shrink change, in paired rounds (bench/rounds.sh), and the JIT
# experiment on the peak check. Run from the repository root with JAR set to the round's jar.
set -euo pipefail
R=bench/results/2026-12-05/round26
run() { OUT=$R/$1 ROUNDS=${ROUNDS:-4} bench/rounds.sh "${@:2}"; }
DONTINLINE='-XX:CompileCommand=quiet -XX:CompileCommand=dontinline,io.github.elasticq.queue.AbstractElasticMpscQueue::notePeakAfterOffer'
JVM_ARGS="-Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED" \
  run burstdrain-peak 'BurstDrainBenchmark\.burstThenDrain$' impl MpscChunkedArrayQueue \
  ElasticMpscQueue "ElasticMpscQueue|$DONTINLINE" ElasticMpscQueue+burstMemory "ElasticMpscQueue+burstMemory|$DONTINLINE"
run mailbox-burst '\.MailboxBenchmark\.burst$' mailbox SingleConsumerOnlyUnboundedMailbox \
  ElasticMailbox ElasticMailbox+layout=padded
GOAL=1.1 run mailbox-fanin '\.MailboxBenchmark\.fanIn$' mailbox SingleConsumerOnlyUnboundedMailbox \
  ElasticMailbox ElasticMailbox+layout=padded
GOAL=3.0 run qos-burst '\.QosMailboxBenchmark\.burst$' mailbox UnboundedStablePriorityMailbox \
  QosMailbox QosMailbox+layout=padded
GOAL=3.0 run qos-fanin '\.QosMailboxBenchmark\.fanIn$' mailbox UnboundedStablePriorityMailbox \
  QosMailbox QosMailbox+layout=padded
