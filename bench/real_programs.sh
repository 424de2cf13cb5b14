#!/usr/bin/env bash
# Recording and analysis cost on real programs, memwrap against heaptrack, in one invocation:
# the compiler proper (cc1plus -O1 on bench/real_programs/templates.cpp), the Python
# interpreter (bench/real_programs/json_dicts.py), sqlite3 (bench/real_programs/rows.sql, rows
# made by a recursive CTE in an in-memory database), perl (bench/real_programs/words.pl) and
# bench/malloc_bench.cpp (4 threads). For each workload: plain; memwrap -q with --stacks=full,
# sampled and none; heaptrack (recording only); memwrap report on the full trace;
# heaptrack_print on heaptrack's file; and the time to an answer: memwrap with its exit summary
# against heaptrack followed by heaptrack_print. The configurations of a workload run
# interleaved (one run of each, REPEAT times over), so a slow spell of a shared machine falls on
# all of them alike; each one's fastest run counts. Prints wall and CPU seconds, ratios to plain,
# trace bytes per event, the ratios memwrap / heaptrack (recording overhead, report time, time
# to an answer; from wall and from CPU times) and the trace bytes per event memwrap writes
# beyond heaptrack, with their targets, and the peak heap, allocation and temporary-allocation
# counts of both tools side by side. Program output goes to /dev/null. docs/performance.md,
# "Real programs", explains every line.
# usage: bench/real_programs.sh [BUILD_DIR] [REPEAT] [WORKLOAD...]
#        WORKLOAD: cc1plus python sqlite perl malloc_bench (default: all, in that order)
set -euo pipefail
export LC_ALL=C  # a decimal point in $EPOCHREALTIME and printf, whatever the locale
here=$(cd "$(dirname "$0")" && pwd)
inputs=$here/real_programs
build=${1:-$here/../build}
repeat=${2:-3}
shift $(($# < 2 ? $# : 2))
all_workloads=(cc1plus python sqlite perl malloc_bench)
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=("${all_workloads[@]}")
for w in "${workloads[@]}"; do
  case " ${all_workloads[*]} " in
    *" $w "*) ;;
    *) echo "unknown workload '$w' (known: ${all_workloads[*]})"; exit 2 ;;
  esac
done
case $repeat in
  '' | *[!0-9]* | 0) echo "REPEAT must be a positive integer, not '$repeat'"; exit 2 ;;
esac

# A run longer than this is killed and counted as failed (heaptrack 1.4's heaptrack_interpret
# can grow a hash table without bound on some inputs and never finish).
limit=${REAL_PROGRAMS_TIME_LIMIT:-900}
keep=${REAL_PROGRAMS_KEEP:-}  # a directory to copy each workload's full trace (and heaptrack's) into
if [ -n "$keep" ] && [ ! -d "$keep" ]; then echo "REAL_PROGRAMS_KEEP: no directory '$keep'"; exit 2; fi

# Sizes: each workload takes about 1 to 2 s of CPU plain here (malloc_bench 0.2 s).
python_records=40000   # json_dicts.py: records built, dumped and parsed
sqlite_rows=400000     # rows.sql: rows inserted and indexed
perl_lines=60000       # words.pl: lines of words generated and counted
malloc_threads=4       # malloc_bench: threads x operations per thread
malloc_ops=500000

memwrap=$build/bin/memwrap
[ -x "$memwrap" ] || { echo "no memwrap at $memwrap: build first (cmake --build $build)"; exit 2; }
command -v bc >/dev/null || { echo "bc is not installed (apt-get install bc)"; exit 2; }
# The real interpreter, not a wrapper script in front of it (pyenv's shim, for one): a shell
# script would be what the tools trace, and heaptrack follows no exec.
python=
if [ -x /usr/bin/python3.11 ]; then
  python=/usr/bin/python3.11
elif command -v python3 >/dev/null; then
  python=$(realpath "$(python3 -c 'import sys; print(sys.executable)')")
fi
[ -n "$python" ] || { echo "python3 is not installed (apt-get install python3)"; exit 2; }
have_heaptrack=1
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null || have_heaptrack=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
running=  # the process group of the run in progress (timeout makes one), killed on Ctrl-C
trap '[ -z "$running" ] || kill -TERM -- "-$running" 2>/dev/null; exit 130' INT TERM
failures=0
summary=()  # one line per workload, printed at the end

# Formats bytes as heaptrack_print does (1000-based units, two decimals, one-letter unit).
heaptrack_bytes() {
  awk -v b="$1" 'BEGIN { split("B K M G T", u, " "); i = 1; v = b;
    while (i < 5 && (v > 1000 || v < -1000)) { v /= 1000; i++ }
    if (i == 1) printf "%dB", b; else printf "%.2f%s", v, u[i] }'
}
ratio() { echo "$1 / $2" | bc -l; }
# Sets REPLY to the CPU seconds (user + system) of all the children this shell has waited for
# so far: from `times`, in this shell (a subshell would report its own children).
children_cpu() {
  times >"$work/times"
  local line user sys
  { read -r line; read -r line; } <"$work/times"
  user=${line%% *} sys=${line##* }
  user=${user%s} sys=${sys%s}
  REPLY=$(echo "${user%%m*} * 60 + ${user#*m} + ${sys%%m*} * 60 + ${sys#*m}" | bc -l)
}
# Runs COMMAND (a string of words quoted by printf %q) under the time limit, output to OUTPUT,
# standard error to WORK/stderr; sets wall, cpu and status. The command runs in the background
# so that Ctrl-C reaches the trap at once, not after the run.
timed_run() {
  local output=$1 cpu0 start
  local -a command
  eval "command=($2)"
  children_cpu
  cpu0=$REPLY
  start=$EPOCHREALTIME
  timeout -k 10 "$limit" "${command[@]}" >"$output" 2>"$work/stderr" &
  running=$!
  status=0
  wait "$running" || status=$?
  wall=$(echo "$EPOCHREALTIME - $start" | bc -l)
  running=
  children_cpu
  cpu=$(echo "$REPLY - $cpu0" | bc -l)
}
# (A - PLAIN) / (B - PLAIN), or "n/a" when B is no slower than plain.
overhead_ratio() {
  if [ "$(echo "$3 - $2 > 0" | bc -l)" = 1 ]; then
    printf '%.2f' "$(echo "($1 - $2) / ($3 - $2)" | bc -l)"
  else
    echo "n/a"
  fi
}

# The top 5 sites by bytes allocated over the run in the last full trace, against their
# estimates in the last sampled trace (#20's target: the same sites, bytes within 10%), with the
# standard error the sampled report states and the difference in standard errors.
compare_sampled_sites() {
  [ -f "$work/full.mwt" ] && [ -f "$work/sampled.mwt" ] || return 0
  "$memwrap" report --format json "$work/full.mwt" > "$work/full.json" || return 0
  "$memwrap" report --format json "$work/sampled.mwt" > "$work/sampled.json" || return 0
  "$python" - "$work/full.json" "$work/sampled.json" <<'PY'
import json, sys
full = json.load(open(sys.argv[1]))["top_sites_by_bytes"][:5]
# A site is its symbolized place (the report merges call sites with the same function, file
# and line; its address is one of them); an unsymbolized one is its address.
def key(site):
    if site["function"] in (None, "??"):
        return (site["module"], site["address"])
    return (site["module"], site["function"], site["file"], site["line"])
sampled = {key(s): s for s in json.load(open(sys.argv[2]))["top_sites_by_bytes"]}
print("top 5 sites by bytes allocated, full mode vs sampled estimate (target: within 10%):")
within = 0
for rank, site in enumerate(full, 1):
    truth = site["bytes_allocated"]
    name = f'{site["function"] or "??"} ({site["module"]}+{site["address"]:#x})'
    estimate = sampled.get(key(site))
    if estimate is None:
        print(f"  #{rank} {truth:>14,} {name}: not among the sampled sites")
        continue
    value = estimate["bytes_allocated"]
    error = estimate.get("bytes_allocated_standard_error") or 0
    off = (value - truth) / truth if truth else 0.0
    sigmas = f"{(value - truth) / error:+.1f} s.e." if error else "n/a"
    within += abs(off) <= 0.10
    print(f"  #{rank} {truth:>14,} est. {value:>14,.0f} +- {error:>12,.0f}  {off:+6.1%} ({sigmas})  {name}")
print(f"  {within} of {len(full)} within 10%")
PY
}

# Sets prog (the command of the workload) and title, or prints why the workload cannot run and
# returns 1.
setup_workload() {
  case $1 in
    cc1plus)
      command -v g++ >/dev/null || { echo "cc1plus: g++ not installed (apt-get install g++)"; return 1; }
      # The compiler proper, run directly: the driver g++ would exec it, and heaptrack follows
      # no exec. Its command line is the one g++ prints with -### (each word in double quotes
      # or bare, without characters the shell would expand).
      local line
      line=$(g++ -### -O1 -S "$inputs/templates.cpp" -o "$work/templates.s" 2>&1 | grep '/cc1plus"\? ') || {
        echo "cc1plus: not found in the output of g++ -###"; return 1; }
      eval "prog=($line)"
      title="cc1plus -O1 templates.cpp"
      varies="cc1plus's allocations change with the address-space layout"
      ;;
    python)
      prog=("$python" "$inputs/json_dicts.py" "$python_records")
      title="$(basename "$python") json_dicts.py $python_records"
      ;;
    sqlite)
      command -v sqlite3 >/dev/null || { echo "sqlite: sqlite3 not installed (apt-get install sqlite3)"; return 1; }
      prog=("$(command -v sqlite3)" -batch :memory: ".parameter set @rows $sqlite_rows" ".read $inputs/rows.sql")
      title="sqlite3 rows.sql, $sqlite_rows rows"
      ;;
    perl)
      command -v perl >/dev/null || { echo "perl: not installed (apt-get install perl)"; return 1; }
      prog=("$(command -v perl)" "$inputs/words.pl" "$perl_lines")
      title="perl words.pl $perl_lines"
      ;;
    malloc_bench)
      command -v g++ >/dev/null || { echo "malloc_bench: g++ not installed (apt-get install g++)"; return 1; }
      [ -x "$work/malloc_bench" ] ||
        g++ -O2 -g -std=c++20 -pthread "$here/malloc_bench.cpp" -o "$work/malloc_bench"
      prog=("$work/malloc_bench" "$malloc_threads" "$malloc_ops")
      varies="threads interleave differently in each run"
      title="malloc_bench $malloc_threads threads x $malloc_ops operations"
      ;;
  esac
}

# The configurations of one workload, each a name and a command, in the order they run within a
# repetition (memwrap report reads the trace memwrap full has just written, heaptrack_print the
# file heaptrack has just written).
add() {
  names+=("$1")
  shift
  commands+=("$(printf '%q ' "$@")")
}
configure() {
  names=() commands=()
  add "plain" "${prog[@]}"
  add "memwrap full" "$memwrap" -q --force -o "$work/full.mwt" --stacks=full -- "${prog[@]}"
  add "memwrap sampled" "$memwrap" -q --force -o "$work/sampled.mwt" --stacks=sampled -- "${prog[@]}"
  add "memwrap none" "$memwrap" -q --force -o "$work/none.mwt" --stacks=none -- "${prog[@]}"
  add "heaptrack" heaptrack -o "$work/heaptrack" "${prog[@]}"
  add "memwrap report (full trace)" "$memwrap" report "$work/full.mwt"
  add "heaptrack_print" heaptrack_print "$work/heaptrack.zst"
  add "memwrap with exit summary" "$memwrap" --force -o "$work/answer.mwt" -- "${prog[@]}"
}

run_workload() {
  local workload=$1 prog title varies=
  setup_workload "$workload" || return 0
  local names commands
  configure
  local n=${#names[@]} i
  # Index of each configuration by name.
  local -A at
  for i in "${!names[@]}"; do at[${names[$i]}]=$i; done
  local -a best_wall=() best_cpu=() failed=()
  local best_answer='' best_answer_cpu=''  # heaptrack + heaptrack_print, summed within a repetition
  for _ in $(seq "$repeat"); do
    local ht_wall='' ht_cpu=''
    for i in $(seq 0 $((n - 1))); do
      case ${names[$i]} in
        heaptrack*) if [ "$have_heaptrack" = 0 ]; then continue; fi ;;
      esac
      [ -z "${failed[$i]:-}" ] || continue
      [ "${names[$i]}" != heaptrack ] || rm -f "$work"/heaptrack*
      if [ "${names[$i]}" = heaptrack_print ] &&
         { [ -n "${failed[${at[heaptrack]}]:-}" ] || [ ! -f "$work/heaptrack.zst" ]; }; then
        failed[i]="not run: heaptrack wrote no trace"
        continue
      fi
      local output=/dev/null
      case ${names[$i]} in  # the two reports are kept for the comparison of the figures
        "memwrap report (full trace)") output=$work/memwrap_report.txt ;;
        heaptrack_print) output=$work/heaptrack_print.txt ;;
      esac
      local wall cpu status
      timed_run "$output" "${commands[$i]}"
      if [ "$status" != 0 ]; then
        if [ "$status" = 124 ] || [ "$status" = 137 ]; then
          failed[i]="failed: killed after $limit s (REAL_PROGRAMS_TIME_LIMIT)"
        else
          failed[i]="failed (status $status): $(tail -1 "$work/stderr")"
        fi
        failures=$((failures + 1))
        continue
      fi
      if [ -z "${best_wall[$i]:-}" ] || [ "$(echo "$wall < ${best_wall[$i]}" | bc -l)" = 1 ]; then
        best_wall[i]=$wall
      fi
      if [ -z "${best_cpu[$i]:-}" ] || [ "$(echo "$cpu < ${best_cpu[$i]}" | bc -l)" = 1 ]; then
        best_cpu[i]=$cpu
      fi
      case ${names[$i]} in
        heaptrack) ht_wall=$wall ht_cpu=$cpu ;;
        heaptrack_print)
          local sum
          sum=$(echo "$ht_wall + $wall" | bc -l)
          if [ -z "$best_answer" ] || [ "$(echo "$sum < $best_answer" | bc -l)" = 1 ]; then
            best_answer=$sum
          fi
          sum=$(echo "$ht_cpu + $cpu" | bc -l)
          if [ -z "$best_answer_cpu" ] || [ "$(echo "$sum < $best_answer_cpu" | bc -l)" = 1 ]; then
            best_answer_cpu=$sum
          fi
          ;;
      esac
    done
  done

  local plain=${best_wall[0]:-}
  [ -n "$plain" ] || { echo "$title: ${failed[0]}"; echo; return 0; }
  # Events and figures from the last full trace; heaptrack's from the last heaptrack_print.
  local events='' mw_allocs='' mw_frees='' mw_peak='' mw_temp=''
  if [ -f "$work/full.mwt" ] && [ -z "${failed[${at[memwrap full]}]:-}" ]; then
    read -r mw_allocs mw_frees mw_peak mw_temp < <("$memwrap" report --format json "$work/full.mwt" |
      "$python" -c 'import json,sys
r = json.load(sys.stdin); t = r["totals"]
print(t["allocations"], t["frees"], r["peak_heap_bytes"], r["temporary_allocations"])')
    events=$((mw_allocs + mw_frees))
    [ -z "$keep" ] || cp "$work/full.mwt" "$keep/$workload.mwt"
  fi
  # heaptrack's file of the same invocation, for timing heaptrack_print against memwrap report.
  [ -z "$keep" ] || [ ! -f "$work/heaptrack.zst" ] || cp "$work/heaptrack.zst" "$keep/$workload.heaptrack.zst"

  echo "$title: fastest of $repeat interleaved runs, $(nproc) cores"
  printf '%-30s %9s %8s %9s %14s %11s\n' "" "wall" "ratio" "cpu" "trace bytes" "bytes/event"
  local name file bytes per_event
  for i in $(seq 0 $((n - 1))); do
    name=${names[$i]}
    if [ "$have_heaptrack" = 0 ] && [[ $name == heaptrack* ]]; then
      printf '%-30s not installed (apt-get install heaptrack)\n' "$name"
      continue
    fi
    if [ -n "${failed[$i]:-}" ] || [ -z "${best_wall[$i]:-}" ]; then
      printf '%-30s %s\n' "$name" "${failed[$i]:-no run}"
      continue
    fi
    file=
    case $name in
      "memwrap full") file=$work/full.mwt ;;
      "memwrap sampled") file=$work/sampled.mwt ;;
      "memwrap none") file=$work/none.mwt ;;
      heaptrack) file=$work/heaptrack.zst ;;
    esac
    if [ -n "$file" ] && [ -f "$file" ]; then
      bytes=$(stat -c %s "$file")
      per_event=n/a
      [ -z "$events" ] || [ "$events" = 0 ] || per_event=$(printf '%.2f' "$(ratio "$bytes" "$events")")
      printf '%-30s %8.3fs %7.2fx %8.3fs %14s %11s\n' "$name" "${best_wall[$i]}" \
        "$(ratio "${best_wall[$i]}" "$plain")" "${best_cpu[$i]}" "$bytes" "$per_event"
    else
      printf '%-30s %8.3fs %7.2fx %8.3fs\n' "$name" "${best_wall[$i]}" \
        "$(ratio "${best_wall[$i]}" "$plain")" "${best_cpu[$i]}"
    fi
  done
  if [ "$have_heaptrack" = 1 ] && [ -n "$best_answer" ]; then
    printf '%-30s %8.3fs %7.2fx %8.3fs   (the two above, summed within each run)\n' \
      "heaptrack + heaptrack_print" "$best_answer" "$(ratio "$best_answer" "$plain")" "$best_answer_cpu"
  fi
  [ -z "$events" ] || echo "events: $events ($mw_allocs allocations + $mw_frees frees, in memwrap's full trace)"
  compare_sampled_sites


  # The ratios memwrap / heaptrack, from wall times and from CPU times.
  local full ht report print answer
  full=${at[memwrap full]} ht=${at[heaptrack]} report=${at[memwrap report (full trace)]}
  print=${at[heaptrack_print]} answer=${at[memwrap with exit summary]}
  local r_record=- r_report=- r_answer=- r_bytes=-
  if [ -n "${best_wall[$full]:-}" ] && [ -n "${best_wall[$ht]:-}" ] && [ -z "${failed[$ht]:-}" ]; then
    r_record="$(overhead_ratio "${best_wall[$full]}" "$plain" "${best_wall[$ht]}")/$(
      overhead_ratio "${best_cpu[$full]}" "${best_cpu[0]}" "${best_cpu[$ht]}")"
    echo "recording overhead, memwrap full / heaptrack:          wall/cpu $r_record (target <= 0.5)"
  fi
  if [ -n "${best_wall[$report]:-}" ] && [ -n "${best_wall[$print]:-}" ] && [ -z "${failed[$print]:-}" ]; then
    r_report=$(printf '%.2f/%.2f' "$(ratio "${best_wall[$report]}" "${best_wall[$print]}")" \
      "$(ratio "${best_cpu[$report]}" "${best_cpu[$print]}")")
    echo "report time, memwrap report / heaptrack_print:         wall/cpu $r_report (target <= 1)"
  fi
  if [ -n "${best_wall[$answer]:-}" ] && [ -n "$best_answer" ] && [ -z "${failed[$print]:-}" ]; then
    r_answer="$(overhead_ratio "${best_wall[$answer]}" "$plain" "$best_answer")/$(
      overhead_ratio "${best_cpu[$answer]}" "${best_cpu[0]}" "$best_answer_cpu")"
    echo "time-to-answer overhead, memwrap / heaptrack + print:  wall/cpu $r_answer (target <= 0.5)"
  fi
  if [ -n "$events" ] && [ "$events" != 0 ] && [ -f "$work/full.mwt" ] && [ -f "$work/heaptrack.zst" ] &&
     [ -z "${failed[$ht]:-}" ]; then
    r_bytes=$(printf '%.2f' "$(echo "($(stat -c %s "$work/full.mwt") - $(stat -c %s "$work/heaptrack.zst")) / $events" | bc -l)")
    echo "trace bytes, memwrap full - heaptrack, per event:      $r_bytes (target <= 1)"
  fi
  local x_full=- x_ht=-
  [ -z "${best_wall[$full]:-}" ] || x_full=$(printf '%.2fx' "$(ratio "${best_wall[$full]}" "$plain")")
  [ -z "${best_wall[$ht]:-}" ] || [ -n "${failed[$ht]:-}" ] ||
    x_ht=$(printf '%.2fx' "$(ratio "${best_wall[$ht]}" "$plain")")
  summary+=("$(printf '%-13s %8.3fs %8s %9s %12s %11s %12s %7s' "$workload" "$plain" "$x_full" "$x_ht" \
    "$r_record" "$r_report" "$r_answer" "$r_bytes")")

  # The figures of the two tools, side by side.
  if [ -n "$mw_peak" ] && [ -s "$work/heaptrack_print.txt" ] && [ -z "${failed[${at[heaptrack_print]}]:-}" ]; then
    local ht_peak ht_allocs ht_temp
    ht_peak=$(sed -n 's/^peak heap memory consumption: \([^ ]*\).*/\1/p' "$work/heaptrack_print.txt")
    ht_allocs=$(sed -n 's/^calls to allocation functions: \([0-9]*\).*/\1/p' "$work/heaptrack_print.txt")
    ht_temp=$(sed -n 's/^temporary memory allocations: \([0-9]*\).*/\1/p' "$work/heaptrack_print.txt")
    local pool=72704  # libstdc++'s emergency exception pool: heaptrack's own library loads it
    local peak_note=differ
    if [ "$(heaptrack_bytes "$mw_peak")" = "$ht_peak" ]; then
      peak_note=equal
    elif [ "$(heaptrack_bytes $((mw_peak + pool)))" = "$ht_peak" ]; then
      peak_note="equal but for libstdc++'s $pool-byte pool"
    elif [ -n "$varies" ]; then
      peak_note="differ ($varies)"
    fi
    local alloc_note="differ by $((ht_allocs - mw_allocs))"
    [ -z "$varies" ] || alloc_note="$alloc_note ($varies)"
    [ "$ht_allocs" != "$mw_allocs" ] || alloc_note=equal
    [ "$ht_allocs" != $((mw_allocs + 1)) ] || alloc_note="equal but for libstdc++'s pool"
    # heaptrack_print counts a free as temporary when it comes right after an allocation of the
    # same size and stack (in the order of all threads), whichever block it frees; memwrap when
    # it frees the block its thread allocated last.
    local temp_note="differ: heaptrack matches size and stack, not the block"
    [ "$ht_temp" != "$mw_temp" ] || temp_note=equal
    printf '%-24s %22s %14s\n' "figures" "memwrap" "heaptrack_print"
    printf '%-24s %22s %14s   %s\n' "peak heap" "$mw_peak ($(heaptrack_bytes "$mw_peak"))" "$ht_peak" "$peak_note"
    printf '%-24s %22s %14s   %s\n' "allocations" "$mw_allocs" "$ht_allocs" "$alloc_note"
    printf '%-24s %22s %14s   %s\n' "temporary allocations" "$mw_temp" "$ht_temp" "$temp_note"
  fi
  echo
}

for w in "${workloads[@]}"; do
  run_workload "$w"
done
if [ ${#summary[@]} -gt 0 ]; then
  echo "summary: plain's wall time, memwrap full's and heaptrack's as ratios to it, and the ratios"
  echo "memwrap / heaptrack above (wall/cpu), with their targets"
  printf '%-13s %9s %8s %9s %12s %11s %12s %7s\n' "" "plain" "memwrap" "heaptrack" "recording" "report" "answer" "bytes"
  printf '%-13s %9s %8s %9s %12s %11s %12s %7s\n' "" "" "full" "" "(<= 0.5)" "(<= 1)" "(<= 0.5)" "(<= 1)"
  printf '%s\n' "${summary[@]}"
fi
if [ "$failures" -gt 0 ]; then
  echo "$failures run(s) failed"
  exit 1
fi
