// memwrap timeline on a program whose memory moves in known phases (tests/programs/phases.c).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");

std::vector<json> Rows(const std::string& jsonl) {
  std::vector<json> rows;
  std::istringstream lines(jsonl);
  std::string line;
  while (std::getline(lines, line)) rows.push_back(json::parse(line));
  return rows;
}

TEST(Timeline, ShowsEachPhaseAtItsExactValueWithItsMarkAndSite) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  ASSERT_EQ(
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("phases")}).exit_code(), 0);
  CommandResult run =
      RunProgram({kMemwrap, "timeline", "--format", "jsonl", "--step", "20ms", trace});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  std::vector<json> rows = Rows(run.out);
  ASSERT_GT(rows.size(), 10u);
  // The phases, in order, each held over several rows at its exact value (a row may also fall
  // between two frees a few microseconds apart: such a value is not a phase).
  std::vector<uint64_t> phases;
  std::vector<std::string> marks;
  uint64_t previous = UINT64_MAX;
  int repeats = 0;
  for (const json& row : rows) {
    const uint64_t heap = row["heap_bytes"].get<uint64_t>();
    if (row["kind"] == "step") {
      repeats = heap == previous ? repeats + 1 : 0;
      previous = heap;
      if (repeats == 2 && (phases.empty() || phases.back() != heap)) phases.push_back(heap);
    }
    for (const json& marker : row["markers"]) {
      if (marker.get<std::string>().rfind("mark: ", 0) == 0) marks.push_back(marker);
    }
    EXPECT_TRUE(row.contains("time_s") && row.contains("pid") && row.contains("mapped_bytes") &&
                row.contains("rss_bytes"));
  }
  EXPECT_EQ(phases, (std::vector<uint64_t>{10000000, 30000000, 0})) << run.out;
  EXPECT_EQ(marks, (std::vector<std::string>{"mark: grow", "mark: more", "mark: release"}));
  // The row where the heap first reaches 30,000,000 names grow_more as what grew it.
  for (const json& row : rows) {
    if (row["heap_bytes"].get<uint64_t>() == 30000000u && !row["sites"].empty()) {
      EXPECT_EQ(row["sites"][0]["function"], "grow_more");
      EXPECT_EQ(row["sites"][0]["delta_bytes"].get<int64_t>(), 20000000);
      break;
    }
  }
  // RSS follows the memory the program touched.
  uint64_t max_rss = 0;
  for (const json& row : rows) {
    if (!row["rss_bytes"].is_null()) max_rss = std::max(max_rss, row["rss_bytes"].get<uint64_t>());
  }
  EXPECT_GE(max_rss, 30000000u);
}

TEST(Timeline, KeepsASpikeBetweenRowsAndWritesCsv) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  ASSERT_EQ(
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("phases")}).exit_code(), 0);
  // Rows every 10 s: the run (~0.3 s) fits between two, yet its 30,000,000-byte peak shows.
  CommandResult run = RunProgram({kMemwrap, "timeline", "--format", "csv", "--step", "10s", trace});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_EQ(run.out.rfind("time_s,pid,kind,heap_bytes,mapped_bytes,rss_bytes,pss_bytes,", 0), 0u);
  EXPECT_NE(run.out.find(",peak,30000000,"), std::string::npos) << run.out;
  CommandResult text = RunProgram({kMemwrap, "timeline", "--step", "50ms", trace});
  EXPECT_EQ(text.exit_code(), 0);
  EXPECT_NE(text.out.find("100.0%"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("[mark: more]"), std::string::npos) << text.out;
  EXPECT_EQ(RunProgram({kMemwrap, "timeline", "--step", "soon", trace}).exit_code(), 2);
}

TEST(Timeline, StdoutLinesPassThroughUnchangedAndAreStamped) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult plain = RunProgram({test_support::BuiltFile("peak_pattern")});
  CommandResult run = RunProgram(
      {kMemwrap, "-q", "--stdout", "-o", trace, test_support::BuiltFile("peak_pattern")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_EQ(run.out, plain.out);
  CommandResult timeline = RunProgram({kMemwrap, "timeline", "--format", "jsonl", trace});
  ASSERT_EQ(timeline.exit_code(), 0) << timeline.err;
  std::vector<std::string> lines;
  for (const json& row : Rows(timeline.out)) {
    for (const json& marker : row["markers"]) {
      const std::string text = marker.get<std::string>();
      if (text.rfind("stdout: ", 0) == 0) lines.push_back(text.substr(8));
    }
  }
  ASSERT_EQ(lines.size(), 5u) << timeline.out;
  EXPECT_EQ(lines[0], "expected_peak_bytes=12000000");
}

TEST(Timeline, MarksAreANoOpWithoutMemwrap) {
  // The program calls memwrap_mark() three times and runs fine without the shim.
  EXPECT_EQ(RunProgram({test_support::BuiltFile("phases")}).exit_code(), 0);
}

}  // namespace
}  // namespace memwrap
