// The fuzzers' inputs in the normal test build: every seed (tests/fuzz/corpus/<target>/) and
// every kept regression input (tests/fuzz/regressions/<target>/: inputs that once made a fuzzer
// crash, hang or leak) goes through the very code the fuzzer runs (fuzz_targets.h). Under
// .ci/test this build has ASan + UBSan, so a regression comes back as a failing test.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "fuzz_targets.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

namespace fs = std::filesystem;
using Target = std::function<void(const uint8_t*, size_t)>;

const fs::path kFuzzDir = MEMWRAP_FUZZ_DIR;

// The input files of a directory, sorted; documentation and dot files are not inputs.
std::vector<fs::path> Inputs(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name[0] == '.' || name.ends_with(".md")) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The fuzzers stop an input after 10 s (-timeout=10); this build is slower (Debug, and ASan
// under .ci/test), hence the margin.
constexpr auto kSlowInput = std::chrono::seconds(30);

void Replay(const Target& target, const std::vector<fs::path>& files) {
  static const bool initialised = (fuzz::InitEnvironment(), true);
  (void)initialised;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const std::string bytes = test_support::ReadFile(file.string());
    const auto start = std::chrono::steady_clock::now();
    try {
      target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& error) {
      ADD_FAILURE() << file.filename() << ": " << error.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, kSlowInput) << file.filename();
  }
}

TEST(FuzzRegressions, TraceReader) {
  Replay(fuzz::TraceReaderTarget, Inputs(kFuzzDir / "regressions" / "trace_reader"));
}

TEST(FuzzRegressions, RingConsumer) {
  Replay(fuzz::RingConsumerTarget, Inputs(kFuzzDir / "regressions" / "ring_consumer"));
}

TEST(FuzzSeeds, TraceReader) {
  std::vector<fs::path> seeds = Inputs(kFuzzDir / "corpus" / "trace_reader");
  ASSERT_GE(seeds.size(), 3u) << "seed corpus missing";
  Replay(fuzz::TraceReaderTarget, seeds);
}

TEST(FuzzSeeds, RingConsumer) {
  std::vector<fs::path> seeds = Inputs(kFuzzDir / "corpus" / "ring_consumer");
  ASSERT_GE(seeds.size(), 3u) << "seed corpus missing";
  Replay(fuzz::RingConsumerTarget, seeds);
}

}  // namespace
}  // namespace memwrap
