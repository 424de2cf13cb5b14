#!/usr/bin/env bash
# Recording cost of --buffers per-process against --buffers per-thread on bench/malloc_bench.cpp
# (4 threads x OPS operations), with --stacks=full and --stacks=none: plain, then each of the
# four memwrap configurations, interleaved (one run of each, REPEAT times over, so a slow spell
# of a shared machine falls on all alike); each configuration's fastest wall time counts. Prints
# those times and their ratios to plain. docs/performance.md, "Per-thread buffers", has results.
# usage: bench/buffers_bench.sh [BUILD_DIR] [REPEAT] [OPS]
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
repeat=${2:-5}
ops=${3:-500000}
memwrap=$build/bin/memwrap
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -g -std=c++20 -pthread "$here/malloc_bench.cpp" -o "$work/malloc_bench"
bench=("$work/malloc_bench" 4 "$ops")
names=(plain per-process/full per-thread/full per-process/none per-thread/none)
declare -A best
run() {  # NAME COMMAND...
  local name=$1 start end
  shift
  start=$EPOCHREALTIME
  "$@" >/dev/null
  end=$EPOCHREALTIME
  local took
  took=$(echo "$end - $start" | bc)
  if [ -z "${best[$name]:-}" ] || [ "$(echo "$took < ${best[$name]}" | bc)" = 1 ]; then
    best[$name]=$took
  fi
}
for ((i = 0; i < repeat; ++i)); do
  run plain "${bench[@]}"
  for stacks in full none; do
    for buffers in per-process per-thread; do
      run "$buffers/$stacks" "$memwrap" -q --force -o "$work/t.mwt" --buffers "$buffers" \
        --stacks="$stacks" -- "${bench[@]}"
    done
  done
done
echo "malloc_bench 4 threads x $ops operations, best of $repeat (wall seconds, ratio to plain)"
for name in "${names[@]}"; do
  printf '%-20s %8.3f s  %6.2fx\n' "$name" "${best[$name]}" "$(echo "${best[$name]} / ${best[plain]}" | bc -l)"
done
printf 'per-thread / per-process: full %.3f, none %.3f\n' \
  "$(echo "${best[per-thread/full]} / ${best[per-process/full]}" | bc -l)" \
  "$(echo "${best[per-thread/none]} / ${best[per-process/none]}" | bc -l)"
