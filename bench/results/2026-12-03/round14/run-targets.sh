#!/usr/bin/env bash
# Round 14: every issue 13 target on this guest with one jar, by bench/rounds.sh (4 rounds each).
# Run from the repository root: JAR=/tmp/bench.jar bench/results/2026-12-03/round14/run-targets.sh
set -euo pipefail
D=bench/results/2026-12-03/round14
export ROUNDS=${ROUNDS:-4}
flock /tmp/heavy.lock env OUT=$D/p1c1 bench/rounds.sh '\.MpscThroughputBenchmark\.p1c1$' impl MpscArrayQueue ElasticMpscQueue
flock /tmp/heavy.lock env OUT=$D/p2c1 bench/rounds.sh '\.MpscThroughputBenchmark\.p2c1$' impl MpscChunkedArrayQueue ElasticMpscQueue
flock /tmp/heavy.lock env OUT=$D/burstdrain bench/rounds.sh '\.BurstDrainBenchmark\.burstThenDrain$' impl MpscChunkedArrayQueue ElasticMpscQueue ElasticMpscQueue+burstMemory
flock /tmp/heavy.lock env OUT=$D/elasticbuffer bench/rounds.sh '\.BlockingQueueBenchmark\.(offerPoll|timedOfferPoll)$' impl ArrayBlockingQueue ElasticBuffer
flock /tmp/heavy.lock java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Xms2g -Xmx2g -cp "$JAR" io.github.elasticq.bench.BusyConsumerRace elements=20000000 rounds=5 > $D/busy-consumer.txt 2>&1
flock /tmp/heavy.lock java -cp "$JAR" io.github.elasticq.bench.IdleActorFootprint --actors 100000 --out $D/footprint-idle-actors.md ElasticMailbox+1msg UnboundedMailbox+1msg > $D/footprint.log 2>&1
