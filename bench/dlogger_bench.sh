#!/usr/bin/env bash
# The system logger's cost, in one invocation: CPU time per sample of dlogger at a 10 ms
# interval with every module and without `top` (which reads one /proc/PID/stat per process),
# and one `cronlogger` call against one `free -b` (the usual cron one-liner) run as many times.
# usage: bench/dlogger_bench.sh [BUILD_DIR] [CALLS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
calls=${2:-200}
dlogger=$build/bin/dlogger
cronlogger=$build/bin/cronlogger
[ -x "$dlogger" ] || { echo "no dlogger at $dlogger: build first"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

per_sample() {  # prints "CPU_MS_PER_SAMPLE BYTES_PER_SAMPLE" of a 3 s run with these modules
  /usr/bin/time -f "%U %S" -o "$work/time" "$dlogger" --interval 10ms --duration 3s \
    --modules "$1" -o "$work/$2.mwt" 2>"$work/err"
  samples=$(grep -o '^dlogger: [0-9]* samples' "$work/err" | grep -o '[0-9]*')
  read -r user sys <"$work/time"
  size=$(stat -c %s "$work/$2.mwt")
  python3 -c "print(f'{($user+$sys)*1000/$samples:.3f} {$size/$samples:.0f}')"
}
read -r all_ms all_bytes <<<"$(per_sample all all)"
read -r notop_ms notop_bytes <<<"$(per_sample memory,cpu,load,network,disk notop)"
echo "processes now: $(ls /proc | grep -c '^[0-9]')"
echo "dlogger, all modules:   $all_ms ms CPU per sample, $all_bytes bytes of trace per sample"
echo "dlogger, without top:   $notop_ms ms CPU per sample, $notop_bytes bytes of trace per sample"

loop() {  # wall seconds for CALLS runs of a command
  local start end
  start=$(date +%s.%N)
  for ((i = 0; i < calls; i++)); do "$@" >/dev/null 2>&1; done
  end=$(date +%s.%N)
  python3 -c "print($end - $start)"
}
free_s=$(loop free -b)
cron_s=$(loop "$cronlogger" -o "$work/cron.mwt" --modules memory)
cron_all_s=$(loop "$cronlogger" -o "$work/cron_all.mwt")
python3 - "$calls" "$free_s" "$cron_s" "$cron_all_s" <<'PY'
import sys
calls, free_s, cron_s, cron_all_s = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"{calls} calls: free -b {free_s*1000/calls:.2f} ms each; "
      f"cronlogger --modules memory {cron_s*1000/calls:.2f} ms ({cron_s/free_s:.2f}x free); "
      f"cronlogger, all modules {cron_all_s*1000/calls:.2f} ms ({cron_all_s/free_s:.2f}x free)")
PY
