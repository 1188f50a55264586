#!/usr/bin/env bash
# Rounds of several candidates against one peer: each round runs every candidate and the peer one
# JMH fork each, in an order that rotates from round to round, then PairedReport writes one table
# per candidate (its per-round ratio to the peer of the same round, the median, an interval). The
# same as bench/paired.sh, but all candidates share the peer's forks and each other's regime, so
# their ratios can be compared with each other (a ceiling experiment: what a mailbox that does less
# work reaches on the same workload). See bench/README.md, "Paired rounds".
#
# Usage: bench/rounds.sh BENCHMARK_REGEX PARAM PEER CANDIDATE...
# A candidate may be VALUE|JVM-FLAGS (e.g. 'QosMailbox|-Dsome.switch=true'): the param value VALUE
# run with JVM-FLAGS added to JVM_ARGS, for an experiment behind a system property. Its files and
# report are named after the whole candidate, with every character outside [A-Za-z0-9+=._-]
# replaced by '_'. The peer takes no flags.
# Settings (environment variables, defaults in brackets): ROUNDS [6]; WI [5], W [1s], I [5],
#   R [2s] (JMH's -wi -w -i -r); JVM_ARGS [-Xms1g -Xmx1g]; GOAL [1.0]; JAVA [java];
#   JAR [bench/target/benchmarks.jar]; REBUILD=1 rebuilds the jar even if present;
#   OUT [bench/results/$(date +%F)/rounds-<first word of the regex>];
#   REPORT [paired-<candidate>.md]: the report's file name in OUT (bench/paired.sh: paired.md).
set -euo pipefail

if [ $# -lt 4 ]; then
  echo "usage: $0 BENCHMARK_REGEX PARAM PEER CANDIDATE...   (e.g. 'QosMailboxBenchmark\\.burst\$' mailbox UnboundedStablePriorityMailbox QosMailbox SingleConsumerOnlyUnboundedMailbox)" >&2
  exit 2
fi
REGEX=$1
PARAM=$2
PEER=$3
shift 3
CANDIDATES=("$@")
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-6}
WI=${WI:-5}
W=${W:-1s}
I=${I:-5}
R=${R:-2s}
JVM_ARGS=${JVM_ARGS:--Xms1g -Xmx1g}
GOAL=${GOAL:-1.0}
JAVA=${JAVA:-java}
JAR=${JAR:-bench/target/benchmarks.jar}
name=$(echo "$REGEX" | tr -c 'A-Za-z0-9\n' ' ' | awk '{print $1}')
OUT=${OUT:-bench/results/$(date +%F)/rounds-${name:-bench}}

if [ ! -f "$JAR" ] || [ "${REBUILD:-0}" = 1 ]; then
  ./mvnw -B -ntp -q -pl bench -am package -DskipTests
fi
mkdir -p "$OUT"
all=("$PEER" "${CANDIDATES[@]}")
n=${#all[@]}
echo "rounds: $REGEX, $PARAM in {${all[*]}}, $ROUNDS rounds -> $OUT"

value() { echo "${1%%|*}"; }                                   # the param value
flags() { case $1 in *"|"*) echo "${1#*|}" ;; esac; }             # the JVM flags, if any
label() { echo "$1" | sed 's/[^A-Za-z0-9+=._-]/_/g'; }           # for file names
case $PEER in *"|"*) echo "the peer takes no JVM flags: $PEER" >&2; exit 2 ;; esac
for c in "${CANDIDATES[@]}"; do
  # PairedReport tells the sides apart by the param value
  if [ "$(value "$c")" = "$PEER" ]; then
    echo "candidate $c has the peer's param value $PEER: the report could not tell them apart" >&2
    exit 2
  fi
done

for r in $(seq -w 1 "$ROUNDS"); do
  shift_by=$(( (10#$r - 1) % n ))
  for k in $(seq 0 $((n - 1))); do
    impl=${all[$(( (k + shift_by) % n ))]}
    f=$(label "$impl")
    echo "== $(date +%T) round $r: $impl (load $(cut -d' ' -f1 /proc/loadavg))"
    "$JAVA" -jar "$JAR" "$REGEX" -p "$PARAM=$(value "$impl")" -f 1 -wi "$WI" -w "$W" -i "$I" \
      -r "$R" -jvmArgs "$JVM_ARGS $(flags "$impl")" -rf json -rff "$OUT/r$r-$f.json" \
      > "$OUT/r$r-$f.log"
  done
done

# This run's files only, not a glob: OUT may hold an earlier run's rounds (more of them).
this_run() { for r in $(seq -w 1 "$ROUNDS"); do echo "$OUT/r$r-$1.json"; done; }
peer_files=()
while IFS= read -r file; do peer_files+=("$file"); done < <(this_run "$(label "$PEER")")
for c in "${CANDIDATES[@]}"; do
  f=$(label "$c")
  ours_files=()
  while IFS= read -r file; do ours_files+=("$file"); done < <(this_run "$f")
  "$JAVA" -cp "$JAR" io.github.elasticq.bench.report.PairedReport \
    "param=$PARAM" "ours=$(value "$c")" "peer=$PEER" "goal=$GOAL" \
    "title=Rounds: $REGEX, $c / $PEER" "out=$OUT/${REPORT:-paired-$f.md}" \
    "${ours_files[@]}" "${peer_files[@]}"
done
