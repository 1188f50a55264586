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
# A fork that fails (non-zero exit, or no JSON / an empty one) does not stop the run: it is named,
# its round is left out of the pairs it belongs to (the report lists it under "Left out"), and the
# script exits 3 at the end, after every round and report, so bench/targets.sh goes on to the next
# target and says which failed.
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
    rm -f "$OUT/r$r-$f.json" # an earlier run's fork must not stand in for a failed one
    status=0
    "$JAVA" -jar "$JAR" "$REGEX" -p "$PARAM=$(value "$impl")" -f 1 -wi "$WI" -w "$W" -i "$I" \
      -r "$R" -jvmArgs "$JVM_ARGS $(flags "$impl")" -rf json -rff "$OUT/r$r-$f.json" \
      > "$OUT/r$r-$f.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ] || [ ! -s "$OUT/r$r-$f.json" ]; then
      echo "== round $r: the fork of $impl failed (exit $status; see $OUT/r$r-$f.log)" >&2
      rm -f "$OUT/r$r-$f.json"
      failed=$((${failed:-0} + 1))
    fi
  done
done

# This run's files only, not a glob: OUT may hold an earlier run's rounds (more of them). A round
# takes part in a candidate's pairs only if both its fork and the peer's wrote their results.
peer=$(label "$PEER")
for c in "${CANDIDATES[@]}"; do
  f=$(label "$c")
  files=()
  left_out=()
  for r in $(seq -w 1 "$ROUNDS"); do
    if [ -s "$OUT/r$r-$f.json" ] && [ -s "$OUT/r$r-$peer.json" ]; then
      files+=("$OUT/r$r-$f.json" "$OUT/r$r-$peer.json")
    else
      left_out+=("$r")
    fi
  done
  report=$OUT/${REPORT:-paired-$f.md}
  rm -f "$report" "${report%.md}.tsv" # an earlier run's report must not stand in for this one's
  if [ ${#files[@]} -eq 0 ]; then
    echo "no round of $c has both results: no report for it" >&2
    continue
  fi
  "$JAVA" -cp "$JAR" io.github.elasticq.bench.report.PairedReport \
    "param=$PARAM" "ours=$(value "$c")" "peer=$PEER" "goal=$GOAL" \
    "title=Rounds: $REGEX, $c / $PEER" "out=$report" "${files[@]}"
  if [ ${#left_out[@]} -gt 0 ]; then
    { echo; echo "Left out: round ${left_out[*]} of $ROUNDS (a fork failed; see r<round>-*.log)."; } \
      >> "$report"
  fi
done
if [ "${failed:-0}" -gt 0 ]; then
  echo "$failed fork(s) failed; their rounds are left out of the reports above" >&2
  exit 3
fi
