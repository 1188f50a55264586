#!/usr/bin/env bash
# Paired rounds: ours against one peer, one JMH fork each per round, back to back and in alternating
# order, then PairedReport (median ratio, a distribution-free interval, a verdict against the goal).
# On a machine whose speed drifts between runs, each round's ratio is taken within one regime; the
# spread over rounds is the error bar. See bench/README.md, "Paired rounds".
#
# Usage: bench/paired.sh BENCHMARK_REGEX PARAM OURS PEER
# Settings (environment variables, defaults in brackets): ROUNDS [10]; WI [5], W [1s], I [5],
#   R [2s] (JMH's -wi -w -i -r); JVM_ARGS [-Xms1g -Xmx1g]; GOAL [1.0];
#   OUT [bench/results/$(date +%F)/paired-<first word of the regex>-<OURS>]; JAVA [java];
#   JAR [bench/target/benchmarks.jar]; REBUILD=1 rebuilds the jar even if present.
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 BENCHMARK_REGEX PARAM OURS PEER   (e.g. '\\.MailboxBenchmark\\.burst\$' mailbox ElasticMailbox SingleConsumerOnlyUnboundedMailbox)" >&2
  exit 2
fi
REGEX=$1
PARAM=$2
OURS=$3
PEER=$4
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-10}
WI=${WI:-5}
W=${W:-1s}
I=${I:-5}
R=${R:-2s}
JVM_ARGS=${JVM_ARGS:--Xms1g -Xmx1g}
GOAL=${GOAL:-1.0}
JAVA=${JAVA:-java}
JAR=${JAR:-bench/target/benchmarks.jar}
name=$(echo "$REGEX" | tr -c 'A-Za-z0-9\n' ' ' | awk '{print $1}')
OUT=${OUT:-bench/results/$(date +%F)/paired-${name:-bench}-$OURS}

if [ ! -f "$JAR" ] || [ "${REBUILD:-0}" = 1 ]; then
  ./mvnw -B -ntp -q -pl bench -am package -DskipTests
fi
mkdir -p "$OUT"
echo "paired rounds: $REGEX, $PARAM=$OURS against $PARAM=$PEER, $ROUNDS rounds -> $OUT"

for r in $(seq -w 1 "$ROUNDS"); do
  if [ $(( 10#$r % 2 )) = 1 ]; then order="$OURS $PEER"; else order="$PEER $OURS"; fi
  for impl in $order; do
    echo "== $(date +%T) round $r: $impl (load $(cut -d' ' -f1 /proc/loadavg))"
    "$JAVA" -jar "$JAR" "$REGEX" -p "$PARAM=$impl" -f 1 -wi "$WI" -w "$W" -i "$I" -r "$R" \
      -jvmArgs "$JVM_ARGS" -rf json -rff "$OUT/r$r-$impl.json" > "$OUT/r$r-$impl.log"
  done
done

"$JAVA" -cp "$JAR" io.github.elasticq.bench.report.PairedReport \
  "param=$PARAM" "ours=$OURS" "peer=$PEER" "goal=$GOAL" \
  "title=Paired rounds: $REGEX, $OURS / $PEER" "out=$OUT/paired.md" "$OUT"/r*.json
