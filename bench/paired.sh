#!/usr/bin/env bash
# Paired rounds: ours against one peer, one JMH fork each per round, back to back and in alternating
# order, then PairedReport (median ratio, a distribution-free interval, a verdict against the goal).
# On a machine whose speed drifts between runs, each round's ratio is taken within one regime; the
# spread over rounds is the error bar. See bench/README.md, "Paired rounds". bench/rounds.sh with
# one candidate; it writes paired.md (and .tsv, .png) into OUT.
#
# Usage: bench/paired.sh BENCHMARK_REGEX PARAM OURS PEER
# Settings: as bench/rounds.sh, but ROUNDS [10] and
#   OUT [bench/results/$(date +%F)/paired-<first word of the regex>-<OURS>].
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 BENCHMARK_REGEX PARAM OURS PEER   (e.g. '\\.MailboxBenchmark\\.burst\$' mailbox ElasticMailbox SingleConsumerOnlyUnboundedMailbox)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
name=$(echo "$1" | tr -c 'A-Za-z0-9\n' ' ' | awk '{print $1}')
export ROUNDS=${ROUNDS:-10}
export OUT=${OUT:-bench/results/$(date +%F)/paired-${name:-bench}-$3}
export REPORT=paired.md
exec bench/rounds.sh "$1" "$2" "$4" "$3"
