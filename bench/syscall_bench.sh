#!/usr/bin/env bash
# Tracer overhead on a syscall-heavy program (bench/syscall_heavy.c: getppid, mmap + munmap, in
# a parent and a forked child), all tracers in one run on the same machine: plain, strace -f,
# strace -f --seccomp-bpf -e trace=%memory, stracedrv -f, stracedrv -f -e trace=%memory, and
# memwrap run with the memory filter. Prints each one's wall time as a ratio to plain (median of
# REPEAT runs). Output of the tracers goes to /dev/null.
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
bench=("$work/syscall_heavy" "$rounds")

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

echo "syscall_heavy $rounds rounds ($((rounds + rounds / 2)) traced-able calls), median of $repeat runs, $(nproc) cores"
plain=$(median_seconds "${bench[@]}")
printf '%-52s %8.3f s   1.00x\n' "plain" "$plain"
row() {
  local name=$1
  shift
  local seconds
  seconds=$(median_seconds "$@")
  printf '%-52s %8.3f s %6.2fx\n' "$name" "$seconds" "$(echo "$seconds / $plain" | bc -l)"
  last=$seconds
}
row "strace -f" strace -f -o /dev/null "${bench[@]}"; strace_all=$last
row "stracedrv -f" "$stracedrv" -f -o /dev/null --no-trace "${bench[@]}"; ours_all=$last
row "stracedrv -f (with its trace file)" "$stracedrv" -f -o /dev/null --force --trace "$work/s.mwt" "${bench[@]}"
row "strace -f --seccomp-bpf -e trace=%memory" strace -f --seccomp-bpf -e trace=%memory -o /dev/null "${bench[@]}"; strace_memory=$last
row "stracedrv -f -e trace=%memory" "$stracedrv" -f -e trace=%memory -o /dev/null --no-trace "${bench[@]}"
row "memwrap run --syscalls=memory" "$memwrap" -q --force -o "$work/m.mwt" --syscalls=memory "${bench[@]}"; memwrap_memory=$last
row "memwrap run (default: no syscall stops)" "$memwrap" -q --force -o "$work/d.mwt" "${bench[@]}"
echo
printf 'stracedrv -f / strace -f:                                   %.2f (target <= 1)\n' "$(echo "$ours_all / $strace_all" | bc -l)"
printf 'memwrap --syscalls=memory / strace --seccomp-bpf %%memory:   %.2f (target <= 1)\n' "$(echo "$memwrap_memory / $strace_memory" | bc -l)"
