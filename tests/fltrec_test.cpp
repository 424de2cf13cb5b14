// The flight recorder against known truth (tests/programs/flight_pattern.c): a dump holds the
// window before its trigger plus the blocks still live from before the window, so the heap at
// the trigger is exact and its sites symbolize; no trigger, no file; exit statuses pass through.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/report_json.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::FileExists;
using test_support::ReportJson;
using test_support::RunProgram;
using test_support::ScratchDir;
using test_support::WaitUntilCatching;

const std::string kFltrec =
    test_support::BuiltFile("fltrec");  // the memwrap binary under the name fltrec
const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kPattern = test_support::BuiltFile("flight_pattern");

// The report of a dump. Every dump these tests make is finished, so it must also read as a
// complete trace.
json DumpReport(const std::string& trace) {
  std::string err;
  json report = ReportJson(trace, &err);
  EXPECT_EQ(report["trace_complete"], true) << trace << ": " << err;
  return report;
}

uint64_t SiteBytes(const json& report, const std::string& function) {
  for (const json& site : report["peak_sites"]) {
    if (site["function"] == function) return site["bytes"];
  }
  return 0;
}

TEST(Fltrec, HeapTriggerDumpsTheWindowAndTheBlocksLiveFromBeforeIt) {
  ScratchDir dir;
  // A 1 MiB window: the 1,000 early allocations leave it long before the trigger.
  auto run = RunProgram(
      {kFltrec, "--keep", "1MiB", "--trigger", "heap>5000000", "-o", dir.File("f.mwt"), kPattern});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  ASSERT_TRUE(FileExists(dir.File("f.mwt"))) << run.err;
  EXPECT_FALSE(FileExists(dir.File("f.1.mwt")));
  json report = DumpReport(dir.File("f.mwt"));
  EXPECT_EQ(report["peak_heap_bytes"], 6000000);
  EXPECT_EQ(SiteBytes(report, "big_step"), 5000000u);
  EXPECT_EQ(SiteBytes(report, "early_keep"), 1000000u);
  EXPECT_EQ(report["session"]["fltrec_trigger"], "heap>5000000");
  EXPECT_GT(std::stoull(report["session"]["fltrec_overwritten_records"].get<std::string>()), 0u);
  // The window is bounded: far fewer than the 400,000 churn records were kept.
  EXPECT_LT(report["totals"]["allocations"].get<uint64_t>(), 100000u);
  // The mappings made before the window and still mapped are kept too (cut to what is left):
  // 19 of the remapped 20 pages and the 4 pages of sbrk.
  EXPECT_EQ(report["peak_mapped_bytes"], 23 * 4096);
}

// heap> judges the live heap by the analyzer's replay: it fires one byte below the peak
// `memwrap report` gives for a full recording of the same program, and not at that peak.
TEST(Fltrec, HeapTriggerFiresExactlyAboveTheReportsPeak) {
  ScratchDir dir;
  auto run = RunProgram({kMemwrap, "run", "-q", "-o", dir.File("full.mwt"), "--", kPattern});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  const uint64_t peak = DumpReport(dir.File("full.mwt"))["peak_heap_bytes"];
  ASSERT_EQ(peak, 6000000u);  // flight_pattern.c: 1,000 x 1,000 bytes, then 5,000,000
  const std::string below = "heap>" + std::to_string(peak - 1);
  auto fired = RunProgram({kFltrec, "--trigger", below, "-o", dir.File("below.mwt"), kPattern});
  ASSERT_EQ(fired.exit_code(), 0) << fired.err;
  ASSERT_TRUE(FileExists(dir.File("below.mwt"))) << fired.err;
  EXPECT_EQ(DumpReport(dir.File("below.mwt"))["peak_heap_bytes"], peak);
  const std::string at = "heap>" + std::to_string(peak);
  auto quiet = RunProgram({kFltrec, "--trigger", at, "-o", dir.File("at.mwt"), kPattern});
  ASSERT_EQ(quiet.exit_code(), 0) << quiet.err;
  EXPECT_FALSE(FileExists(dir.File("at.mwt"))) << quiet.err;
}

// --stacks=sampled: heap> judges the shim's counters, read at each --interval. phases holds
// 10,000,000 then 30,000,000 bytes for 100 ms each: a 20,000,000 trigger fires on the second
// phase, and the dump is a sampled trace whose exact counts and peak (usable bytes, within its
// bound) are the program's; a trigger above every phase fires nothing.
TEST(Fltrec, HeapTriggerOnASampledRecordingJudgesTheCounters) {
  ScratchDir dir;
  auto run =
      RunProgram({kFltrec, "--stacks=sampled", "--sample-seed", "3", "--trigger", "heap>20000000",
                  "-o", dir.File("s.mwt"), test_support::BuiltFile("phases")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  ASSERT_TRUE(FileExists(dir.File("s.mwt"))) << run.err;
  json report = DumpReport(dir.File("s.mwt"));
  ASSERT_TRUE(report["sampled"].is_object()) << "every reader says the dump is sampled";
  EXPECT_EQ(report["session"]["fltrec_trigger"], "heap>20000000");
  EXPECT_EQ(report["totals"]["allocations"], 2);
  EXPECT_EQ(report["totals"]["bytes_allocated"], 30000000);
  // Usable bytes: each block is a mapping of whole pages less malloc's 16-byte header.
  const uint64_t peak = report["peak_heap_bytes"];
  const uint64_t bound = report["peak_heap_bound_bytes"];
  EXPECT_GE(peak + bound, 30000000u);
  EXPECT_LE(peak, 30000000u + 2 * 4096 + bound);
  auto quiet = RunProgram({kFltrec, "--stacks=sampled", "--trigger", "heap>40000000", "-o",
                           dir.File("none.mwt"), test_support::BuiltFile("phases")});
  EXPECT_EQ(quiet.exit_code(), 0) << quiet.err;
  EXPECT_FALSE(FileExists(dir.File("none.mwt")));
}

TEST(Fltrec, NoTriggerNoFileAndTheExitStatusPassesThrough) {
  ScratchDir dir;
  auto run =
      RunProgram({kFltrec, "--trigger", "heap>100MiB", "-o", dir.File("f.mwt"), kPattern, "3"});
  EXPECT_EQ(run.exit_code(), 3) << run.err;
  EXPECT_FALSE(FileExists(dir.File("f.mwt")));
  EXPECT_NE(run.err.find("no trigger fired"), std::string::npos) << run.err;
  // The default trigger is crash: a clean exit writes nothing either.
  run = RunProgram({kFltrec, "-o", dir.File("g.mwt"), kPattern});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_FALSE(FileExists(dir.File("g.mwt")));
}

TEST(Fltrec, CrashTriggerFiresOnANonZeroExit) {
  ScratchDir dir;
  auto run = RunProgram({kFltrec, "-q", "-o", dir.File("f.mwt"), kPattern, "3"});
  EXPECT_EQ(run.exit_code(), 3) << run.err;
  ASSERT_TRUE(FileExists(dir.File("f.mwt"))) << run.err;
  json report = DumpReport(dir.File("f.mwt"));
  EXPECT_EQ(report["session"]["fltrec_trigger"], "crash (exit status 3)");
  ASSERT_EQ(report["processes"].size(), 1u);
  EXPECT_EQ(report["processes"][0]["exit_code"], 3);
}

TEST(Fltrec, EachFiringIsANumberedDump) {
  ScratchDir dir;
  auto run = RunProgram({kMemwrap, "fltrec", "-q", "--trigger", "mark:done", "--trigger",
                         "mark:tick", "-o", dir.File("f.mwt"), kPattern});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_FALSE(FileExists(dir.File("f.mwt")));
  ASSERT_TRUE(FileExists(dir.File("f.1.mwt"))) << run.err;
  ASSERT_TRUE(FileExists(dir.File("f.2.mwt"))) << run.err;
  // The first tick comes after the 1,000 early blocks: the first dump holds them all.
  json first = DumpReport(dir.File("f.1.mwt"));
  EXPECT_EQ(first["session"]["fltrec_trigger"], "mark:tick");
  EXPECT_EQ(SiteBytes(first, "early_keep"), 1000000u);
}

TEST(Fltrec, RssTriggerFiresOnASample) {
  ScratchDir dir;
  auto run = RunProgram({kFltrec, "-q", "--interval", "1ms", "--trigger", "rss>1MiB", "-o",
                         dir.File("f.mwt"), kPattern});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  ASSERT_TRUE(FileExists(dir.File("f.mwt"))) << run.err;
  EXPECT_EQ(DumpReport(dir.File("f.mwt"))["session"]["fltrec_trigger"], "rss>1MiB");
}

TEST(Fltrec, SignalToMemwrapFiresAndDoesNotReachTheProgram) {
  ScratchDir dir;
  pid_t memwrap = fork();
  if (memwrap == 0) {
    execl(kFltrec.c_str(), kFltrec.c_str(), "-q", "--trigger", "signal:USR2", "-o",
          dir.File("f.mwt").c_str(), test_support::BuiltFile("long_runner"), "1.5",
          dir.File("done").c_str(), (char*)nullptr);
    _exit(127);
  }
  // Signalled once memwrap catches SIGUSR2 (a loaded machine may start it late), while the
  // 1.5 s program still runs.
  ASSERT_TRUE(WaitUntilCatching(memwrap, SIGUSR2)) << "memwrap never catches SIGUSR2";
  usleep(200 * 1000);
  kill(memwrap, SIGUSR2);
  int status = 0;
  ASSERT_EQ(waitpid(memwrap, &status, 0), memwrap);
  ASSERT_TRUE(WIFEXITED(status)) << "memwrap died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(FileExists(dir.File("done"))) << "the program ran to its end";
  ASSERT_TRUE(FileExists(dir.File("f.mwt")));
  EXPECT_EQ(DumpReport(dir.File("f.mwt"))["session"]["fltrec_trigger"], "signal:USR2");
}

// A filter expression (docs/filters.md) fires at the event it describes: the 5,000,000-byte
// allocation of big_step, named by its size and its function; and a heap level while the
// latest mark is "tick" (the heap passes 5 MB at that same allocation, after the second tick).
TEST(Fltrec, ExpressionTriggersFireAtTheKnownAllocation) {
  ScratchDir dir;
  for (const char* expression :
       {"size > 1MiB and function ~ \"big_*\"", "heap > 5MB and mark == \"tick\""}) {
    const std::string dump = dir.File(std::string("f") + expression[0] + ".mwt");
    auto run = RunProgram({kFltrec, "-q", "--trigger", expression, "-o", dump, kPattern});
    ASSERT_EQ(run.exit_code(), 0) << run.err;
    ASSERT_TRUE(FileExists(dump)) << expression << ": " << run.err;
    json report = DumpReport(dump);
    EXPECT_EQ(report["session"]["fltrec_trigger"], expression);
    // The dump holds the allocation that fired it: the peak with big_step's block.
    EXPECT_EQ(report["peak_heap_bytes"], 6000000) << expression;
    EXPECT_EQ(SiteBytes(report, "big_step"), 5000000u) << expression;
    EXPECT_EQ(SiteBytes(report, "early_keep"), 1000000u) << expression;
  }
  // A function trigger fires at the first early_keep allocation, once (it holds for the next
  // 999 and is re-armed only by an event it does not hold for, the mark): one dump, written
  // long before big_step (the dump holds the records handed over with the one that fired).
  auto run = RunProgram({kFltrec, "-q", "--trigger", "top.function == early_keep", "-o",
                         dir.File("e.mwt"), kPattern});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  ASSERT_TRUE(FileExists(dir.File("e.mwt"))) << run.err;
  EXPECT_FALSE(FileExists(dir.File("e.1.mwt")));
  json early = DumpReport(dir.File("e.mwt"));
  EXPECT_GT(SiteBytes(early, "early_keep"), 0u);
  EXPECT_EQ(SiteBytes(early, "big_step"), 0u);
  // Expressions no event meets fire nothing.
  for (const char* never : {"size > 1MiB and function ~ \"churn*\"", "function ~ \"nothing*\"",
                            "kind == munmap and size > 1GiB"}) {
    run = RunProgram({kFltrec, "--trigger", never, "-o", dir.File("n.mwt"), kPattern});
    EXPECT_EQ(run.exit_code(), 0) << run.err;
    EXPECT_FALSE(FileExists(dir.File("n.mwt"))) << never;
    EXPECT_NE(run.err.find("no trigger fired"), std::string::npos) << never << ": " << run.err;
  }
}

TEST(Fltrec, BadTriggerIsAUsageError) {
  // A malformed expression: one line that names where it stops making sense.
  auto run = RunProgram({kFltrec, "--trigger", "rss<<5", kPattern});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_NE(run.err.find("--trigger rss<<5: column 5: expected a value after '<', found '<'"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  run = RunProgram({kFltrec, "--keep", "lots", kPattern});
  EXPECT_EQ(run.exit_code(), 2);
}

}  // namespace
}  // namespace memwrap
