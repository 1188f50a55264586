#!/usr/bin/env bash
# BusyConsumerRace (1 -> 1, busy-polling consumer, 20 M elements, 3 rounds per JVM), old build and
# new build alternating, one JVM each per repetition. Each JVM's report has the peers of that run.
# Usage: busy-ab.sh CLASSPATH_A CLASSPATH_B REPS OUT
#   (a classpath is a benchmarks.jar, or a mailbox classes directory followed by one)
set -euo pipefail
A=$1 B=$2 REPS=$3 OUT=$4
mkdir -p "$OUT"
for r in $(seq 1 "$REPS"); do
  for v in old new; do
    cp=$A
    [ "$v" = new ] && cp=$B
    flock /tmp/heavy.lock java -Xms1g -Xmx1g --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
      -cp "$cp" io.github.elasticq.bench.BusyConsumerRace elements=20000000 rounds=3 \
      out="$OUT/r$r-$v.md" > "$OUT/r$r-$v.log" 2>&1
    echo "r$r $v $(grep -E '^\| (ElasticMpscQueue|MpscArrayQueue|MpscChunkedArrayQueue|ManyToOne)' \
      "$OUT/r$r-$v.md" | awk -F'|' '{printf "%s %s;", $2, $3}')"
  done
done
