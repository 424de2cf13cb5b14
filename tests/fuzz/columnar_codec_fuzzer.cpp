// libFuzzer target: the columnar codec of records chunks alone. See fuzz_targets.h for the
// input format and docs/fuzzing.md for how to run it.
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  memwrap::fuzz::ColumnarCodecTarget(data, size);
  return 0;
}
