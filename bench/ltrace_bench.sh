#!/usr/bin/env bash
# Per-call overhead of library-call tracing, ltracedrv against ltrace, in one invocation on the
# same machine: a loop of malloc+free (bench/libcall_loop.c) traced with -e malloc,free. Each
# tool's overhead per call is (traced seconds - plain seconds) / calls it reported; ltrace runs
# fewer iterations (it costs tens of microseconds a call). The program is linked with -z lazy
# so that ltrace sees its calls at all; a -z now copy shows what ltrace sees of Debian's
# binaries.
# usage: bench/ltrace_bench.sh [BUILD_DIR] [ITERATIONS] [LTRACE_ITERATIONS] [REPEAT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
iterations=${2:-500000}
ltrace_iterations=${3:-20000}
repeat=${4:-3}
ltracedrv=$build/bin/ltracedrv
[ -x "$ltracedrv" ] || { echo "no ltracedrv at $ltracedrv: build first (cmake --build $build)"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -fno-builtin "$here/libcall_loop.c" -o "$work/loop_lazy" -Wl,-z,lazy
gcc -O2 -fno-builtin "$here/libcall_loop.c" -o "$work/loop_now" -Wl,-z,now

# Median wall-clock seconds of REPEAT runs; the last run's stderr stays in $work/stderr.
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

total_calls() {  # the "total" line of an ltrace -c style summary
  awk '$NF == "total" {print $(NF-1)}' "$1"
}

echo "libcall_loop: malloc+free, $(nproc) cores, median of $repeat runs"
plain=$(median_seconds "$work/loop_lazy" "$iterations")
plain_small=$(median_seconds "$work/loop_lazy" "$ltrace_iterations")
printf '%-34s %9.3f s   (%d calls)\n' "plain" "$plain" $((2 * iterations))

per_call_ns() {  # SECONDS PLAIN_SECONDS CALLS
  echo "($1 - $2) * 1000000000 / $3" | bc -l
}

seconds=$(median_seconds "$ltracedrv" -c -o "$work/ours.txt" -e malloc,free "$work/loop_lazy" "$iterations")
calls=$(total_calls "$work/ours.txt")
ours=$(per_call_ns "$seconds" "$plain" "$calls")
printf '%-34s %9.3f s   %8.0f ns/call   (%s calls seen)\n' "ltracedrv -c" "$seconds" "$ours" "$calls"

seconds=$(median_seconds "$ltracedrv" -o /dev/null -e malloc,free "$work/loop_lazy" "$iterations")
ours_text=$(per_call_ns "$seconds" "$plain" "$calls")
printf '%-34s %9.3f s   %8.0f ns/call\n' "ltracedrv (a line per call)" "$seconds" "$ours_text"

if command -v ltrace >/dev/null; then
  seconds=$(median_seconds ltrace -c -o "$work/ltrace.txt" -e malloc+free "$work/loop_lazy" "$ltrace_iterations")
  ltrace_calls=$(total_calls "$work/ltrace.txt")
  theirs=$(per_call_ns "$seconds" "$plain_small" "$ltrace_calls")
  printf '%-34s %9.3f s   %8.0f ns/call   (%s calls seen, %d iterations)\n' "ltrace -c" "$seconds" \
    "$theirs" "$ltrace_calls" "$ltrace_iterations"
  printf 'per-call overhead: ltrace / ltracedrv = %.1fx (summary), %.1fx (a line per call)\n' \
    "$(echo "$theirs / $ours" | bc -l)" "$(echo "$theirs / $ours_text" | bc -l)"
  ltrace -c -o "$work/ltrace_now.txt" -e malloc+free "$work/loop_now" 1000 >/dev/null 2>&1 || true
  "$ltracedrv" -c -o "$work/ours_now.txt" -e malloc,free "$work/loop_now" 1000 >/dev/null
  echo "-z now copy, 2000 calls made: ltrace sees $(total_calls "$work/ltrace_now.txt"), ltracedrv sees $(total_calls "$work/ours_now.txt")"
  # Debian's own binaries (PIE, -z now): /bin/ls on a directory of 3 files calls readdir 6
  # times (3 files, ".", "..", and the end).
  mkdir "$work/dir" && touch "$work/dir/a" "$work/dir/b" "$work/dir/c"
  ltrace -c -o "$work/ltrace_ls.txt" -e 'readdir*' /bin/ls "$work/dir" >/dev/null 2>&1 || true
  "$ltracedrv" -c -o "$work/ours_ls.txt" -e 'readdir*' /bin/ls "$work/dir" >/dev/null
  echo "/bin/ls, 6 readdir calls made: ltrace sees $(total_calls "$work/ltrace_ls.txt"), ltracedrv sees $(total_calls "$work/ours_ls.txt")"
else
  echo "ltrace: not installed (apt-get install ltrace)"
fi
