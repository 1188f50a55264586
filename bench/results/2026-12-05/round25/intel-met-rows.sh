#!/usr/bin/env bash
# Round 25: the issue-13 rows last measured on this Intel guest in round 18 (the MPSC rows, met
# there) and the idle footprint (round 3), again with rounds 19 - 24's code (main at a672d7e).
# Each block as in round 18's intel-batch.sh. Usage (from the repository root, jar built from
# a672d7e or later with the same mailbox code): JAR=... intel-met-rows.sh
set -euo pipefail
D=bench/results/2026-12-05/round25
export ROUNDS=${ROUNDS:-4} JAR=${JAR:-bench/target/benchmarks.jar}
export JVM_ARGS="-Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"
run() { local out=$1; shift; OUT=$D/$out flock /tmp/heavy.lock bench/rounds.sh "$@"; }
run p1c1 'MpscThroughputBenchmark\.p1c1$' impl MpscArrayQueue ElasticMpscQueue
run p2c1 'MpscThroughputBenchmark\.p2c1$' impl MpscChunkedArrayQueue ElasticMpscQueue
mkdir -p "$D/busy"
for r in 1 2 3; do
  flock /tmp/heavy.lock java -Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
    -cp "$JAR" io.github.elasticq.bench.BusyConsumerRace elements=20000000 rounds=3 \
    out="$D/busy/r$r.md" > "$D/busy/r$r.log" 2>&1 || true
done
flock /tmp/heavy.lock java -cp "$JAR" io.github.elasticq.bench.IdleActorFootprint --actors 100000 \
  ElasticMailbox+1msg UnboundedMailbox+1msg QosMailbox+1msg > "$D/footprint.txt" 2>&1
