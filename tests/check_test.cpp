// memwrap check, the CI gate, and memwrap baseline save: verdicts at the exact thresholds of a
// program with a known peak (samples/peak_pattern: 12,000,000 bytes, no leaks).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace memwrap {
namespace {

using test_support::CommandResult;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = MEMWRAP_BINARY;
const std::string kPeakPattern = MEMWRAP_PEAK_PATTERN;

std::vector<std::string> Check(std::vector<std::string> options,
                               const std::vector<std::string>& tail) {
  options.insert(options.begin(), {kMemwrap, "check"});
  options.insert(options.end(), tail.begin(), tail.end());
  return options;
}

TEST(Check, JudgesTheHeapPeakAtTheExactThreshold) {
  CommandResult pass = RunProgram(Check({"--max-peak-heap", "12000000"}, {"--", kPeakPattern}));
  EXPECT_EQ(pass.exit_code(), 0) << pass.out << pass.err;
  EXPECT_NE(pass.out.find("PASS peak_heap_bytes"), std::string::npos) << pass.out;
  CommandResult fail = RunProgram(Check({"--max-peak-heap", "11999999"}, {"--", kPeakPattern}));
  EXPECT_EQ(fail.exit_code(), 1) << fail.out << fail.err;
  EXPECT_NE(fail.out.find("FAIL peak_heap_bytes 11.44 MiB (12,000,000 bytes) > 11.44 MiB "
                          "(11,999,999 bytes) allowed (--max-peak-heap)"),
            std::string::npos)
      << fail.out;
  CommandResult report_only =
      RunProgram(Check({"--max-peak-heap", "1KiB", "--report-only"}, {"--", kPeakPattern}));
  EXPECT_EQ(report_only.exit_code(), 0);
  EXPECT_NE(report_only.out.find("FAILED"), std::string::npos);
}

TEST(Check, RepeatsAndJudgesTheMedianAndFailsAFailingProgram) {
  CommandResult repeated = RunProgram(
      Check({"--max-peak-heap", "12MB", "--max-leaked", "0", "--repeat", "3"}, {"--", kPeakPattern}));
  EXPECT_EQ(repeated.exit_code(), 0) << repeated.out << repeated.err;
  EXPECT_NE(repeated.out.find("(median of 3 runs)"), std::string::npos) << repeated.out;
  CommandResult failing =
      RunProgram(Check({"--max-peak-heap", "1GiB"}, {"--", MEMWRAP_EXIT_WITH, "3"}));
  EXPECT_EQ(failing.exit_code(), 1);
  EXPECT_NE(failing.out.find("FAIL the program exited with 3"), std::string::npos) << failing.out;
}

TEST(Check, ComparesWithABaselineWithinATolerance) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", trace, kPeakPattern}).exit_code(), 0);
  const std::string baseline = dir.File("base.json");
  ASSERT_EQ(RunProgram({kMemwrap, "baseline", "save", trace, "-o", baseline}).exit_code(), 0);
  nlohmann::json saved = nlohmann::json::parse(test_support::ReadFile(baseline));
  EXPECT_EQ(saved["format"], "memwrap-baseline");
  EXPECT_EQ(saved["peak_heap_bytes"].get<uint64_t>(), 12000000u);
  EXPECT_EQ(RunProgram(Check({"--baseline", baseline}, {trace})).exit_code(), 0);

  // A baseline 1,000,000 bytes lower: 12,000,000 exceeds it by 9.1%.
  saved["peak_heap_bytes"] = 11000000;
  test_support::WriteFile(baseline, saved.dump());
  CommandResult five = RunProgram(Check({"--baseline", baseline, "--tolerance", "5%"}, {trace}));
  EXPECT_EQ(five.exit_code(), 1) << five.out;
  EXPECT_NE(five.out.find("baseline + 5%"), std::string::npos) << five.out;
  EXPECT_EQ(RunProgram(Check({"--baseline", baseline, "--tolerance", "10"}, {trace})).exit_code(),
            0);
}

TEST(Check, WritesJunitAndMarkdown) {
  ScratchDir dir;
  const std::string junit = dir.File("check.xml");
  const std::string summary = dir.File("check.md");
  CommandResult run = RunProgram(Check({"--max-peak-heap", "11999999", "--max-leaked", "0",
                                        "--junit", junit, "--summary", summary},
                                       {"--", kPeakPattern}));
  EXPECT_EQ(run.exit_code(), 1);
  // Parsed by a real XML parser; python3 is part of Debian's base system.
  CommandResult parsed = RunProgram(
      {"/usr/bin/python3", "-c",
       "import sys, xml.etree.ElementTree as E\n"
       "s = E.parse(sys.argv[1]).getroot().find('testsuite')\n"
       "print(s.get('tests'), s.get('failures'), len(s.findall('testcase/failure')))",
       junit});
  ASSERT_EQ(parsed.exit_code(), 0) << parsed.err;
  EXPECT_EQ(parsed.out, "2 1 1\n");
  const std::string markdown = test_support::ReadFile(summary);
  EXPECT_NE(markdown.find("| peak_heap_bytes <= --max-peak-heap | 12,000,000 | 11,999,999 | **FAIL** |"),
            std::string::npos)
      << markdown;
}

TEST(Check, BadInputIsAUsageError) {
  ScratchDir dir;
  for (std::vector<std::string> argv :
       {Check({"--max-peak-heap", "12XB"}, {"--", kPeakPattern}),
        Check({"--baseline", dir.File("missing.json")}, {dir.File("t.mwt")}),
        Check({"--tolerance", "five"}, {"--", kPeakPattern}), Check({}, {"--", kPeakPattern})}) {
    CommandResult run = RunProgram(argv);
    EXPECT_EQ(run.exit_code(), 2) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
  test_support::WriteFile(dir.File("new.mwt"), std::string("MWTRACE\n\x09\x00", 10) + std::string(60, '\0'));
  CommandResult newer = RunProgram(Check({"--max-peak-heap", "1GiB"}, {dir.File("new.mwt")}));
  EXPECT_EQ(newer.exit_code(), 2);
  EXPECT_NE(newer.err.find("upgrade memwrap"), std::string::npos) << newer.err;
}

}  // namespace
}  // namespace memwrap
