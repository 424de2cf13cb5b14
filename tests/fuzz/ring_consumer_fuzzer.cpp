// libFuzzer target: the collector's RingConsumer on shared memory a hostile shim prepared. See
// fuzz_targets.h for the input format and docs/fuzzing.md for how to run it.
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  memwrap::fuzz::InitEnvironment();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  memwrap::fuzz::RingConsumerTarget(data, size);
  return 0;
}
