#!/usr/bin/env bash
# Round 43's paired rounds of BlockingQueueBenchmark.timedOfferPoll with the JIT's inlining
# forced for both queues' offer/poll (-XX:CompileCommand=inline), which bench/rounds.sh cannot run
# (it takes no flags for the peer, and no candidate with the peer's @Param value).
# Usage, from the repository root: bench/results/2026-12-07/round43/inline-rounds.sh OUT NAME=IMPL[+flags]...
#   NAME=IMPL runs impl IMPL as it is; NAME=IMPL+inline runs it with the inlining forced;
#   a further +ablate or +ablate-WHAT adds -Delasticq.ablate=true or -Delasticq.ablate.WHAT=true
#   (the switches of ablation.patch, for a jar built with it); a final @JARFILE runs that config
#   from another jar (an A/B of two builds in the same rounds).
# Each round runs every configuration once (one JMH fork), in an order rotating per round, and
# writes OUT/r<round>-<NAME>.json. ROUNDS [6]; JAR [bench/target/benchmarks.jar].
# Then: python3 bench/results/2026-12-07/round43/ratios.py OUT PEER-NAME NAME...
set -euo pipefail
OUT=$1
shift
mkdir -p "$OUT"
JAR=${JAR:-bench/target/benchmarks.jar}
INLINE="-XX:CompileCommand=quiet"
for m in io.github.elasticq.queue.ElasticBuffer::poll io.github.elasticq.queue.ElasticBuffer::offer \
  java.util.concurrent.ArrayBlockingQueue::poll java.util.concurrent.ArrayBlockingQueue::offer; do
  INLINE="$INLINE -XX:CompileCommand=inline,$m"
done
cfgs=("$@")
n=${#cfgs[@]}
for r in $(seq 1 "${ROUNDS:-6}"); do
  for k in $(seq 0 $((n - 1))); do
    cfg=${cfgs[$(((k + r) % n))]}
    name=${cfg%%=*}
    impl=${cfg#*=}
    jar=$JAR
    if [[ $impl == *@* ]]; then
      jar=${impl#*@}
      impl=${impl%@*}
    fi
    flags=""
    if [[ $impl == *+ablate* ]]; then
      what=${impl##*+ablate}
      impl=${impl%+ablate*}
      flags="-Delasticq.ablate${what:+.}${what#-}=true"
    fi
    if [[ $impl == *+inline ]]; then
      impl=${impl%+inline}
      flags="$flags $INLINE"
    fi
    echo "$(date +%T) round $r: $name ($impl${flags:+, $flags} from $jar)"
    java -jar "$jar" 'BlockingQueueBenchmark\.timedOfferPoll$' -p impl="$impl" -f 1 -wi 5 -w 1s -i 5 -r 2s \
      -jvmArgsAppend "-Xms1g -Xmx1g $flags" -rf json -rff "$OUT/r$r-$name.json" > "$OUT/r$r-$name.log" 2>&1
  done
done
