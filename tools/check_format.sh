#!/usr/bin/env bash
# usage: tools/check_format.sh [--fix]
#
# Checks that every C and C++ source under version control is formatted as .clang-format says,
# with clang-format 14 (Debian 12's; other versions format some constructs differently, so the
# check names the version rather than whatever clang-format is first on PATH). Lists the files
# that differ and exits 1; --fix formats them in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=clang-format-14
if ! command -v "$formatter" >/dev/null; then
  echo "check_format: $formatter is not installed (apt-get install clang-format-14)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files '*.c' '*.cc' '*.cpp' '*.h' '*.hpp' | grep -Ev '^tests/fuzz/(corpus|regressions)/')
if [[ "${1:-}" == --fix ]]; then
  "$formatter" -i "${files[@]}"
  exit 0
fi
differ=()
for f in "${files[@]}"; do
  "$formatter" --dry-run -Werror "$f" >/dev/null 2>&1 || differ+=("$f")
done
if ((${#differ[@]})); then
  printf 'not formatted: %s\n' "${differ[@]}" >&2
  echo "check_format: ${#differ[@]} file(s) differ from .clang-format; tools/check_format.sh --fix formats them" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
