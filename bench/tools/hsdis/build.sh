#!/usr/bin/env bash
# Builds hsdis-amd64.so (HotSpot's disassembler plugin over Capstone) into this directory, for
# readable -prof perfasm and -XX:+PrintAssembly. Needs gcc and Debian's libcapstone-dev (both
# installed here with apt-get if missing, as root or through sudo). perfasm itself also needs
# perf (Debian: linux-perf) and, for a non-root user, kernel.perf_event_paranoid <= 1. Use it with
# LD_LIBRARY_PATH=<this directory>, e.g.
#   LD_LIBRARY_PATH=bench/tools/hsdis java -jar bench/target/benchmarks.jar REGEX -f 1 \
#     -prof "perfasm:events=cpu-clock"
# (cpu-clock: the guests here have no hardware counters). See bench/README.md, "Reading the
# compiled code".
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v gcc > /dev/null || missing+=(gcc)
[ -f /usr/include/capstone/capstone.h ] || missing+=(libcapstone-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then as_root=(); elif command -v sudo > /dev/null; then as_root=(sudo);
  else echo "needs ${missing[*]} (apt-get install as root)" >&2; exit 1; fi
  "${as_root[@]}" apt-get install -y -q "${missing[@]}" > /dev/null 2>&1 \
    || { "${as_root[@]}" apt-get update -q > /dev/null && "${as_root[@]}" apt-get install -y -q "${missing[@]}" > /dev/null; }
fi
gcc -O2 -Wall -Wextra -shared -fPIC -o hsdis-amd64.so hsdis-capstone.c -lcapstone
echo "built $(pwd)/hsdis-amd64.so"
