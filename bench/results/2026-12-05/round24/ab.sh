#!/usr/bin/env bash
# Rounds 24 – 27 ran the old/new A/B from here; it is bench/ab.sh since round 28 (same rounds, a
# summary per benchmark). Round 24 ran it with OLD=/tmp/bench24.jar (main at abc5313) and
# NEW=/tmp/bench24-new.jar (the shrink step deferred until the consumer reaches the previous step's
# buffer); round 25 with OLD=/tmp/b25.jar (a672d7e), NEW=/tmp/b25-new.jar (c903703) and
# DIR=bench/results/2026-12-05/round25.
# usage: ab.sh NAME N REGEX PARAM PEER CAND...   (env OLD, NEW, DIR [this directory], as bench/ab.sh)
set -euo pipefail
DIR=${DIR:-bench/results/2026-12-05/round24} exec "$(dirname "$0")/../../../ab.sh" "$@"
