// memwrap check, the CI gate, and memwrap baseline save: verdicts at the exact thresholds of a
// program with a known peak (samples/peak_pattern: 12,000,000 bytes, no leaks), the call sites
// named when a peak grows by a known amount (tests/programs/cache_grows), the trace a check
// keeps, and traces cut short.
#include <errno.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analyzer/memory_gate.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

using test_support::CommandResult;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kPeakPattern = test_support::BuiltFile("peak_pattern");
const std::string kCacheGrows = test_support::BuiltFile("cache_grows");

std::vector<std::string> Check(std::vector<std::string> options,
                               const std::vector<std::string>& tail) {
  options.insert(options.begin(), {kMemwrap, "check"});
  options.insert(options.end(), tail.begin(), tail.end());
  return options;
}

// `memwrap check -- PROGRAM` keeps the judged run's trace in the current directory: run it in
// a scratch one.
CommandResult RunIn(const ScratchDir& dir, const std::vector<std::string>& argv) {
  return RunProgram(argv, dir.path());
}

// The processes directly below `pid` (all its threads' children).
std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> children;
  std::error_code error;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    std::ifstream file(task.path() / "children");
    pid_t child = 0;
    while (file >> child) children.push_back(child);
  }
  return children;
}

bool Exists(pid_t pid) {
  return kill(pid, 0) == 0 || errno != ESRCH;
}

// A CI job cancelled (SIGTERM) or interrupted (SIGINT) while check runs the program: the run
// and the program end, the scratch directory goes, and check dies of the signal it got.
TEST(Check, KilledWhileRunningEndsItsRunAndRemovesItsScratchDirectory) {
  for (int sig : {SIGTERM, SIGINT}) {
    ScratchDir dir;
    const std::string marker = dir.File("done");
    pid_t check = fork();
    if (check == 0) {
      if (chdir(dir.path().c_str()) != 0) _exit(126);
      execl(kMemwrap.c_str(), kMemwrap.c_str(), "check", "--max-peak-heap", "1GiB", "--",
            test_support::BuiltFile("long_runner"), "60", marker.c_str(), nullptr);
      _exit(127);
    }
    // Wait until the program itself runs: check -> memwrap run -> long_runner.
    pid_t run = 0, program = 0;
    for (int i = 0; i < 6000 && program == 0; ++i) {
      usleep(10'000);
      std::vector<pid_t> runs = ChildrenOf(check);
      if (runs.empty()) continue;
      run = runs.front();
      for (pid_t child : ChildrenOf(run)) {
        std::error_code error;
        auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(child) + "/exe", error);
        if (!error && exe.filename() == "long_runner") program = child;
      }
    }
    ASSERT_NE(program, 0) << "the program never started";
    ASSERT_EQ(kill(check, sig), 0);
    int status = 0;
    ASSERT_EQ(waitpid(check, &status, 0), check);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << strsignal(sig) << " " << status;
    EXPECT_FALSE(Exists(run)) << strsignal(sig);
    EXPECT_FALSE(Exists(program)) << strsignal(sig);
    EXPECT_FALSE(test_support::FileExists(marker));
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
      ADD_FAILURE() << strsignal(sig) << ": left behind: " << entry.path();
    }
  }
}

TEST(Check, JudgesTheHeapPeakAtTheExactThreshold) {
  ScratchDir dir;
  CommandResult pass = RunIn(dir, Check({"--max-peak-heap", "12000000"}, {"--", kPeakPattern}));
  EXPECT_EQ(pass.exit_code(), 0) << pass.out << pass.err;
  EXPECT_NE(pass.out.find("PASS peak_heap_bytes"), std::string::npos) << pass.out;
  CommandResult fail = RunIn(dir, Check({"--max-peak-heap", "11999999"}, {"--", kPeakPattern}));
  EXPECT_EQ(fail.exit_code(), 1) << fail.out << fail.err;
  EXPECT_NE(fail.out.find("FAIL peak_heap_bytes 11.44 MiB (12,000,000 bytes) > 11.44 MiB "
                          "(11,999,999 bytes) allowed (--max-peak-heap)"),
            std::string::npos)
      << fail.out;
  CommandResult report_only =
      RunIn(dir, Check({"--max-peak-heap", "1KiB", "--report-only"}, {"--", kPeakPattern}));
  EXPECT_EQ(report_only.exit_code(), 0);
  EXPECT_NE(report_only.out.find("FAILED"), std::string::npos);
}

TEST(Check, RepeatsAndJudgesTheMedianAndFailsAFailingProgram) {
  ScratchDir dir;
  CommandResult repeated =
      RunIn(dir, Check({"--max-peak-heap", "12MB", "--max-leaked", "0", "--repeat", "3"},
                       {"--", kPeakPattern}));
  EXPECT_EQ(repeated.exit_code(), 0) << repeated.out << repeated.err;
  EXPECT_NE(repeated.out.find("(median of 3 runs)"), std::string::npos) << repeated.out;
  CommandResult failing = RunIn(
      dir, Check({"--max-peak-heap", "1GiB"}, {"--", test_support::BuiltFile("exit_with"), "3"}));
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
  CommandResult run = RunIn(dir, Check({"--max-peak-heap", "11999999", "--max-leaked", "0",
                                        "--junit", junit, "--summary", summary},
                                       {"--", kPeakPattern}));
  EXPECT_EQ(run.exit_code(), 1);
  // Parsed by a real XML parser; python3 is part of Debian's base system.
  CommandResult parsed =
      RunProgram({"/usr/bin/python3", "-c",
                  "import sys, xml.etree.ElementTree as E\n"
                  "s = E.parse(sys.argv[1]).getroot().find('testsuite')\n"
                  "print(s.get('tests'), s.get('failures'), len(s.findall('testcase/failure')))",
                  junit});
  ASSERT_EQ(parsed.exit_code(), 0) << parsed.err;
  EXPECT_EQ(parsed.out, "2 1 1\n");
  const std::string markdown = test_support::ReadFile(summary);
  EXPECT_NE(
      markdown.find("| peak_heap_bytes <= --max-peak-heap | 12,000,000 | 11,999,999 | **FAIL** |"),
      std::string::npos)
      << markdown;
}

TEST(Check, BadInputIsAUsageError) {
  ScratchDir dir;
  for (std::vector<std::string> argv :
       {Check({"--max-peak-heap", "12XB"}, {"--", kPeakPattern}),
        Check({"--baseline", dir.File("missing.json")}, {dir.File("t.mwt")}),
        Check({"--tolerance", "five"}, {"--", kPeakPattern}), Check({}, {"--", kPeakPattern})}) {
    CommandResult run = RunIn(dir, argv);
    EXPECT_EQ(run.exit_code(), 2) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
  test_support::WriteFile(dir.File("new.mwt"),
                          std::string("MWTRACE\n\x09\x00", 10) + std::string(60, '\0'));
  CommandResult newer = RunProgram(Check({"--max-peak-heap", "1GiB"}, {dir.File("new.mwt")}));
  EXPECT_EQ(newer.exit_code(), 2);
  EXPECT_NE(newer.err.find("upgrade memwrap"), std::string::npos) << newer.err;
}

TEST(Check, ReportFilesThatCannotBeWrittenAreRefusedBeforeTheProgramRuns) {
  ScratchDir dir;
  ASSERT_EQ(symlink(dir.File("elsewhere.xml").c_str(), dir.File("link.xml").c_str()), 0);
  for (const auto& [option, path] : std::vector<std::pair<std::string, std::string>>{
           {"--junit", dir.File("no-such-dir/check.xml")},
           {"--summary", dir.File("no-such-dir/check.md")},
           {"--junit", dir.File("link.xml")}}) {
    CommandResult run =
        RunIn(dir, Check({"--max-peak-heap", "1GiB", option, path, "-o", dir.File("kept.mwt")},
                         {"--", kPeakPattern}));
    EXPECT_EQ(run.exit_code(), 2) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_NE(run.err.find("'" + path + "'"), std::string::npos) << run.err;
    EXPECT_FALSE(test_support::FileExists(dir.File("kept.mwt"))) << "the program ran";
    EXPECT_EQ(run.out.find("expected_peak_bytes"), std::string::npos) << run.out;
  }
  EXPECT_FALSE(test_support::FileExists(dir.File("elsewhere.xml")));
  // A check that fails to judge (an unreadable trace) leaves no report file, and an old one as
  // it was.
  test_support::WriteFile(dir.File("old.xml"), "old");
  test_support::WriteFile(dir.File("bad.mwt"), "not a trace");
  CommandResult bad = RunIn(dir, Check({"--max-peak-heap", "1GiB", "--junit", dir.File("old.xml"),
                                        "--summary", dir.File("new.md")},
                                       {dir.File("bad.mwt")}));
  EXPECT_EQ(bad.exit_code(), 2) << bad.err;
  EXPECT_EQ(test_support::ReadFile(dir.File("old.xml")), "old");
  EXPECT_FALSE(test_support::FileExists(dir.File("new.md")));
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    left.push_back(entry.path().filename());
  }
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"bad.mwt", "link.xml", "old.xml"}));
}

}  // namespace
}  // namespace memwrap

namespace memwrap {
namespace {

namespace fs = std::filesystem;

TEST(GateTolerance, RssMayGrowByTwoPercentOrFourMiBTheHeapNotAByte) {
  Baseline base;
  base.peak_heap_bytes = 1000;
  base.peak_rss_bytes = 10u << 20;
  GateLimits limits;
  limits.baseline = base;
  auto passes = [&](uint64_t heap, uint64_t rss) {
    RunFigures run;
    run.peak_heap_bytes = heap;
    run.peak_rss_bytes = rss;
    return JudgeRuns({run}, limits).passed();
  };
  // A small program: the 4 MiB floor (2% of 10 MiB would be 209,715 bytes).
  EXPECT_TRUE(passes(1000, 14u << 20));
  EXPECT_FALSE(passes(1000, (14u << 20) + 1));
  EXPECT_FALSE(passes(1001, 10u << 20));  // the heap is exact
  // A large one: 2% of 1 GiB, rounded down, is more than the floor.
  limits.baseline->peak_rss_bytes = 1u << 30;
  EXPECT_TRUE(passes(1000, 1095216660));  // 1,073,741,824 x 1.02 = 1,095,216,660.48
  EXPECT_FALSE(passes(1000, 1095216661));
  // --tolerance replaces both: every figure by that percentage, as before it existed.
  limits.tolerance_percent = 5;
  limits.baseline->peak_rss_bytes = 10u << 20;
  EXPECT_TRUE(passes(1050, 11010048));  // 10 MiB x 1.05
  EXPECT_FALSE(passes(1050, 11010049));
  EXPECT_FALSE(passes(1051, 10u << 20));
}

// The one line of `memwrap report` that names SITE at the peak, as "SITE  FILE:LINE".
std::string ReportedSite(const std::string& trace, const std::string& site) {
  CommandResult report = RunProgram({kMemwrap, "report", trace});
  const size_t at = report.out.find("  " + site + "  ");
  if (at == std::string::npos) return "(" + site + " not in the report)\n" + report.out;
  const size_t end = report.out.find('\n', at);
  return report.out.substr(at + 2, end - at - 2);
}

TEST(Check, AnUnchangedRerunPassesItsBaselineTenTimesInARow) {
  // The heap peak is exact, so the baseline's own figure is the limit; RSS moves a little
  // between runs and gets the default tolerance.
  ScratchDir dir;
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", dir.File("base.mwt"), kPeakPattern}).exit_code(), 0);
  ASSERT_EQ(
      RunProgram({kMemwrap, "baseline", "save", dir.File("base.mwt"), "-o", dir.File("base.json")})
          .exit_code(),
      0);
  for (int i = 0; i < 10; ++i) {
    CommandResult rerun =
        RunIn(dir, Check({"--baseline", dir.File("base.json"), "-o", dir.File("rerun.mwt")},
                         {"--", kPeakPattern}));
    ASSERT_EQ(rerun.exit_code(), 0) << "rerun " << i << "\n" << rerun.out << rerun.err;
    EXPECT_NE(rerun.out.find("PASS peak_heap_bytes 11.44 MiB (12,000,000 bytes) <= 11.44 MiB "
                             "(12,000,000 bytes) allowed (baseline + 0%)"),
              std::string::npos)
        << rerun.out;
    EXPECT_NE(rerun.out.find("allowed (baseline + max(2%, 4.00 MiB))"), std::string::npos)
        << rerun.out;
  }
  CommandResult repeated = RunIn(dir, Check({"--baseline", dir.File("base.json"), "--repeat", "3",
                                             "-o", dir.File("rerun.mwt")},
                                            {"--", kPeakPattern}));
  EXPECT_EQ(repeated.exit_code(), 0) << repeated.out << repeated.err;
}

TEST(Check, NamesTheCallSiteThatGrewWithItsExactBytes) {
  // cache_grows N: 4,000,000 bytes in load_table and N in fill_cache, live together.
  ScratchDir dir;
  ASSERT_EQ(
      RunProgram({kMemwrap, "-q", "-o", dir.File("base.mwt"), kCacheGrows, "1000000"}).exit_code(),
      0);
  ASSERT_EQ(
      RunProgram({kMemwrap, "baseline", "save", dir.File("base.mwt"), "-o", dir.File("base.json")})
          .exit_code(),
      0);
  nlohmann::json saved = nlohmann::json::parse(test_support::ReadFile(dir.File("base.json")));
  ASSERT_EQ(saved["peak_heap_bytes"], 5000000u);
  ASSERT_EQ(saved["peak_site_count"], 2u);
  ASSERT_EQ(saved["peak_sites"].size(), 2u);
  EXPECT_EQ(saved["peak_sites"][0]["function"], "load_table");
  EXPECT_EQ(saved["peak_sites"][0]["bytes"], 4000000u);
  EXPECT_EQ(saved["peak_sites"][1]["function"], "fill_cache");
  EXPECT_EQ(saved["peak_sites"][1]["bytes"], 1000000u);
  EXPECT_EQ(saved["peak_sites"][1]["location"], ReportedSite(dir.File("base.mwt"), "fill_cache"));

  const std::string junit = dir.File("check.xml"), summary = dir.File("check.md");
  CommandResult grown = RunIn(dir, Check({"--baseline", dir.File("base.json"), "--junit", junit,
                                          "--summary", summary, "-o", dir.File("now.mwt")},
                                         {"--", kCacheGrows, "1500000"}));
  ASSERT_EQ(grown.exit_code(), 1) << grown.out << grown.err;
  EXPECT_NE(grown.out.find("FAIL peak_heap_bytes 5.25 MiB (5,500,000 bytes) > 4.77 MiB "
                           "(5,000,000 bytes) allowed (baseline + 0%)"),
            std::string::npos)
      << grown.out;
  // The site as `memwrap report` names it, with its bytes at both peaks.
  const std::string site = ReportedSite(dir.File("now.mwt"), "fill_cache");
  ASSERT_NE(site.find("cache_grows.c:"), std::string::npos) << site;
  const std::string line = site + "  1,000,000 -> 1,500,000 bytes (+500,000)";
  EXPECT_NE(grown.out.find("\n    " + line + "\n"), std::string::npos) << grown.out;
  EXPECT_EQ(grown.out.find("load_table"), std::string::npos) << grown.out;  // it did not grow

  CommandResult failure =
      RunProgram({"/usr/bin/python3", "-c",
                  "import sys, xml.etree.ElementTree as E\n"
                  "for f in E.parse(sys.argv[1]).getroot().iter('failure'): print(f.text)",
                  junit});
  ASSERT_EQ(failure.exit_code(), 0) << failure.err;
  EXPECT_NE(failure.out.find(line), std::string::npos) << failure.out;
  const std::string markdown = test_support::ReadFile(summary);
  EXPECT_NE(markdown.find("| `" + site + "` | 1,000,000 | 1,500,000 | +500,000 |"),
            std::string::npos)
      << markdown;
}

TEST(Check, ABaselineWithoutCallSitesStillJudgesAndSaysSo) {
  // A baseline saved before sites were stored: the figures alone.
  ScratchDir dir;
  test_support::WriteFile(dir.File("old.json"),
                          R"({"format": "memwrap-baseline", "format_version": 1,
                              "command": "x", "peak_heap_bytes": 4999999, "leaked_bytes": 0,
                              "peak_rss_bytes": null})");
  CommandResult run =
      RunIn(dir, Check({"--baseline", dir.File("old.json"), "-o", dir.File("t.mwt")},
                       {"--", kCacheGrows, "1000000"}));
  EXPECT_EQ(run.exit_code(), 1) << run.out << run.err;
  EXPECT_NE(run.out.find("  the baseline holds no call sites (saved by an older memwrap)"),
            std::string::npos)
      << run.out;
}

TEST(Check, KeepsTheTraceOfTheRunItJudged) {
  ScratchDir dir;
  CommandResult once = RunIn(dir, Check({"--max-peak-heap", "1GiB"}, {"--", kPeakPattern}));
  ASSERT_EQ(once.exit_code(), 0) << once.out << once.err;
  const std::string prefix = "memwrap check: trace of the run: ";
  const size_t at = once.out.find(prefix);
  ASSERT_NE(at, std::string::npos) << once.out;
  const std::string kept =
      once.out.substr(at + prefix.size(), once.out.find('\n', at) - at - prefix.size());
  // PROGRAM.PID.mwt in the current directory, as memwrap run names it; nothing else left.
  EXPECT_EQ(kept.rfind("peak_pattern.", 0), 0u) << kept;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(files, std::vector<std::string>{kept});
  CommandResult report = RunProgram({kMemwrap, "report", "--format", "json", dir.File(kept)});
  ASSERT_EQ(report.exit_code(), 0) << report.err;
  EXPECT_EQ(report.err, "");
  nlohmann::json json = nlohmann::json::parse(report.out);
  EXPECT_EQ(json["peak_heap_bytes"], 12000000u);
  EXPECT_EQ(json["trace_complete"], true);

  // With --repeat, the median run's trace, where -o says.
  fs::remove(dir.File(kept));
  CommandResult repeated =
      RunIn(dir, Check({"--max-peak-heap", "1GiB", "--repeat", "3", "-o", "median.mwt"},
                       {"--", kPeakPattern}));
  ASSERT_EQ(repeated.exit_code(), 0) << repeated.out << repeated.err;
  EXPECT_NE(repeated.out.find(" of 3, the median: median.mwt\n"), std::string::npos)
      << repeated.out;
  files.clear();
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(files, std::vector<std::string>{"median.mwt"});
}

// Offsets of the chunks of a trace (docs/trace-format.md: a 64-byte header whose u32 at 12 is
// its size; 32-byte chunk headers whose u32 at 12 is the payload's size), and the file size.
std::vector<size_t> ChunkOffsets(const std::string& bytes) {
  std::vector<size_t> offsets;
  uint32_t size;
  memcpy(&size, bytes.data() + 12, 4);
  for (size_t offset = size; offset + 32 <= bytes.size(); offset += 32 + size) {
    offsets.push_back(offset);
    memcpy(&size, bytes.data() + offset + 12, 4);
  }
  return offsets;
}

// Every command that reads a trace, on TRACE (diff compares it with itself).
std::vector<std::vector<std::string>> Readers(const ScratchDir& dir, const std::string& trace) {
  return {{kMemwrap, "report", trace},
          {kMemwrap, "timeline", trace},
          {kMemwrap, "diff", trace, trace},
          {kMemwrap, "baseline", "save", trace, "-o", dir.File("b.json")},
          {kMemwrap, "plot", trace, "-o", dir.File("p.html")},
          {kMemwrap, "export", "--format", "pprof", trace, "-o", dir.File("p.pb")},
          {kMemwrap, "export", "--format", "csv", trace, "-o", dir.File("t.csv")}};
}

TEST(Check, RefusesATraceCutAnywhereAndEveryReaderWarns) {
  // A real trace of a process tree (two pids, an exec: several chunks), cut as a killed
  // memwrap leaves it: at every chunk boundary and inside chunks.
  ScratchDir dir;
  const std::string whole = dir.File("whole.mwt");
  ASSERT_EQ(
      RunProgram({kMemwrap, "-q", "-o", whole, test_support::BuiltFile("fork_exec"), kPeakPattern})
          .exit_code(),
      0);
  const std::string bytes = test_support::ReadFile(whole);
  const std::vector<size_t> chunks = ChunkOffsets(bytes);
  ASSERT_GE(chunks.size(), 6u);
  ASSERT_EQ(chunks.back() + 32, bytes.size());  // the end-of-trace chunk, empty, last

  // The whole trace passes and no reader warns.
  EXPECT_EQ(RunProgram(Check({"--max-peak-heap", "1GiB"}, {whole})).exit_code(), 0);
  for (const auto& reader : Readers(dir, whole)) {
    CommandResult run = RunProgram(reader);
    EXPECT_EQ(run.exit_code(), 0) << reader[1] << ": " << run.err;
    EXPECT_EQ(run.err, "") << reader[1];
  }

  std::vector<size_t> cuts = chunks;            // at every boundary (the first: header only)
  cuts.push_back(chunks[1] + 10);               // inside a chunk header
  cuts.push_back(chunks[1] + 40);               // inside a payload
  cuts.push_back((chunks[2] + chunks[3]) / 2);  // inside another
  cuts.push_back(bytes.size() - 1);             // inside the end-of-trace chunk
  for (size_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
    const std::string trace = dir.File("cut." + std::to_string(cut) + ".mwt");
    test_support::WriteFile(trace, bytes.substr(0, cut));
    CommandResult check = RunProgram(Check({"--max-peak-heap", "1GiB"}, {trace}));
    EXPECT_EQ(check.exit_code(), 2) << check.out << check.err;
    EXPECT_EQ(check.err.rfind(
                  "memwrap check: cannot judge an incomplete trace: trace '" + trace + "' is ", 0),
              0u)
        << check.err;
    EXPECT_EQ(std::count(check.err.begin(), check.err.end(), '\n'), 1) << check.err;
    for (const auto& reader : Readers(dir, trace)) {
      CommandResult run = RunProgram(reader);
      // "memwrap CMD: warning: ..." (plot puts the path in front: it reads several traces).
      const bool says_why =
          run.err.rfind("memwrap " + reader[1] + ": warning: ", 0) == 0 &&
          (run.err.find("trace '" + trace + "' is incomplete: ") != std::string::npos ||
           run.err.find("trace '" + trace + "' is truncated at offset ") != std::string::npos);
      EXPECT_TRUE(says_why) << reader[1] << ": " << run.err;
      // One line per trace read (diff reads it twice).
      EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), reader[1] == "diff" ? 2 : 1)
          << reader[1] << ": " << run.err;
    }
  }
}

TEST(Check, JudgesATraceOlderThanTheEndMarkerWithAWarning) {
  // Format 1.0 had no end-of-trace chunk: such a trace is read and judged, with a warning that
  // its completeness cannot be told.
  ScratchDir dir;
  const std::string whole = dir.File("whole.mwt");
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", whole, kPeakPattern}).exit_code(), 0);
  std::string bytes = test_support::ReadFile(whole);
  bytes.resize(ChunkOffsets(bytes).back());  // without the end-of-trace chunk
  bytes[10] = 0;                             // format_minor 0
  const std::string old = dir.File("old.mwt");
  test_support::WriteFile(old, bytes);
  CommandResult check = RunProgram(Check({"--max-peak-heap", "12000000"}, {old}));
  EXPECT_EQ(check.exit_code(), 0) << check.out << check.err;
  EXPECT_EQ(check.err,
            "memwrap check: warning: trace '" + old +
                "' has format version 1.0, older "
                "than the end-of-trace chunk (1.1): whether it holds the whole recording "
                "cannot be told\n");
  CommandResult report = RunProgram({kMemwrap, "report", "--format", "json", old});
  EXPECT_EQ(report.exit_code(), 0);
  EXPECT_TRUE(nlohmann::json::parse(report.out)["trace_complete"].is_null());
}

}  // namespace
}  // namespace memwrap
