#!/usr/bin/env bash
# The program's own peak RSS under memwrap against its peak without memwrap, in one invocation:
# bench/malloc_bench.cpp (4 threads x 500,000 operations) and, when sqlite3 is installed, an
# in-memory database that inserts 400,000 rows through a recursive CTE and indexes them. Each
# program runs RUNS times plain (wait4's ru_maxrss, from /usr/bin/time) and under memwrap
# (`peak_rss_bytes` and `memwrap_rss_bytes` of its report); prints the medians in KiB and their
# ratio. docs/performance.md, "The program's own RSS".
# usage: bench/own_rss_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
runs=${2:-5}
memwrap=$build/bin/memwrap
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -g -std=c++20 -pthread "$here/malloc_bench.cpp" -o "$work/malloc_bench"
cat > "$work/rows.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400000)
INSERT INTO t(a, b, c) SELECT printf('row-%08d', i), i * 7 % 1000003, hex(randomblob(32)) FROM n;
CREATE INDEX t_a ON t(a);
CREATE INDEX t_c ON t(c);
SELECT count(*), sum(b) FROM t;
SQL

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

compare() {  # NAME INPUT PROGRAM ARGS...
  local name=$1 input=$2
  shift 2
  : > "$work/plain" && : > "$work/own" && : > "$work/share"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%M" -o "$work/t" "$@" < "$input" > /dev/null 2>&1
    tail -1 "$work/t" >> "$work/plain"
    "$memwrap" -q -f -o "$work/t.mwt" -- "$@" < "$input" > /dev/null 2>&1
    "$memwrap" report --format json "$work/t.mwt" | python3 -c '
import json, sys
p = json.load(sys.stdin)["processes"][0]
print(p["peak_rss_bytes"] // 1024, p["memwrap_rss_bytes"] // 1024)' > "$work/r"
    cut -d' ' -f1 "$work/r" >> "$work/own"
    cut -d' ' -f2 "$work/r" >> "$work/share"
  done
  local plain own share
  plain=$(median < "$work/plain") own=$(median < "$work/own") share=$(median < "$work/share")
  printf '%-14s plain %8s KiB  memwrap: own %8s KiB (%5.3fx, %+d KiB), memwrap'"'"'s share %6s KiB\n' \
    "$name" "$plain" "$own" "$(echo "$own / $plain" | bc -l)" "$((own - plain))" "$share"
}

compare malloc_bench /dev/null "$work/malloc_bench" 4 500000
if command -v sqlite3 > /dev/null; then
  compare sqlite3 "$work/rows.sql" sqlite3 :memory:
fi
