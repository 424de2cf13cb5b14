#!/usr/bin/env bash
# Cost of native stack sampling on a CPU-bound program: a fixed amount of work (bench/cpu_burner.c)
# run plain, under memwrap without stack samples, and under memwrap --pstack (100 Hz) and
# --stack-sample-rate 1000, in one invocation; median of 5 runs each; ratios against plain.
# usage: bench/stack_sample_bench.sh [BUILD_DIR] [MILLIONS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
millions=${2:-3000}
memwrap=$build/bin/memwrap
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -g "$here/cpu_burner.c" -o "$work/cpu_burner"

median() {  # prints the median wall seconds of 5 runs of a command
  for i in 1 2 3 4 5; do
    /usr/bin/time -f "%e" -o "$work/t" "$@" >/dev/null 2>&1
    cat "$work/t"
  done | sort -n | sed -n 3p
}
plain=$(median "$work/cpu_burner" "$millions")
none=$(median "$memwrap" -q -f -o "$work/a.mwt" "$work/cpu_burner" "$millions")
p100=$(median "$memwrap" -q -f --pstack -o "$work/b.mwt" "$work/cpu_burner" "$millions")
p1000=$(median "$memwrap" -q -f --stack-sample-rate 1000 -o "$work/c.mwt" "$work/cpu_burner" "$millions")
samples=$("$memwrap" report --format json "$work/b.mwt" |
          python3 -c 'import json,sys; s=json.load(sys.stdin)["stack_samples"]; print(s["total"], s["top"][0]["function"] if s["top"] else "-")')
printf '%-36s %7.2f s  %5.3fx\n' "plain" "$plain" 1
printf '%-36s %7.2f s  %5.3fx\n' "memwrap (no stack samples)" "$none" "$(echo "$none / $plain" | bc -l)"
printf '%-36s %7.2f s  %5.3fx\n' "memwrap --pstack (100 Hz)" "$p100" "$(echo "$p100 / $plain" | bc -l)"
printf '%-36s %7.2f s  %5.3fx\n' "memwrap --stack-sample-rate 1000" "$p1000" "$(echo "$p1000 / $plain" | bc -l)"
echo "100 Hz run: samples and top function: $samples"
