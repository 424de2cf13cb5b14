// memwrap export: each format read back by the tool it is for (go tool pprof, ms_print) or
// parsed, against the truth of samples/peak_pattern.c (peak 12,000,000 bytes: load_table
// 8,000,000, grow_cache 3,000,000, build_index 1,000,000) and of hand-made traces.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/external_tool.h"
#include "tests/synthetic_trace.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::ReadFile;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");

// A trace of peak_pattern, recorded once for all tests of this file.
class ExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir;
    report_ = new json;  // stays empty (and the tests fail) if the recording below fails
    trace_ = dir_->File("peak.mwt");
    CommandResult run =
        RunProgram({kMemwrap, "-q", "-o", trace_, test_support::BuiltFile("peak_pattern")});
    ASSERT_EQ(run.exit_code(), 0) << run.err;
    CommandResult report = RunProgram({kMemwrap, "report", "--format", "json", trace_});
    ASSERT_EQ(report.exit_code(), 0) << report.err;
    *report_ = json::parse(report.out);
  }
  static void TearDownTestSuite() {
    delete report_;
    delete dir_;
  }
  // Runs memwrap export and returns what it wrote.
  static std::string Export(const std::vector<std::string>& options, const std::string& trace) {
    const std::string out = dir_->File("export.out");
    std::vector<std::string> argv = {kMemwrap, "export"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {trace, "-o", out});
    CommandResult run = RunProgram(argv);
    EXPECT_EQ(run.exit_code(), 0) << run.err;
    return ReadFile(out);
  }
  static ScratchDir* dir_;
  static std::string trace_;
  static json* report_;
};
ScratchDir* ExportTest::dir_ = nullptr;
std::string ExportTest::trace_;
json* ExportTest::report_ = nullptr;

// Folded lines: stack -> value; the sum of all values.
std::map<std::string, uint64_t> FoldedLines(const std::string& text, uint64_t* total) {
  std::map<std::string, uint64_t> lines;
  *total = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    const uint64_t value = std::stoull(line.substr(space + 1));
    lines[line.substr(0, space)] += value;
    *total += value;
  }
  return lines;
}

// The value of the folded line whose innermost frame is `function`.
uint64_t LeafValue(const std::map<std::string, uint64_t>& lines, const std::string& function) {
  uint64_t value = 0;
  for (const auto& [stack, v] : lines) {
    const size_t semicolon = stack.rfind(';');
    if (stack.substr(semicolon == std::string::npos ? 0 : semicolon + 1) == function) value += v;
  }
  return value;
}

TEST_F(ExportTest, FoldedPeakValuesAddUpToTheExactPeak) {
  uint64_t total = 0;
  auto lines = FoldedLines(Export({"--format", "folded"}, trace_), &total);
  EXPECT_EQ(total, 12000000u);
  EXPECT_EQ(total, (*report_)["peak_heap_bytes"].get<uint64_t>());
  EXPECT_EQ(LeafValue(lines, "load_table"), 8000000u);
  EXPECT_EQ(LeafValue(lines, "grow_cache"), 3000000u);
  EXPECT_EQ(LeafValue(lines, "build_index"), 1000000u);
  for (const auto& [stack, value] : lines) {
    EXPECT_NE(stack.find("main;"), std::string::npos) << "outermost frames first: " << stack;
  }
}

TEST_F(ExportTest, FoldedWholeRunTotalsEqualTheReports) {
  uint64_t allocated = 0, allocations = 0, leaked = 0;
  FoldedLines(Export({"--format", "folded", "--metric", "allocated"}, trace_), &allocated);
  FoldedLines(Export({"--format", "folded", "--metric", "allocations"}, trace_), &allocations);
  FoldedLines(Export({"--format", "folded", "--metric", "leaked"}, trace_), &leaked);
  EXPECT_EQ(allocated, (*report_)["totals"]["bytes_allocated"].get<uint64_t>());
  EXPECT_EQ(allocations, (*report_)["totals"]["allocations"].get<uint64_t>());
  EXPECT_EQ(allocations, 114u);  // expected_allocations of peak_pattern
  EXPECT_EQ(leaked, (*report_)["leaked_bytes"].get<uint64_t>());
}

TEST_F(ExportTest, FoldedLeaksOfAProgramThatLeaks) {
  ScratchDir dir;
  const std::string trace = dir.File("leaks.mwt");
  ASSERT_EQ(
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("leaks_and_temporaries")})
          .exit_code(),
      0);
  CommandResult report = RunProgram({kMemwrap, "report", "--format", "json", trace});
  ASSERT_EQ(report.exit_code(), 0) << report.err;
  const uint64_t expected = json::parse(report.out)["leaked_bytes"].get<uint64_t>();
  ASSERT_GT(expected, 0u);
  uint64_t leaked = 0;
  FoldedLines(Export({"--format", "folded", "--metric", "leaked"}, trace), &leaked);
  EXPECT_EQ(leaked, expected);
}

TEST_F(ExportTest, MassifPeakSnapshotIsTheExactPeakWithItsTree) {
  const std::string massif = Export({"--format", "massif"}, trace_);
  // The snapshot marked peak holds 12,000,000 bytes; no snapshot holds more.
  std::istringstream in(massif);
  std::string line, last_heap;
  uint64_t largest = 0;
  int peaks = 0;
  while (std::getline(in, line)) {
    if (line.rfind("mem_heap_B=", 0) == 0) {
      last_heap = line.substr(11);
      largest = std::max<uint64_t>(largest, std::stoull(last_heap));
    }
    if (line == "heap_tree=peak") {
      ++peaks;
      EXPECT_EQ(last_heap, "12000000");
    }
  }
  EXPECT_EQ(peaks, 1);
  EXPECT_EQ(largest, 12000000u);
  EXPECT_NE(massif.find("n1: 8000000 0x"), std::string::npos) << massif;
}

TEST_F(ExportTest, MsPrintShowsTheExactPeak) {
  MEMWRAP_REQUIRE_TOOL(ms_print, "ms_print", "valgrind");
  const std::string file = dir_->File("massif.out.1");
  test_support::WriteFile(file, Export({"--format", "massif"}, trace_));
  CommandResult printed = RunProgram({ms_print, file});
  ASSERT_EQ(printed.exit_code(), 0) << printed.err;
  EXPECT_NE(printed.out.find("(peak)"), std::string::npos) << printed.out;
  EXPECT_NE(printed.out.find("12,000,000"), std::string::npos) << printed.out;
  EXPECT_NE(printed.out.find("100.00% (12,000,000B) (heap allocation functions)"),
            std::string::npos);
  EXPECT_NE(printed.out.find("66.67% (8,000,000B) 0x"), std::string::npos) << printed.out;
  EXPECT_NE(printed.out.find("load_table"), std::string::npos);
}

TEST_F(ExportTest, GoToolPprofListsTheTopFunction) {
  MEMWRAP_REQUIRE_TOOL(go, "go", "golang-go");
  const std::string profile = Export({"--format", "pprof"}, trace_);
  ASSERT_GE(profile.size(), 2u);
  EXPECT_EQ(profile.substr(0, 2), "\x1f\x8b") << "gzip";
  const std::string file = dir_->File("heap.pb.gz");
  test_support::WriteFile(file, profile);
  // go wants a home and a cache directory; a scratch one keeps the test hermetic.
  const std::string env = "HOME=" + dir_->path();
  for (const char* index : {"inuse_space", "alloc_space", "inuse_objects"}) {
    CommandResult top =
        RunProgram({"/usr/bin/env", env, "GOCACHE=" + dir_->File("gocache"), go, "tool", "pprof",
                    "-top", std::string("-sample_index=") + index, file});
    ASSERT_EQ(top.exit_code(), 0) << top.err;
    // The first row after the column headings is the top function.
    std::istringstream in(top.out);
    std::string line;
    while (std::getline(in, line) && line.find("flat%") == std::string::npos) {
    }
    ASSERT_TRUE(std::getline(in, line)) << top.out;
    EXPECT_NE(line.find("load_table"), std::string::npos) << index << ":\n" << top.out;
    if (std::string(index) == "inuse_space") {
      EXPECT_NE(top.out.find("Type: inuse_space"), std::string::npos) << top.out;
      EXPECT_NE(top.out.find("File: peak_pattern"), std::string::npos) << top.out;
      EXPECT_NE(line.find("66.67%"), std::string::npos) << top.out;  // 8,000,000 of 12,000,000
    }
    if (std::string(index) == "inuse_objects") {
      EXPECT_NE(line.find(" 8 "), std::string::npos) << top.out;  // 8 blocks
    }
  }
}

TEST_F(ExportTest, ChromeHoldsMemoryCountersAndThePeak) {
  json trace = json::parse(Export({"--format", "chrome"}, trace_));
  uint64_t largest_heap = 0, counters = 0, peak_instants = 0;
  for (const json& event : trace["traceEvents"]) {
    if (event["ph"] == "C") {
      ++counters;
      largest_heap = std::max(largest_heap, event["args"]["heap_bytes"].get<uint64_t>());
      EXPECT_TRUE(event["ts"].is_number());
    }
    if (event["ph"] == "i" && event["name"] == "heap peak") {
      ++peak_instants;
      EXPECT_EQ(event["args"]["heap_bytes"], 12000000);
    }
  }
  EXPECT_GE(counters, 2u);
  EXPECT_EQ(largest_heap, 12000000u);
  EXPECT_EQ(peak_instants, 1u);
}

TEST_F(ExportTest, ChromeSlicesSyscallsPerThreadAndMarksInstants) {
  ScratchDir dir;
  test_support::SyntheticTrace synthetic(500);
  const uint64_t t = test_support::SyntheticTrace::Soon();
  synthetic.Start(t + 1'000'000, "/bin/app");
  synthetic.Stack(kTracerStackIdBit | 1, {0x401000, 0x402000});
  synthetic.Syscall(t + 2'000'000, 2'500, 500, 9, 0x7f0000000000);  // mmap, 2.5 us
  synthetic.Syscall(t + 3'000'000, 1'000, 501, 11, 0);              // munmap, another thread
  synthetic.Syscall(t + 4'000'000, 0, 501, 4242, 0, /*unfinished=*/true);
  synthetic.Mark(t + 5'000'000, "phase two");
  synthetic.StackSample(t + 6'000'000, 501, kTracerStackIdBit | 1);
  synthetic.Exit(t + 7'000'000, 0);
  const std::string path = dir.File("syscalls.mwt");
  synthetic.Write(path);

  json trace = json::parse(Export({"--format", "chrome"}, path));
  std::vector<json> slices, marks, samples;
  for (const json& event : trace["traceEvents"]) {
    if (event["ph"] == "X") slices.push_back(event);
    if (event["ph"] == "i" && event["cat"] == "mark") marks.push_back(event);
    if (event["ph"] == "i" && event["cat"] == "stack_sample") samples.push_back(event);
  }
  ASSERT_EQ(slices.size(), 3u) << trace.dump(1);
  // Times are microseconds; the trace's origin is its creation, so compare differences.
  EXPECT_EQ(slices[0]["name"], "mmap");
  EXPECT_EQ(slices[0]["tid"], 500);
  EXPECT_EQ(slices[0]["pid"], 500);
  EXPECT_DOUBLE_EQ(slices[0]["dur"].get<double>(), 2.5);
  EXPECT_EQ(slices[0]["args"]["result"], 0x7f0000000000);
  EXPECT_EQ(slices[1]["name"], "munmap");
  EXPECT_EQ(slices[1]["tid"], 501);
  EXPECT_DOUBLE_EQ(slices[1]["ts"].get<double>() - slices[0]["ts"].get<double>(), 1000.0);
  EXPECT_EQ(slices[2]["name"], "syscall_4242");
  EXPECT_EQ(slices[2]["args"]["unfinished"], true);
  EXPECT_FALSE(slices[2]["args"].contains("result"));
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0]["name"], "mark: phase two");
  EXPECT_DOUBLE_EQ(marks[0]["ts"].get<double>() - slices[0]["ts"].get<double>(), 3000.0);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0]["tid"], 501);
  EXPECT_EQ(samples[0]["args"]["frames"].size(), 2u);
}

TEST_F(ExportTest, CsvAndJsonlAreTheTimeline) {
  for (const char* format : {"csv", "jsonl"}) {
    CommandResult timeline = RunProgram({kMemwrap, "timeline", "--format", format, trace_});
    ASSERT_EQ(timeline.exit_code(), 0) << timeline.err;
    EXPECT_EQ(Export({"--format", format}, trace_), timeline.out) << format;
  }
}

TEST_F(ExportTest, BadUsageAndInputExitWithTwo) {
  const std::string out = dir_->File("never");
  CommandResult run = RunProgram({kMemwrap, "export", "--format", "svg", trace_, "-o", out});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_NE(run.err.find("--format svg: must be"), std::string::npos) << run.err;
  run =
      RunProgram({kMemwrap, "export", "--format", "pprof", "--metric", "peak", trace_, "-o", out});
  EXPECT_EQ(run.exit_code(), 2);
  run = RunProgram({kMemwrap, "export", "--format", "folded", "--metric", "most", trace_});
  EXPECT_EQ(run.exit_code(), 2);
  run = RunProgram({kMemwrap, "export", "--format", "folded", dir_->File("missing.mwt")});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  run = RunProgram({kMemwrap, "export", "--format", "folded", trace_, "-o", "/nonexistent/x"});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_NE(run.err.find("cannot create '/nonexistent/x'"), std::string::npos) << run.err;
  EXPECT_FALSE(test_support::FileExists(out));
}

}  // namespace
}  // namespace memwrap
