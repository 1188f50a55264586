#!/usr/bin/env bash
# Every issue 13 target in paired rounds, one target after the other, then PairedSummary: summary.md
# and targets.png (each target's median ratio / goal with its interval; 1.0 = goal reached). The JMH
# targets run through bench/rounds.sh (one fork of each candidate and of the peer per round, order
# rotating); the busy-consumer race runs ROUNDS JVMs of BusyConsumerRace (its rounds alternate the
# queues inside a JVM: each is a pair) and the idle-actor footprint ROUNDS runs of
# IdleActorFootprint, both turned into paired reports by PairedHarnesses. The paired counterpart of
# bench/headline.sh (-f 3 per implementation). See bench/README.md, "Every target in paired rounds".
#
# Settings (environment variables, defaults in brackets): ROUNDS [4] per target; TARGETS [all]:
#   space-separated names from the list below, to run a subset; OUT [bench/results/$(date +%F)/targets];
#   every bench/rounds.sh setting (WI, W, I, R, JVM_ARGS, JAVA, JAR, REBUILD) passes through;
#   RACE_ELEMENTS [20000000] and RACE_ROUNDS [5] per race JVM; FOOTPRINT_ACTORS [100000].
#   TITLE [Issue 13 targets, <date> (<cores> cores, <CPU>)]: the chart's title; CHART_MAX [2.5]: the
#   chart's axis ends there (median / goal), longer bars are cut and labelled with their value.
set -euo pipefail
cd "$(dirname "$0")/.."

export ROUNDS=${ROUNDS:-4}
OUT=${OUT:-bench/results/$(date +%F)/targets}
JAR=${JAR:-bench/target/benchmarks.jar}
export JAR
ALL="p1c1 race p2c1 burst-drain buffer buffer-timed mailbox-fanin mailbox-burst qos-burst qos-fanin footprint"
TARGETS=${TARGETS:-$ALL}

# name -> goal, regex, param, peer, candidates (ours first; the others are reported beside it)
target() {
  case $1 in
    p1c1) echo "1.0|\.MpscThroughputBenchmark\.p1c1$|impl|MpscArrayQueue|ElasticMpscQueue" ;;
    p2c1) echo "1.0|\.MpscThroughputBenchmark\.p2c1$|impl|MpscChunkedArrayQueue|ElasticMpscQueue" ;;
    burst-drain) echo "1.0|\.BurstDrainBenchmark\.burstThenDrain$|impl|MpscChunkedArrayQueue|ElasticMpscQueue ElasticMpscQueue+burstMemory" ;;
    buffer) echo "1.0|\.BlockingQueueBenchmark\.offerPoll$|impl|ArrayBlockingQueue|ElasticBuffer" ;;
    buffer-timed) echo "1.0|\.BlockingQueueBenchmark\.timedOfferPoll$|impl|ArrayBlockingQueue|ElasticBuffer" ;;
    mailbox-fanin) echo "1.1|\.MailboxBenchmark\.fanIn$|mailbox|SingleConsumerOnlyUnboundedMailbox|ElasticMailbox ElasticMailbox+layout=padded" ;;
    mailbox-burst) echo "1.0|\.MailboxBenchmark\.burst$|mailbox|SingleConsumerOnlyUnboundedMailbox|ElasticMailbox ElasticMailbox+layout=padded" ;;
    qos-burst) echo "3.0|\.QosMailboxBenchmark\.burst$|mailbox|UnboundedStablePriorityMailbox|QosMailbox QosMailbox+layout=padded" ;;
    qos-fanin) echo "3.0|\.QosMailboxBenchmark\.fanIn$|mailbox|UnboundedStablePriorityMailbox|QosMailbox QosMailbox+layout=padded" ;;
    race) echo "1.0|BusyConsumerRace|||" ;; # not JMH: see run_race
    footprint) echo "1.3|IdleActorFootprint|||" ;; # a ceiling on ours / default bytes: run_footprint
    *) return 1 ;;
  esac
}
for t in $TARGETS; do
  target "$t" > /dev/null || { echo "unknown target '$t'; known: $ALL" >&2; exit 2; }
done

if [ ! -f "$JAR" ] || [ "${REBUILD:-0}" = 1 ]; then
  ./mvnw -B -ntp -q -pl bench -am package -DskipTests
  export REBUILD=0
fi
mkdir -p "$OUT"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || echo "unknown CPU")
TITLE=${TITLE:-"Issue 13 targets, $(date +%F) ($(nproc) cores, $cpu)"}
echo "targets: $TARGETS; $ROUNDS rounds each -> $OUT"

JAVA=${JAVA:-java}
report() { "$JAVA" -cp "$JAR" io.github.elasticq.bench.report.PairedHarnesses "$@" > /dev/null; }
# ROUNDS race JVMs; each alternates the queues RACE_ROUNDS times (Agrona needs the export) and is
# one pair (the median of its rounds). Both functions report the files of this run only, in run
# order (not a glob: OUT may hold an earlier run's).
run_race() {
  local dir=$OUT/race files=()
  mkdir -p "$dir"
  for r in $(seq 1 "$ROUNDS"); do
    "$JAVA" --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Xms2g -Xmx2g -cp "$JAR" \
      io.github.elasticq.bench.BusyConsumerRace "elements=${RACE_ELEMENTS:-20000000}" \
      "rounds=${RACE_ROUNDS:-5}" "out=$dir/race-r$r.md" > "$dir/race-r$r.log"
    files+=("$dir/race-r$r.json")
  done
  report kind=race "out=$dir/paired-ElasticMpscQueue.md" goal="$1" "${files[@]}"
}
# ROUNDS footprint runs (each starts one child JVM per mailbox).
run_footprint() {
  local dir=$OUT/footprint files=()
  mkdir -p "$dir"
  for r in $(seq 1 "$ROUNDS"); do
    "$JAVA" -cp "$JAR" io.github.elasticq.bench.IdleActorFootprint \
      --actors "${FOOTPRINT_ACTORS:-100000}" --out "$dir/footprint-r$r.md" \
      ElasticMailbox+1msg UnboundedMailbox+1msg > "$dir/footprint-r$r.log"
    files+=("$dir/footprint-r$r.md")
  done
  report kind=footprint "out=$dir/paired-ElasticMailbox+1msg.md" goal="$1" "${files[@]}"
}

tsvs=()
for t in $TARGETS; do
  IFS='|' read -r goal regex param peer candidates <<< "$(target "$t")"
  echo "== $(date +%T) $t"
  if [ "$t" = race ] || [ "$t" = footprint ]; then
    "run_$t" "$goal"
    tsvs+=("$OUT/$t"/paired-*.tsv)
    continue
  fi
  # A failed fork leaves its round out (rounds.sh exits 3 after its reports): go on, say so at the end
  # shellcheck disable=SC2086 # the candidates are words on purpose
  GOAL=$goal OUT=$OUT/$t bench/rounds.sh "$regex" "$param" "$peer" $candidates \
    || failed_targets="${failed_targets:-}$t (exit $?) "
  for c in $candidates; do # this run's reports (not a glob: OUT may hold an earlier run's)
    tsv="$OUT/$t/paired-$(echo "$c" | sed 's/[^A-Za-z0-9+=._-]/_/g').tsv"
    [ -s "$tsv" ] && tsvs+=("$tsv")
  done
done

"$JAVA" -cp "$JAR" io.github.elasticq.bench.report.PairedSummary out="$OUT" title="$TITLE" \
  max="${CHART_MAX:-2.5}" \
  note="bench/targets.sh: $ROUNDS paired round(s) per target, $("$JAVA" -version 2>&1 | head -1)" "${tsvs[@]}"
echo "wrote $OUT/summary.md and $OUT/targets.png"
if [ -n "${failed_targets:-}" ]; then
  echo "forks failed in: $failed_targets- their rounds are left out (see each target's reports and logs)" >&2
  exit 3
fi
