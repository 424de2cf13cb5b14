#!/usr/bin/env bash
# The cost of sampled mode's exact sites for calls through runtime code
# (bench/runtime_callers.cpp: every allocation made by libstdc++ or libc for the program), in
# one invocation: plain, memwrap --stacks=sampled, memwrap full stacks, heaptrack. Prints the
# median CPU seconds (user + system, the tool's processes included) of REPEAT interleaved runs
# and each one's ratio to plain. CPU rather than wall time: the ratios hold on a busy machine.
# usage: bench/runtime_callers.sh [BUILD_DIR] [ITERATIONS] [REPEAT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
iterations=${2:-2000000}
repeat=${3:-5}
memwrap=$build/bin/memwrap
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first (cmake --build $build)"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -g "$here/runtime_callers.cpp" -o "$work/runtime_callers"
program=("$work/runtime_callers" "$iterations")

configs=(plain sampled full)
command -v heaptrack >/dev/null && configs+=(heaptrack)
run() {  # CPU seconds of one run of a configuration
  local command=()
  case $1 in
    plain) command=("${program[@]}") ;;
    sampled) command=("$memwrap" -q --force -o "$work/t.mwt" --stacks=sampled -- "${program[@]}") ;;
    full) command=("$memwrap" -q --force -o "$work/t.mwt" -- "${program[@]}") ;;
    heaptrack) command=(heaptrack -o "$work/ht" "${program[@]}") ;;
  esac
  rm -f "$work"/ht*
  /usr/bin/time -f '%U %S' -o "$work/time" "${command[@]}" >/dev/null 2>&1 ||
    { echo "failed: ${command[*]}" >&2; exit 1; }
  awk '{print $1 + $2}' "$work/time"
}
declare -A runs
for _ in $(seq "$repeat"); do
  for config in "${configs[@]}"; do runs[$config]+="$(run "$config") "; done
done
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
plain=$(median "${runs[plain]}")
echo "runtime_callers $iterations iterations: median CPU of $repeat interleaved runs, $(nproc) cores"
for config in "${configs[@]}"; do
  seconds=$(median "${runs[$config]}")
  printf '%-12s %7.2f s %6.2fx\n' "$config" "$seconds" "$(echo "$seconds / $plain" | bc -l)"
done
