#!/usr/bin/env bash
# Round 30: the mailbox burst with every fork at the default InlineSmallCode and with
# -XX:InlineSmallCode=5000 (peer and ours alike), interleaved, 6 rounds; from the repository root.
set -euo pipefail
OUT=${OUT:-bench/results/2026-12-05/round30/isc-mailbox-burst}
for i in 1 2 3 4 5 6; do
  if [ $((i % 2)) -eq 1 ]; then order="def isc"; else order="isc def"; fi
  for w in $order; do
    if [ $w = def ]; then args="-Xms1g -Xmx1g"; else args="-Xms1g -Xmx1g -XX:InlineSmallCode=5000"; fi
    ROUNDS=1 JVM_ARGS="$args" OUT=$OUT/$w-$i bench/rounds.sh '\.MailboxBenchmark\.burst$' mailbox \
      SingleConsumerOnlyUnboundedMailbox ElasticMailbox ElasticMailbox+layout=padded
  done
done
