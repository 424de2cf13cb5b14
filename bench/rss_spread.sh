#!/usr/bin/env bash
# How much the figures `memwrap check` judges move between identical runs: each program runs
# RUNS times under `memwrap run`, and for each the heap peak and the peak RSS (the kernel's
# VmHWM at exit, the largest of the run's processes) are read back from the report. Prints,
# per program, the distinct heap peaks and the RSS min, median, max and spread (max - min, in
# KiB and in percent of the min): the data behind check's default RSS tolerance
# (docs/baseline.md).
# usage: bench/rss_spread.sh [BUILD_DIR] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
runs=${2:-20}
memwrap=$build/bin/memwrap
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/load.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, value REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO t SELECT i, printf('name-%d', i), i * 0.5 FROM n;
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(value) FROM t WHERE name LIKE 'name-1%';
SQL

spread() {  # NAME COMMAND...: RUNS recordings of COMMAND, one summary line
  local name=$1
  shift
  : >"$work/figures"
  for ((i = 0; i < runs; i++)); do
    "$memwrap" -q -f -o "$work/run.mwt" -- "$@" >/dev/null 2>&1 </dev/null || true
    "$memwrap" report --format json "$work/run.mwt" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
rss = max((p.get("peak_rss_bytes") or 0) for p in r["processes"])
print(r["peak_heap_bytes"], rss)' >>"$work/figures"
  done
  python3 - "$name" "$work/figures" <<'PY'
import statistics, sys
name, path = sys.argv[1], sys.argv[2]
rows = [tuple(map(int, line.split())) for line in open(path) if line.strip()]
heaps = sorted({h for h, _ in rows})
rss = sorted(r for _, r in rows)
lo, hi = rss[0], rss[-1]
heap = str(heaps[0]) if len(heaps) == 1 else f"{len(heaps)} values {heaps[0]}..{heaps[-1]}"
print(f"{name:<16} heap peak {heap:<26} RSS KiB min {lo // 1024:>7} median "
      f"{int(statistics.median(rss)) // 1024:>7} max {hi // 1024:>7}  spread "
      f"{(hi - lo) // 1024:>6} KiB = {100 * (hi - lo) / lo:5.2f}%")
PY
}

echo "$runs runs each"
spread peak_pattern "$build/bin/peak_pattern"
[ -x "$build/bin/rss_known" ] && spread rss_known "$build/bin/rss_known"
[ -x "$build/bin/threads_alloc" ] && spread threads_alloc "$build/bin/threads_alloc" 4 1000 4096 10000
[ -x "$build/bin/cpp_containers" ] && spread cpp_containers "$build/bin/cpp_containers"
command -v sqlite3 >/dev/null && spread sqlite3 sqlite3 :memory: ".read $work/load.sql"
command -v python3 >/dev/null &&
  spread python3 python3 -c 'd = {i: str(i) * 3 for i in range(300000)}; print(len(d))'
command -v python3 >/dev/null &&
  spread python3-400M python3 -c 'b = [bytes([i % 251]) * 4000000 for i in range(100)]; print(len(b))'
command -v gcc >/dev/null && spread gcc gcc -O2 -c "$here/../samples/peak_pattern.c" -o "$work/p.o"
command -v perl >/dev/null && spread perl perl -e 'my %h; $h{$_} = "x" x 20 for 1..200000; print scalar(keys %h), "\n"'
