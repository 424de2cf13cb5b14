#!/usr/bin/env bash
# Tracing overhead on a malloc-heavy program (bench/malloc_bench.cpp), all tools in one run on
# the same machine: plain, the floor of any per-event recorder (bench/recording_floor.c: a
# timestamp and a 32-byte store per call, nothing else), memwrap (full stacks, sampled, no
# stacks), heaptrack, valgrind massif. Prints each one's wall time as a ratio to plain (median of REPEAT runs) and, for
# memwrap, trace bytes per recorded event.
# usage: bench/run_bench.sh [BUILD_DIR] [THREADS] [OPS_PER_THREAD] [REPEAT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
threads=${2:-4}
ops=${3:-500000}
repeat=${4:-3}
memwrap=$build/bin/memwrap
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first (cmake --build $build)"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -g -std=c++20 -pthread "$here/malloc_bench.cpp" -o "$work/malloc_bench"
bench=("$work/malloc_bench" "$threads" "$ops")
cc -O2 -shared -fPIC "$here/recording_floor.c" -o "$work/floor_rdtsc.so"
cc -O2 -shared -fPIC -DFLOOR_CLOCK_GETTIME "$here/recording_floor.c" -o "$work/floor_clock.so"

# Median wall-clock seconds of REPEAT runs of a command.
median_seconds() {
  local times=()
  for _ in $(seq "$repeat"); do
    local start end
    start=$(date +%s.%N)
    if ! "$@" >/dev/null 2>"$work/stderr"; then
      echo "failed: $* ($(tail -1 "$work/stderr"))" >&2
      exit 1
    fi
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

events_of() {  # allocations + frees recorded in a trace
  "$memwrap" report --format json "$1" |
    python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; print(t["allocations"]+t["frees"])'
}

echo "malloc_bench: $threads threads x $ops operations, median of $repeat runs, $(nproc) cores"
plain=$(median_seconds "${bench[@]}")
printf '%-28s %8.3f s   1.00x\n' "plain" "$plain"
for clock in rdtsc clock; do
  seconds=$(median_seconds env LD_PRELOAD="$work/floor_$clock.so" "${bench[@]}")
  label="floor ($clock)"
  [ "$clock" = clock ] && label="floor (clock_gettime)"
  printf '%-28s %8.3f s %6.2fx\n' "$label" "$seconds" "$(echo "$seconds / $plain" | bc -l)"
done

run_memwrap() {
  local name=$1
  shift
  local seconds
  seconds=$(median_seconds "$memwrap" -q --force -o "$work/$name.mwt" "$@" -- "${bench[@]}")
  local events bytes
  events=$(events_of "$work/$name.mwt")
  bytes=$(stat -c %s "$work/$name.mwt")
  printf '%-28s %8.3f s %6.2fx   %.2f trace bytes/event (%s events)\n' "memwrap $name" "$seconds" \
    "$(echo "$seconds / $plain" | bc -l)" "$(echo "$bytes / $events" | bc -l)" "$events"
}
run_memwrap "full" --stacks=full
run_memwrap "sampled" --stacks=sampled
run_memwrap "none" --stacks=none

if command -v heaptrack >/dev/null; then
  seconds=$(median_seconds heaptrack -o "$work/heaptrack" "${bench[@]}")
  printf '%-28s %8.3f s %6.2fx\n' "heaptrack" "$seconds" "$(echo "$seconds / $plain" | bc -l)"
else
  echo "heaptrack: not installed (apt-get install heaptrack)"
fi
if command -v valgrind >/dev/null; then
  seconds=$(median_seconds valgrind --tool=massif --massif-out-file="$work/massif.out" "${bench[@]}")
  printf '%-28s %8.3f s %6.2fx\n' "valgrind massif" "$seconds" "$(echo "$seconds / $plain" | bc -l)"
else
  echo "valgrind: not installed (apt-get install valgrind)"
fi
