#!/bin/bash
# Rewrites the golden outputs in this folder from what the memwrap of BUILD_DIR prints for the
# fixed trace of tests/golden_output_test.cpp. Review the result with `git diff tests/golden`
# before committing it: every changed line is a change users will see.
#   tests/golden/regenerate.sh [BUILD_DIR]     (default: build-test beside tests/)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build-test}
test_binary=$build/bin/golden_output_test
if [[ ! -x $test_binary ]]; then
  echo "regenerate.sh: $test_binary not found (build the golden_output_test target first)" >&2
  exit 2
fi
MEMWRAP_UPDATE_GOLDEN=1 "$test_binary" --gtest_brief=1
git -C "$here" status --short -- .
