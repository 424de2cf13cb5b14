// libFuzzer target: a .mwt trace through the whole analysis path. See fuzz_targets.h for the
// input format and docs/fuzzing.md for how to run it.
//
// MEMWRAP_FUZZ_WRITE_TRACE=FILE: also write the .mwt bytes of the (last) input to FILE, to
// reproduce a finding with `memwrap report FILE`.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <vector>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  memwrap::fuzz::InitEnvironment();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const write_to = getenv("MEMWRAP_FUZZ_WRITE_TRACE");
  if (write_to != nullptr) {
    std::vector<uint8_t> trace = memwrap::fuzz::TraceFileOfInput(data, size);
    if (FILE* f = fopen(write_to, "wb")) {
      fwrite(trace.data(), 1, trace.size(), f);
      fclose(f);
    }
  }
  memwrap::fuzz::TraceReaderTarget(data, size);
  return 0;
}
