#!/usr/bin/env bash
# Export and plot speed: each `memwrap export` format and `memwrap plot` on one trace of
# bench/malloc_bench.cpp (about 10^7 heap events), against `memwrap report` on the same trace
# and heaptrack_print's own massif and flame graph outputs on heaptrack's trace of the same
# program, in one invocation. Prints wall time, peak memory and the ratios.
# usage: bench/export_bench.sh [BUILD_DIR] [OPS_PER_THREAD]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
ops=${2:-1250000}
memwrap=$build/bin/memwrap
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first"; exit 2; }
have_heaptrack=1
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null || have_heaptrack=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -g -std=c++20 -pthread "$here/malloc_bench.cpp" -o "$work/malloc_bench"
bench=("$work/malloc_bench" 4 "$ops")
"$memwrap" -q -o "$work/trace.mwt" -- "${bench[@]}" >/dev/null

measure() {  # prints "SECONDS MAX_RSS_KIB" of a command
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1
  cat "$work/time"
}
read -r base_s base_kib <<<"$(measure "$memwrap" report --format json "$work/trace.mwt")"
echo "trace of malloc_bench 4 x $ops: $(stat -c %s "$work/trace.mwt") bytes"
printf '%-34s %8.2f s %10d KiB\n' "memwrap report --format json" "$base_s" "$base_kib"
row() {  # NAME SECONDS KIB OUTPUT
  printf '%-34s %8.2f s %10d KiB  %6.2fx report time  (%s bytes)\n' "$1" "$2" "$3" \
    "$(echo "$2 / $base_s" | bc -l)" "$(stat -c %s "$4")"
}
for format in folded pprof massif chrome csv; do
  read -r s kib <<<"$(measure "$memwrap" export --format "$format" "$work/trace.mwt" -o "$work/out.$format")"
  row "memwrap export --format $format" "$s" "$kib" "$work/out.$format"
done
read -r s kib <<<"$(measure "$memwrap" plot "$work/trace.mwt" -o "$work/report.html")"
row "memwrap plot" "$s" "$kib" "$work/report.html"
if ((have_heaptrack)); then
  heaptrack -o "$work/heaptrack" "${bench[@]}" >/dev/null 2>&1
  heaptrack_file=$(ls "$work"/heaptrack*.zst | head -1)
  read -r s kib <<<"$(measure heaptrack_print -M "$work/ht.massif" "$heaptrack_file")"
  row "heaptrack_print --print-massif" "$s" "$kib" "$work/ht.massif"
  read -r s kib <<<"$(measure heaptrack_print -F "$work/ht.folded" "$heaptrack_file")"
  row "heaptrack_print --print-flamegraph" "$s" "$kib" "$work/ht.folded"
else
  echo "(heaptrack_print not installed: no comparison; apt-get install heaptrack)"
fi
