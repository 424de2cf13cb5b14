// Golden outputs: every text the analyzer prints for one fixed trace — the report (text and
// JSON), the timeline (text and CSV) and each text export — compared byte for byte with the
// files in tests/golden/. A change to any of them shows up as a diff to review; when it is
// meant, `tests/golden/regenerate.sh BUILD_DIR` rewrites the files (docs/testing.md).
//
// The trace is built here, record by record, with a fixed clock origin and modules whose files
// do not exist, so nothing in it depends on the machine, the time or the build.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "tests/synthetic_trace.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

using test_support::CommandResult;
using test_support::ReadFile;
using test_support::RunProgram;
using test_support::ScratchDir;
using test_support::SyntheticTrace;
using test_support::WriteFile;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kGoldenDir = MEMWRAP_GOLDEN_DIR;

// 1,000 s after boot, 2023-11-14 22:13:20 UTC.
constexpr TraceWriter::ClockOrigin kOrigin{1700000000ull * 1000000000ull, 1000ull * 1000000000ull};
constexpr uint64_t Ms(uint64_t ms) {
  return kOrigin.monotonic_ns + ms * 1000000ull;
}

constexpr uint64_t kApp = 0x555555554000;  // where /opt/golden/app is loaded
constexpr uint64_t kLib = 0x7f0000000000;  // where /opt/golden/libgolden.so is loaded

constexpr uint64_t Us(uint64_t us) {
  return kOrigin.monotonic_ns + us * 1000ull;
}

// The program this trace stands for, in C terms (records in time order, as memwrap writes them):
//   main -> load_table: 10 x 100,000 bytes at 2.0-6.5 ms, all freed at 51.0-54.6 ms
//   main -> scratch: 5 x 5,000 bytes at 12-16 ms, each freed 0.5 ms later (temporaries)
//   main -> read_input -> parse (libgolden): 20 x 25,000 bytes at 21.0-28.6 ms, 10 freed at
//           61.0-64.6 ms
//   main -> remember (libgolden): 4,096 bytes at 41 ms, never freed
// Heap peak 1,504,096 bytes at 41 ms; leaked at exit 254,096 bytes in 11 blocks. Memory samples
// every 10 ms, four system calls at 18-19 ms, a stack sample at 30 ms, marks at 1, 20 and 45 ms.
void WriteGoldenTrace(const std::string& path) {
  SyntheticTrace t(4242);
  t.Start(Ms(0), "/opt/golden/app");
  t.Module(Ms(0), kApp, 0, 0x20000, "/opt/golden/app");
  t.Module(Ms(0), kLib, 0, 0x40000, "/opt/golden/libgolden.so");
  const uint64_t start = kLib + 0x1200, main = kApp + 0x1180;
  t.Stack(1, {kApp + 0x1400, main, start});                 // load_table
  t.Stack(2, {kLib + 0x2230, kApp + 0x1510, main, start});  // parse, read_input
  t.Stack(3, {kApp + 0x1620, main, start});                 // scratch
  t.Stack(4, {kLib + 0x3340, main, start});                 // remember
  t.MemorySample(Ms(0), 2u << 20, 2u << 20, 1u << 20);
  t.Mark(Ms(1), "load");
  for (uint64_t i = 0; i < 10; ++i)
    t.Alloc(Us(2000 + i * 500), 0x10000000 + i * 0x20000, 100000, 1);
  t.MemorySample(Ms(10), 3u << 20, 3u << 20, 1u << 20);
  for (uint64_t i = 0; i < 5; ++i) {
    t.Alloc(Ms(12 + i), 0x20000000, 5000, 3);
    t.Free(Ms(12 + i) + 500000, 0x20000000);
  }
  t.Syscall(Ms(18), 20000, 4242, 257, 3, false, {uint64_t(-100), 0x555555570000, 0, 0, 0, 0});
  t.Syscall(Us(18030), 15000, 4242, 0, 4096, false, {3, 0x555555580000, 4096, 0, 0, 0});
  t.Syscall(Us(18050), 5000, 4242, 3, 0, false, {3, 0, 0, 0, 0, 0});
  t.Syscall(Ms(19), 8000, 4242, 257, -2, false, {uint64_t(-100), 0x555555570100, 0, 0, 0, 0});
  t.MemorySample(Ms(20), 3u << 20 | 1u << 19, 3u << 20 | 1u << 19, 1u << 20);
  t.Mark(Ms(20), "parse");
  for (uint64_t i = 0; i < 20; ++i) t.Alloc(Us(21000 + i * 400), 0x30000000 + i * 0x8000, 25000, 2);
  t.Stack(kTracerStackIdBit | 1, {kLib + 0x2260, kApp + 0x1510, main, start});
  t.MemorySample(Ms(30), 4u << 20, 4u << 20, 1u << 20);
  t.StackSample(Ms(30), 4242, kTracerStackIdBit | 1);
  t.MemorySample(Ms(40), 9u << 19, 9u << 19, 1u << 20);
  t.Alloc(Ms(41), 0x40000000, 4096, 4);
  t.Mark(Ms(45), "release");
  t.MemorySample(Ms(50), 9u << 19, 9u << 19, 1u << 20);
  for (uint64_t i = 0; i < 10; ++i) t.Free(Us(51000 + i * 400), 0x10000000 + i * 0x20000);
  t.MemorySample(Ms(60), 4u << 20, 9u << 19, 1u << 20);
  for (uint64_t i = 0; i < 10; ++i) t.Free(Us(61000 + i * 400), 0x30000000 + i * 0x8000);
  t.MemorySample(Ms(70), 3u << 20, 9u << 19, 1u << 20);
  t.ExitWithRss(Ms(80), 4608, 1024);
  t.Write(path, {{"sample_interval_ns", "10000000"}}, kOrigin);
}

struct GoldenCase {
  const char* file;               // in tests/golden/
  std::vector<std::string> args;  // after `memwrap`; the trace is golden.mwt in the cwd
};

const std::vector<GoldenCase>& Cases() {
  static const std::vector<GoldenCase> cases = {
      {"report.txt", {"report", "golden.mwt"}},
      {"report.json", {"report", "--format", "json", "golden.mwt"}},
      {"timeline.txt", {"timeline", "golden.mwt"}},
      {"timeline.csv", {"timeline", "--format", "csv", "golden.mwt"}},
      {"export-chrome.json", {"export", "--format", "chrome", "golden.mwt", "-o", "-"}},
      {"export-folded.txt", {"export", "--format", "folded", "golden.mwt", "-o", "-"}},
      {"export-massif.out", {"export", "--format", "massif", "golden.mwt", "-o", "-"}},
      {"export-jsonl.jsonl", {"export", "--format", "jsonl", "golden.mwt", "-o", "-"}},
  };
  return cases;
}

class GoldenOutput : public ::testing::TestWithParam<GoldenCase> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir;
    WriteGoldenTrace(dir_->File("golden.mwt"));
  }
  static void TearDownTestSuite() { delete dir_; }
  static ScratchDir* dir_;
};
ScratchDir* GoldenOutput::dir_ = nullptr;

// `diff -u` of the expected file and what was printed, for the failure message.
std::string UnifiedDiff(const std::string& expected_path, const std::string& actual) {
  ScratchDir scratch;
  const std::string actual_path = scratch.File("actual");
  WriteFile(actual_path, actual);
  return RunProgram({"/usr/bin/diff", "-u", expected_path, actual_path}).out;
}

TEST_P(GoldenOutput, MatchesTheFileInTestsGolden) {
  const GoldenCase& golden = GetParam();
  std::vector<std::string> argv = {kMemwrap};
  argv.insert(argv.end(), golden.args.begin(), golden.args.end());
  const CommandResult run = RunProgram(argv, dir_->path());
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_EQ(run.err, "");
  const std::string expected_path = kGoldenDir + "/" + golden.file;
  if (getenv("MEMWRAP_UPDATE_GOLDEN") != nullptr) {
    WriteFile(expected_path, run.out);
    return;
  }
  ASSERT_TRUE(test_support::FileExists(expected_path))
      << expected_path << " is missing: tests/golden/regenerate.sh BUILD_DIR writes it";
  if (ReadFile(expected_path) != run.out) {
    ADD_FAILURE() << "memwrap's output differs from " << expected_path
                  << " (if the change is meant: tests/golden/regenerate.sh BUILD_DIR):\n"
                  << UnifiedDiff(expected_path, run.out);
  }
}

std::string CaseName(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string name;
  for (const char c : std::string(info.param.file)) name += isalnum(uint8_t(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(FixedTrace, GoldenOutput, ::testing::ValuesIn(Cases()), CaseName);

}  // namespace
}  // namespace memwrap
