#!/usr/bin/env bash
# Round 26, section 5: the same jar (Java 17 bytecode) on the Temurin 25 JDK of this machine, for
# the two FIFO rows missed on this guest. Run from the repository root with JAR set.
set -euo pipefail
R=bench/results/2026-12-05/round26
export JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java ROUNDS=4
JVM_ARGS="-Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED" OUT=$R/jdk25-burstdrain \
  bench/rounds.sh 'BurstDrainBenchmark\.burstThenDrain$' impl MpscChunkedArrayQueue \
  ElasticMpscQueue ElasticMpscQueue+burstMemory MpscArrayQueue
OUT=$R/jdk25-mailbox-burst bench/rounds.sh '\.MailboxBenchmark\.burst$' mailbox \
  SingleConsumerOnlyUnboundedMailbox ElasticMailbox ElasticMailbox+layout=padded
