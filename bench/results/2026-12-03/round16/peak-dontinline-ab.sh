#!/usr/bin/env bash
# A/B of one jar: A = default JIT, B = the peak-raise method not inlined. Round 13's ab.sh does the
# alternating forks and the summary.
# usage: peak-dontinline-ab.sh JAR REGEX PARAM=VALUE ROUNDS OUTDIR   (from the repository root)
set -euo pipefail
JAR=$1; REGEX=$2; P=$3; N=$4; OUT=$5
DI="-XX:CompileCommand=quiet -XX:CompileCommand=dontinline,io.github.elasticq.queue.AbstractElasticMpscQueue::notePeakAfterOffer"
JVM_ARGS_B="-Xms1g -Xmx1g $DI" exec bash bench/results/2026-12-03/round13/ab/ab.sh \
  "$REGEX" "$P" "$JAR" "$JAR" "$N" "$OUT"
