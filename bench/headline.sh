#!/usr/bin/env bash
# The headline queue and mailbox benchmarks (issue 13) in one command: the JMH set restricted to
# ours and the peers that the targets and the README name, the busy-consumer race, the idle-actor
# footprint, then QueueReport, which writes queues.md and PNG bar charts of the ratios into
# bench/results/<date>/ (or $OUT). See bench/README.md, "Headline set".
#
# Settings (environment variables, defaults in brackets):
#   FORKS [3], WI [5] warm-up iterations, W [1s] warm-up time, I [5] iterations, R [2s] iteration
#   time (JMH's -f -wi -w -i -r); JVM_ARGS [-Xms1g -Xmx1g] for the JMH forks;
#   MPSC, MPMC, MAILBOXES, QOS: comma-separated implementations of each benchmark family;
#   RACE_ELEMENTS [20000000], RACE_ROUNDS [5]: BusyConsumerRace; RACE=0 skips it;
#   FOOTPRINT_ACTORS [100000]: IdleActorFootprint; 0 skips it;
#   OUT [bench/results/$(date +%F)]; JAVA [java]; REBUILD=1 rebuilds the jar even if present.
# A quick look (a few minutes, figures not fit to quote):
#   FORKS=1 WI=1 W=200ms I=1 R=200ms RACE_ELEMENTS=1000000 RACE_ROUNDS=1 FOOTPRINT_ACTORS=10000 \
#     OUT=/tmp/headline bench/headline.sh
set -euo pipefail

cd "$(dirname "$0")/.."

FORKS=${FORKS:-3}
WI=${WI:-5}
W=${W:-1s}
I=${I:-5}
R=${R:-2s}
JVM_ARGS=${JVM_ARGS:--Xms1g -Xmx1g}
MPSC=${MPSC:-ElasticMpscQueue,MpscArrayQueue,MpscChunkedArrayQueue,ManyToOneConcurrentArrayQueue,ConcurrentLinkedQueue}
MPMC=${MPMC:-ElasticBuffer,ArrayBlockingQueue}
MAILBOXES=${MAILBOXES:-ElasticMailbox,SingleConsumerOnlyUnboundedMailbox,UnboundedMailbox}
QOS=${QOS:-QosMailbox,UnboundedStablePriorityMailbox}
RACE=${RACE:-1}
RACE_ELEMENTS=${RACE_ELEMENTS:-20000000}
RACE_ROUNDS=${RACE_ROUNDS:-5}
FOOTPRINT_ACTORS=${FOOTPRINT_ACTORS:-100000}
OUT=${OUT:-bench/results/$(date +%F)}
JAVA=${JAVA:-java}
JAR=bench/target/benchmarks.jar
# Agrona 2.x reads jdk.internal.misc.Unsafe (the JMH benchmarks add it through @Fork).
AGRONA_EXPORTS=--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED

# JMH time ("2s", "200ms") in milliseconds.
millis() {
  case $1 in
    *ms) echo "${1%ms}" ;;
    *s) echo $(( ${1%s} * 1000 )) ;;
    *) echo $(( $1 * 1000 )) ;;
  esac
}
count() { echo "$1" | tr ',' '\n' | grep -c .; }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a; }
# A step's name, duration and load averages before and after, for the report.
step_start() { step_load=$(load); step_at=$(date +%s); echo "== $(date +%T) $*"; }
step_end() { echo "$1 ($(( $(date +%s) - step_at )) s): $step_load → $(load)" >> "$OUT/loadavg.txt"; }

# (benchmarks x implementations) per JMH step; a fork costs its iterations plus its start-up:
# about 1 s for a queue benchmark, 2 s for a mailbox benchmark (an ActorSystem per trial).
queue_pairs=$(( 3 * $(count "$MPSC") + 2 * $(count "$MPMC") ))
mailbox_pairs=$(( 2 * $(count "$MAILBOXES") + 2 * $(count "$QOS") ))
pairs=$(( queue_pairs + mailbox_pairs ))
iterations_ms=$(( WI * $(millis "$W") + I * $(millis "$R") ))
jmh_s=$(( FORKS * (queue_pairs * (iterations_ms + 1000) + mailbox_pairs * (iterations_ms + 2000)) / 1000 ))
# The race: 5 queues x (rounds + warm-up), about 1 s per 20 M elements; the footprint: 2 JVMs.
race_s=0
if [ "$RACE" != 0 ]; then
  race_s=$(( 5 * (RACE_ROUNDS + 1) * (RACE_ELEMENTS / 1000000 + 1) / 20 + 5 ))
fi
footprint_s=0
if [ "$FOOTPRINT_ACTORS" != 0 ]; then
  footprint_s=$(( 2 * (5 + FOOTPRINT_ACTORS / 10000) ))
fi
total_s=$(( jmh_s + race_s + footprint_s ))
echo "headline: $pairs benchmark x implementation pairs, $FORKS fork(s) of ${WI}x$W + ${I}x$R each"
echo "expected duration: about $(( (total_s + 59) / 60 )) min" \
  "(JMH ${jmh_s} s, race ${race_s} s, footprint ${footprint_s} s), plus the build if the jar is missing"
echo "writing into $OUT"

if [ ! -f "$JAR" ] || [ "${REBUILD:-0}" = 1 ]; then
  ./mvnw -B -ntp -q -pl bench -am package -DskipTests
fi

mkdir -p "$OUT"
: > "$OUT/loadavg.txt"
started=$(date +%s)

jmh() { # name, benchmark regex, param, implementations
  step_start "JMH $1: $2 with $3=$4"
  "$JAVA" -jar "$JAR" "$2" -p "$3=$4" -f "$FORKS" -wi "$WI" -w "$W" -i "$I" -r "$R" \
    -jvmArgs "$JVM_ARGS" -foe true -rf json -rff "$OUT/jmh-$1.json"
  step_end "$1"
}

jmh mpsc 'MpscThroughputBenchmark\.p[12]c1$|BurstDrainBenchmark\.burstThenDrain$' impl "$MPSC"
jmh blocking 'BlockingQueueBenchmark\.(offerPoll|timedOfferPoll)$' impl "$MPMC"
jmh mailbox '\.MailboxBenchmark\.(fanIn|burst)$' mailbox "$MAILBOXES"
jmh qos 'QosMailboxBenchmark\.(fanIn|burst)$' mailbox "$QOS"

report_args=()
if [ "$RACE" != 0 ]; then
  step_start "BusyConsumerRace: $RACE_ELEMENTS elements, $RACE_ROUNDS rounds"
  "$JAVA" "$AGRONA_EXPORTS" -Xms2g -Xmx2g -cp "$JAR" io.github.elasticq.bench.BusyConsumerRace \
    "elements=$RACE_ELEMENTS" "rounds=$RACE_ROUNDS" "out=$OUT/busy-consumer.md"
  step_end race
  report_args+=("race=$OUT/busy-consumer.json")
fi
if [ "$FOOTPRINT_ACTORS" != 0 ]; then
  step_start "IdleActorFootprint: $FOOTPRINT_ACTORS actors"
  "$JAVA" -cp "$JAR" io.github.elasticq.bench.IdleActorFootprint --actors "$FOOTPRINT_ACTORS" \
    --out "$OUT/footprint-idle-actors.md" ElasticMailbox+1msg UnboundedMailbox+1msg
  step_end footprint
  report_args+=("footprint=$OUT/footprint-idle-actors.md")
fi

"$JAVA" -cp "$JAR" io.github.elasticq.bench.report.QueueReport "out-dir=$OUT" \
  "loadavg=$OUT/loadavg.txt" ${report_args[@]+"${report_args[@]}"} \
  "$OUT/jmh-mpsc.json" "$OUT/jmh-blocking.json" "$OUT/jmh-mailbox.json" "$OUT/jmh-qos.json" \
  > /dev/null
echo "done in $(( $(date +%s) - started )) s: $OUT/queues.md and its charts"
