#!/usr/bin/env bash
# Analysis speed and memory: `memwrap report` against `heaptrack_print` on traces of the same
# program (bench/malloc_bench.cpp, about 10^7 heap events), in one invocation. Prints each
# one's wall time and peak memory and the ratios.
# usage: bench/report_bench.sh [BUILD_DIR] [OPS_PER_THREAD]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
ops=${2:-1250000}
memwrap=$build/bin/memwrap
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first"; exit 2; }
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null ||
  { echo "heaptrack and heaptrack_print are needed (apt-get install heaptrack)"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -g -std=c++20 -pthread "$here/malloc_bench.cpp" -o "$work/malloc_bench"
bench=("$work/malloc_bench" 4 "$ops")

"$memwrap" -q -o "$work/trace.mwt" -- "${bench[@]}" >/dev/null
heaptrack -o "$work/heaptrack" "${bench[@]}" >/dev/null 2>&1
heaptrack_file=$(ls "$work"/heaptrack*.zst | head -1)
events=$("$memwrap" report --format json "$work/trace.mwt" |
         python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; print(t["allocations"]+t["frees"])')

measure() {  # prints "SECONDS MAX_RSS_KIB" of a command
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1
  cat "$work/time"
}
read -r m_s m_kib <<<"$(measure "$memwrap" report --format json "$work/trace.mwt")"
read -r h_s h_kib <<<"$(measure heaptrack_print "$heaptrack_file")"

echo "traces of malloc_bench 4 x $ops: $events heap events; memwrap trace $(stat -c %s "$work/trace.mwt") bytes, heaptrack $(stat -c %s "$heaptrack_file") bytes"
printf '%-24s %8.2f s %10d KiB peak memory\n' "memwrap report" "$m_s" "$m_kib"
printf '%-24s %8.2f s %10d KiB peak memory\n' "heaptrack_print" "$h_s" "$h_kib"
printf 'memwrap report is %.2fx faster and uses %.2fx the memory of heaptrack_print\n' \
  "$(echo "$h_s / $m_s" | bc -l)" "$(echo "$m_kib / $h_kib" | bc -l)"
