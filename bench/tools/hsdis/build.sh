#!/usr/bin/env bash
# Builds hsdis-amd64.so (HotSpot's disassembler plugin over Capstone) into this directory, for
# readable -prof perfasm and -XX:+PrintAssembly. Needs gcc and Debian's libcapstone-dev (installed
# here with apt-get if missing and allowed). Use it with LD_LIBRARY_PATH=<this directory>, e.g.
#   LD_LIBRARY_PATH=bench/tools/hsdis java -jar bench/target/benchmarks.jar REGEX -f 1 \
#     -prof "perfasm:events=cpu-clock"
# (cpu-clock: the guests here have no hardware counters). See bench/README.md, "Reading the
# compiled code".
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f /usr/include/capstone/capstone.h ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q libcapstone-dev > /dev/null;
  else sudo apt-get install -y -q libcapstone-dev > /dev/null; fi
fi
gcc -O2 -Wall -Wextra -shared -fPIC -o hsdis-amd64.so hsdis-capstone.c -lcapstone
echo "built $(pwd)/hsdis-amd64.so"
