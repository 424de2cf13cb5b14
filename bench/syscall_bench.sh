#!/usr/bin/env bash
# Tracer overhead on a syscall-heavy program (bench/syscall_heavy.c: getppid, mmap + munmap, in
# a parent and a forked child), all tracers in one run on the same machine: plain, strace -f,
# strace -f --seccomp-bpf -e trace=%memory, stracedrv -f, stracedrv -f -e trace=%memory, and
# memwrap run with the memory filter, and the static build under strace --seccomp-bpf and
# memwrap run's default (its memory filter). Prints each one's wall time as a ratio to plain (the
# REPEAT runs) and its CPU time (user + system of the tracer and the traced program together,
# fastest of the same runs: steadier than wall time on a loaded machine). Output of the tracers
# goes to /dev/null.
# usage: bench/syscall_bench.sh [BUILD_DIR] [ROUNDS] [REPEAT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
rounds=${2:-200000}
repeat=${3:-3}
memwrap=$build/bin/memwrap
stracedrv=$build/bin/stracedrv
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first (cmake --build $build)"; exit 2; }
command -v strace >/dev/null || { echo "strace is not installed"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 "$here/syscall_heavy.c" -o "$work/syscall_heavy"
cc -O2 -static "$here/syscall_heavy.c" -o "$work/syscall_heavy_static"
bench=("$work/syscall_heavy" "$rounds")
static=("$work/syscall_heavy_static" "$rounds")

# Prints "WALL CPU": the fastest of REPEAT runs, wall-clock and CPU seconds (each its own minimum:
# on a shared machine the least disturbed run is the best estimate of the cost).
fastest_seconds() {
  local walls=() cpus=()
  for _ in $(seq "$repeat"); do
    if ! /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null 2>"$work/stderr"; then
      echo "failed: $* ($(tail -1 "$work/stderr"))" >&2
      exit 1
    fi
    read -r wall user sys < <(tail -1 "$work/time")
    walls+=("$wall")
    cpus+=("$(echo "$user + $sys" | bc -l)")
  done
  local first="NR == 1 {print \$1}"
  echo "$(printf '%s\n' "${walls[@]}" | sort -g | awk "$first")" \
       "$(printf '%s\n' "${cpus[@]}" | sort -g | awk "$first")"
}

echo "syscall_heavy $rounds rounds ($((rounds + rounds / 2)) traced-able calls), fastest of $repeat runs, $(nproc) cores"
read -r plain plain_cpu < <(fastest_seconds "${bench[@]}")
printf '%-46s %8s %7s %9s %7s\n' "" "wall" "ratio" "cpu" "ratio"
printf '%-46s %7.3fs %6.2fx %8.3fs %6.2fx\n' "plain" "$plain" 1 "$plain_cpu" 1
row() {
  local name=$1
  shift
  local wall cpu
  read -r wall cpu < <(fastest_seconds "$@")
  printf '%-46s %7.3fs %6.2fx %8.3fs %6.2fx\n' "$name" "$wall" "$(echo "$wall / $plain" | bc -l)" \
    "$cpu" "$(echo "$cpu / $plain_cpu" | bc -l)"
  last=$wall
  last_cpu=$cpu
}
row "strace -f" strace -f -o /dev/null "${bench[@]}"; strace_all=$last; strace_all_cpu=$last_cpu
row "stracedrv -f" "$stracedrv" -f -o /dev/null --no-trace "${bench[@]}"; ours_all=$last; ours_all_cpu=$last_cpu
row "stracedrv -f (with its trace file)" "$stracedrv" -f -o /dev/null --force --trace "$work/s.mwt" "${bench[@]}"
row "strace -f --seccomp-bpf -e trace=%memory" strace -f --seccomp-bpf -e trace=%memory -o /dev/null "${bench[@]}"; strace_memory=$last; strace_memory_cpu=$last_cpu
row "stracedrv -f -e trace=%memory" "$stracedrv" -f -e trace=%memory -o /dev/null --no-trace "${bench[@]}"
row "memwrap run --syscalls=memory" "$memwrap" -q --force -o "$work/m.mwt" --syscalls=memory "${bench[@]}"; memwrap_memory=$last; memwrap_memory_cpu=$last_cpu
row "memwrap run (default: no syscall stops)" "$memwrap" -q --force -o "$work/d.mwt" "${bench[@]}"
echo "the same program linked statically (no shim: memwrap's default is its memory filter):"
row "strace -f --seccomp-bpf -e trace=%memory" strace -f --seccomp-bpf -e trace=%memory -o /dev/null "${static[@]}"; strace_static=$last; strace_static_cpu=$last_cpu
row "memwrap run (default: memory filter)" "$memwrap" -q --force -o "$work/st.mwt" "${static[@]}"; memwrap_static=$last; memwrap_static_cpu=$last_cpu
echo
printf 'stracedrv -f / strace -f:                                  wall %.2f, cpu %.2f (target <= 1)\n' \
  "$(echo "$ours_all / $strace_all" | bc -l)" "$(echo "$ours_all_cpu / $strace_all_cpu" | bc -l)"
printf 'memwrap --syscalls=memory / strace --seccomp-bpf %%memory:  wall %.2f, cpu %.2f (target <= 1)\n' \
  "$(echo "$memwrap_memory / $strace_memory" | bc -l)" "$(echo "$memwrap_memory_cpu / $strace_memory_cpu" | bc -l)"
printf 'memwrap run static (default filter) / strace --seccomp-bpf:   wall %.2f, cpu %.2f (target <= 1)\n' \
  "$(echo "$memwrap_static / $strace_static" | bc -l)" "$(echo "$memwrap_static_cpu / $strace_static_cpu" | bc -l)"
