#!/usr/bin/env bash
# After `cmake --install`, the installed memwrap finds its installed preload library (and not
# the build tree's): the traced program's peak is recorded and its exit code passes through.
# usage: install_test.sh BUILD_DIR EXIT_WITH_PROGRAM
set -euo pipefail
build=$1
program=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
installed=$(find "$prefix" -name libmemwrap_preload.so)
[ -n "$installed" ] || { echo "FAIL: preload library not installed"; exit 1; }
status=0
(cd "$prefix" && "$prefix/bin/memwrap" -o "$prefix/t.mwt" "$program" 7 2>"$prefix/err") || status=$?
[ "$status" -eq 7 ] || { echo "FAIL: exit status $status, expected 7"; cat "$prefix/err"; exit 1; }
grep -q "4,096 bytes\|4096 bytes" "$prefix/err" || { echo "FAIL: no peak in summary"; cat "$prefix/err"; exit 1; }
# ltracedrv (a link to memwrap) finds the installed audit library.
[ -L "$prefix/bin/ltracedrv" ] || { echo "FAIL: ltracedrv not installed"; exit 1; }
status=0
"$prefix/bin/ltracedrv" -e malloc "$program" 7 2>"$prefix/err" || status=$?
[ "$status" -eq 7 ] || { echo "FAIL: ltracedrv exit status $status, expected 7"; cat "$prefix/err"; exit 1; }
grep -Eq "malloc\(4096\) += 0x" "$prefix/err" || { echo "FAIL: no malloc call"; cat "$prefix/err"; exit 1; }
# Every driver link lands under the prefix given to cmake --install, and nothing else is
# written outside it (the default prefix, /usr/local, is not touched).
for link in fltrec ltracedrv stracedrv dlogger cronlogger; do
  [ "$(readlink "$prefix/bin/$link")" = memwrap ] || { echo "FAIL: $prefix/bin/$link is not a link to memwrap"; exit 1; }
done
(cd "$prefix" && "$prefix/bin/stracedrv" -e trace=exit_group "$program" 0 2>"$prefix/err") \
  || { echo "FAIL: installed stracedrv"; cat "$prefix/err"; exit 1; }
grep -q "exit_group(0)" "$prefix/err" || { echo "FAIL: stracedrv printed no exit_group"; cat "$prefix/err"; exit 1; }
# dlogger and cronlogger are installed beside it, as symlinks to memwrap.
"$prefix/bin/cronlogger" -o - --modules memory | grep -q "mem used" \
  || { echo "FAIL: installed cronlogger does not log memory"; exit 1; }
echo "ok: installed memwrap used $installed"
