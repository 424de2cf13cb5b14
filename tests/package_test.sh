#!/usr/bin/env bash
# The .deb that `cpack -G DEB` makes: unpacked into a scratch root (as dpkg would install it
# under /, without touching this machine), its memwrap records the bundled sample program
# (built from the packaged source against the packaged marker API, found with pkg-config) and
# reports the peak the program knows it has; its binaries are stripped, their debug
# information is in the -dbgsym package; the man pages and completions are there.
# usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) \
  || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/out/memwrap_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { ls -R "$work/out"; fail "no memwrap_*.deb"; }
ls "$work"/out/memwrap-dbgsym_*.*deb >/dev/null 2>&1 || { ls "$work/out"; fail "no dbgsym package"; }
info=$(dpkg-deb --info "$deb")
grep -q "Depends: .*libunwind8" <<<"$info" || fail "no Depends on libunwind8"

root=$work/root
dpkg-deb -x "$deb" "$root"
usr=$root/usr
[ -x "$usr/bin/memwrap" ] || fail "usr/bin/memwrap missing"
for link in fltrec ltracedrv stracedrv dlogger cronlogger; do
  [ "$(readlink "$usr/bin/$link")" = memwrap ] || fail "usr/bin/$link is not a link to memwrap"
done
sections=$(readelf -S "$usr/bin/memwrap")
! grep -q '\.debug_info' <<<"$sections" || fail "usr/bin/memwrap is not stripped"
for page in memwrap memwrap-report memwrap-check stracedrv ltracedrv fltrec dlogger; do
  grep -q '^\.TH ' "$usr/share/man/man1/$page.1"* 2>/dev/null || fail "no man page $page.1"
done
grep -q -- '--top' <(zcat -f "$usr/share/man/man1/memwrap-report.1"*) || fail "memwrap-report(1) lacks --top"
grep -q -- '--top' "$usr/share/bash-completion/completions/memwrap" || fail "bash completion"
[ -f "$usr/share/zsh/vendor-completions/_memwrap" ] || fail "zsh completion"

# The demo from the package alone: the sample's source, compiled with the packaged header.
cflags=$(pkg-config --define-prefix --cflags "$usr/share/pkgconfig/memwrap.pc")
case $cflags in *"$usr/include"*) ;; *) fail "pkg-config --cflags memwrap: '$cflags'" ;; esac
cc -O1 -g $cflags -o "$work/peak_pattern" "$usr/share/doc/memwrap/examples/peak_pattern.c" \
  || fail "the packaged sample does not compile"
status=0
"$usr/bin/memwrap" -o "$work/demo.mwt" "$work/peak_pattern" >"$work/out.txt" 2>"$work/err.txt" || status=$?
[ "$status" -eq 0 ] || { cat "$work/err.txt"; fail "memwrap on the sample exited $status"; }
expected=$(sed -n 's/^expected_peak_bytes=//p' "$work/out.txt")
[ -n "$expected" ] || fail "the sample printed no expected_peak_bytes"
peak=$("$usr/bin/memwrap" report --format json "$work/demo.mwt" |
       python3 -c 'import json,sys; print(json.load(sys.stdin)["peak_heap_bytes"])')
[ "$peak" = "$expected" ] || fail "peak $peak, the sample knows $expected"
echo "ok: $(basename "$deb") installs, records the sample's peak ($peak bytes) and has its man pages"
