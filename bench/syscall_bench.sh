#!/usr/bin/env bash
# Tracer overhead on a syscall-heavy program (bench/syscall_heavy.c: getppid, mmap + munmap, in
# a parent and a forked child), all tracers in one run on the same machine: plain, strace -f,
# strace -f --seccomp-bpf -e trace=%memory, stracedrv -f, stracedrv -f -e trace=%memory, and
# memwrap run with the memory filter, and the static build under strace --seccomp-bpf and
# memwrap run's default (its memory filter), interleaved. Prints each one's wall time as a ratio
# to plain (fastest of the REPEAT runs) and its CPU time (user + system of the tracer and the
# traced program together, fastest of the same runs: steadier than wall time on a loaded
# machine). Output of the tracers goes to /dev/null.
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

# The configurations, each a name and a command; they run interleaved (one run of each, REPEAT
# times over), so a slow spell of a shared machine falls on all of them alike rather than on
# whichever was running then.
names=()
commands=()
add() {
  names+=("$1")
  shift
  commands+=("$(printf '%q ' "$@")")
}
add "plain" "${bench[@]}"
add "strace -f" strace -f -o /dev/null "${bench[@]}"
add "stracedrv -f" "$stracedrv" -f -o /dev/null --no-trace "${bench[@]}"
add "stracedrv -f (with its trace file)" "$stracedrv" -f -o /dev/null --force --write-trace "$work/s.mwt" "${bench[@]}"
add "stracedrv -f --wait-poll 0 (always sleep)" "$stracedrv" -f --wait-poll 0 -o /dev/null --no-trace "${bench[@]}"
add "strace -f --seccomp-bpf -e trace=%memory" strace -f --seccomp-bpf -e trace=%memory -o /dev/null "${bench[@]}"
add "stracedrv -f -e trace=%memory" "$stracedrv" -f -e trace=%memory -o /dev/null --no-trace "${bench[@]}"
add "memwrap run --syscalls=memory" "$memwrap" -q --force -o "$work/m.mwt" --syscalls=memory "${bench[@]}"
add "memwrap run --syscalls=memory --wait-poll 0" "$memwrap" -q --force -o "$work/m0.mwt" --syscalls=memory --wait-poll 0 "${bench[@]}"
add "memwrap run (default: no syscall stops)" "$memwrap" -q --force -o "$work/d.mwt" "${bench[@]}"
add "static: strace -f --seccomp-bpf -e trace=%memory" strace -f --seccomp-bpf -e trace=%memory -o /dev/null "${static[@]}"
add "static: memwrap run (default: memory filter)" "$memwrap" -q --force -o "$work/st.mwt" "${static[@]}"
add "static: memwrap run --wait-poll 0" "$memwrap" -q --force -o "$work/st0.mwt" --wait-poll 0 "${static[@]}"

# Each configuration's fastest wall-clock and CPU seconds over the REPEAT runs (each its own
# minimum: on a shared machine the least disturbed run is the best estimate of the cost).
declare -a best_wall best_cpu
for _ in $(seq "$repeat"); do
  for i in "${!names[@]}"; do
    if ! eval "/usr/bin/time -f '%e %U %S' -o '$work/time' ${commands[$i]}" >/dev/null 2>"$work/stderr"; then
      echo "failed: ${commands[$i]} ($(tail -1 "$work/stderr"))" >&2
      exit 1
    fi
    read -r wall user sys < <(tail -1 "$work/time")
    cpu=$(echo "$user + $sys" | bc -l)
    if [ -z "${best_wall[$i]:-}" ] || [ "$(echo "$wall < ${best_wall[$i]}" | bc -l)" = 1 ]; then
      best_wall[$i]=$wall
    fi
    if [ -z "${best_cpu[$i]:-}" ] || [ "$(echo "$cpu < ${best_cpu[$i]}" | bc -l)" = 1 ]; then
      best_cpu[$i]=$cpu
    fi
  done
done

echo "syscall_heavy $rounds rounds ($((rounds + rounds / 2)) traced-able calls), fastest of $repeat interleaved runs, $(nproc) cores"
printf '%-50s %8s %7s %9s %7s\n' "" "wall" "ratio" "cpu" "ratio"
for i in "${!names[@]}"; do
  printf '%-50s %7.3fs %6.2fx %8.3fs %6.2fx\n' "${names[$i]}" "${best_wall[$i]}" \
    "$(echo "${best_wall[$i]} / ${best_wall[0]}" | bc -l)" "${best_cpu[$i]}" \
    "$(echo "${best_cpu[$i]} / ${best_cpu[0]}" | bc -l)"
done
ratio() {  # ratio WHICH A B: A's best over B's (indices into names)
  local -n values=$1
  echo "${values[$2]} / ${values[$3]}" | bc -l
}
strace_all=1 ours_all=2 ours_all_sleeping=4 strace_memory=5 memwrap_memory=7
memwrap_memory_sleeping=8 strace_static=10 memwrap_static=11 memwrap_static_sleeping=12
echo
printf 'stracedrv -f / strace -f:                                  wall %.2f, cpu %.2f (target <= 1)\n' \
  "$(ratio best_wall $ours_all $strace_all)" "$(ratio best_cpu $ours_all $strace_all)"
printf 'memwrap --syscalls=memory / strace --seccomp-bpf %%memory:  wall %.2f, cpu %.2f (target <= 1)\n' \
  "$(ratio best_wall $memwrap_memory $strace_memory)" "$(ratio best_cpu $memwrap_memory $strace_memory)"
printf 'memwrap run static (default filter) / strace --seccomp-bpf:   wall %.2f, cpu %.2f (target <= 1)\n' \
  "$(ratio best_wall $memwrap_static $strace_static)" "$(ratio best_cpu $memwrap_static $strace_static)"
echo "the same three with --wait-poll 0 (the tracer always sleeps until the next stop):"
printf '  stracedrv -f --wait-poll 0 / strace -f:                 wall %.2f, cpu %.2f\n' \
  "$(ratio best_wall $ours_all_sleeping $strace_all)" "$(ratio best_cpu $ours_all_sleeping $strace_all)"
printf '  memwrap --syscalls=memory --wait-poll 0 / strace:       wall %.2f, cpu %.2f\n' \
  "$(ratio best_wall $memwrap_memory_sleeping $strace_memory)" "$(ratio best_cpu $memwrap_memory_sleeping $strace_memory)"
printf '  memwrap run static --wait-poll 0 / strace:              wall %.2f, cpu %.2f\n' \
  "$(ratio best_wall $memwrap_static_sleeping $strace_static)" "$(ratio best_cpu $memwrap_static_sleeping $strace_static)"
