// Plugins (include/memwrap/plugin.h, docs/plugins.md) against known truth: tests/programs/
// flight_pattern.c makes 1,000 allocations in early_keep, 200,000 in churn and one in
// big_step, and marks "tick", "tick", "done"; tests/plugins/test_plugin.c does what its
// argument says (count, crash, hang, stop, dump, drop-below). A plugin sees every event, adds
// marks, fires dumps and stops the recording; one that crashes, hangs or cannot be loaded
// never changes how the program ends, and the trace stays whole.
#include <gtest/gtest.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "memwrap/records.h"
#include "tests/report_json.h"
#include "tests/test_support.h"
#include "tracer/plugin/plugin_judge.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::FileExists;
using test_support::ReportJson;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kFltrec = test_support::BuiltFile("fltrec");
const std::string kPattern = test_support::BuiltFile("flight_pattern");
const std::string kTestPlugin = test_support::BuiltFile("libtest_plugin.so");
const std::string kWrongVersion = test_support::BuiltFile("libwrong_version_plugin.so");
const std::string kNotAPlugin = test_support::BuiltFile("libnot_a_plugin.so");
const std::string kCrashOnLoad = test_support::BuiltFile("libcrash_on_load_plugin.so");
const std::string kSamplePlugin = test_support::BuiltFile("libcount_allocations_plugin.so");

std::vector<std::string> Marks(const std::string& trace) {
  CommandResult run = RunProgram({kMemwrap, "timeline", "--format", "jsonl", trace});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  std::vector<std::string> marks;
  size_t begin = 0;
  while (begin < run.out.size()) {
    size_t end = run.out.find('\n', begin);
    if (end == std::string::npos) end = run.out.size();
    const json row = json::parse(run.out.substr(begin, end - begin));
    for (const json& marker : row["markers"]) {
      const std::string text = marker.get<std::string>();
      if (text.rfind("mark: ", 0) == 0) marks.push_back(text.substr(6));
    }
    begin = end + 1;
  }
  return marks;
}

// The allocations flight_pattern's trace holds without any plugin (its own and the C
// library's: the same every run).
uint64_t BaselineAllocations(const ScratchDir& dir) {
  const std::string trace = dir.File("baseline.mwt");
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, kPattern});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  return ReportJson(trace)["totals"]["allocations"].get<uint64_t>();
}

// The lines of `text` that start with `prefix`.
std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    if (text.compare(begin, prefix.size(), prefix) == 0) {
      lines.push_back(text.substr(begin, end - begin));
    }
    begin = end + 1;
  }
  return lines;
}

TEST(Plugin, CountsEveryAllocationOfAKnownProgramBySite) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult run = RunProgram(
      {kMemwrap, "-q", "-o", trace, "--plugin", kTestPlugin + ":count", "--", kPattern, "4"});
  EXPECT_EQ(run.exit_code(), 4) << run.err;
  const std::vector<std::string> lines = LinesStartingWith(run.err, "test_plugin: pid ");
  ASSERT_EQ(lines.size(), 1u) << run.err;
  unsigned long long early = 0, churn = 0, big = 0, other = 0, marks = 0, ticks = 0;
  const size_t at = lines[0].find("early_keep ");
  ASSERT_NE(at, std::string::npos) << lines[0];
  ASSERT_EQ(sscanf(lines[0].c_str() + at,
                   "early_keep %llu churn %llu big_step %llu other %llu marks %llu ticks %llu",
                   &early, &churn, &big, &other, &marks, &ticks),
            6)
      << lines[0];
  EXPECT_EQ(early, 1000u);
  EXPECT_EQ(churn, 200000u);
  EXPECT_EQ(big, 1u);
  EXPECT_EQ(marks, 3u);
  // Each process is sampled when it connects, then every --interval.
  EXPECT_GE(ticks, 1u);
  // The plugin's mark, after the program's own, in the trace's timeline.
  EXPECT_EQ(Marks(trace), (std::vector<std::string>{"tick", "tick", "done", "plugin saw done"}));
  EXPECT_EQ(ReportJson(trace)["trace_complete"], true);
}

TEST(Plugin, SampleCountsTheAllocationsOfAFunction) {
  ScratchDir dir;
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", dir.File("t.mwt"), "--plugin",
                                  kSamplePlugin + ":early_keep", "--", kPattern});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_NE(run.err.find("count_allocations: pid "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(": 1000 allocations, 1000000 bytes in early_keep\n"), std::string::npos)
      << run.err;
}

TEST(Plugin, ACrashingPluginCostsNothingButItself) {
  ScratchDir dir;
  const uint64_t baseline = BaselineAllocations(dir);
  const std::string trace = dir.File("t.mwt");
  CommandResult run = RunProgram(
      {kMemwrap, "-q", "-o", trace, "--plugin", kTestPlugin + ":crash:100", "--", kPattern, "3"});
  EXPECT_EQ(run.exit_code(), 3) << run.err;
  const std::vector<std::string> notices = LinesStartingWith(run.err, "memwrap: plugin ");
  ASSERT_EQ(notices.size(), 1u) << run.err;
  EXPECT_EQ(notices[0], "memwrap: plugin " + kTestPlugin +
                            ":crash:100 crashed (signal 11); recording goes on without it");
  json report = ReportJson(trace);
  EXPECT_EQ(report["trace_complete"], true);
  EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), baseline);
  EXPECT_EQ(Marks(trace), (std::vector<std::string>{"tick", "tick", "done"}));
}

TEST(Plugin, AHangingPluginIsKilledAtItsTimeout) {
  ScratchDir dir;
  const uint64_t baseline = BaselineAllocations(dir);
  const std::string trace = dir.File("t.mwt");
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, "--plugin-timeout", "200ms",
                                  "--plugin", kTestPlugin + ":hang:100", "--", kPattern, "5"});
  EXPECT_EQ(run.exit_code(), 5) << run.err;
  const std::vector<std::string> notices = LinesStartingWith(run.err, "memwrap: plugin ");
  ASSERT_EQ(notices.size(), 1u) << run.err;
  EXPECT_EQ(notices[0], "memwrap: plugin " + kTestPlugin +
                            ":hang:100 did not answer within 200ms; recording goes on without it");
  json report = ReportJson(trace);
  EXPECT_EQ(report["trace_complete"], true);
  EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), baseline);
}

TEST(Plugin, APluginThatCannotBeLoadedIsAnErrorBeforeTheProgramRuns) {
  ScratchDir dir;
  struct Case {
    std::string plugin;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {kWrongVersion, "was built for plugin API version 2; this memwrap speaks version 1"},
      {kNotAPlugin, "defines no memwrap_plugin_api_version()"},
      {dir.File("missing.so"), "cannot be loaded: "},
      {kTestPlugin + ":refuse", "refused to start (memwrap_plugin_init returned 7)"},
      {kCrashOnLoad, "its host crashed (signal 11) while loading it"},
  };
  for (const Case& c : cases) {
    const std::string trace = dir.File("t.mwt");
    CommandResult run =
        RunProgram({kMemwrap, "-o", trace, "--plugin", c.plugin, "--", kPattern, "6"});
    EXPECT_EQ(run.exit_code(), 2) << run.err;
    EXPECT_EQ(run.err.rfind("memwrap: plugin " + c.plugin + ": " + c.reason, 0), 0u) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_FALSE(FileExists(trace)) << c.plugin;  // nothing was recorded, nothing run
  }
}

TEST(Plugin, StopEndsTheTraceAndTheProgramRunsOn) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  // A small ring: what the program allocates after the stop cannot wait in it.
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, "--buffer", "64KiB", "--plugin",
                                  kTestPlugin + ":stop:10", "--", kPattern, "7"});
  EXPECT_EQ(run.exit_code(), 7) << run.err;
  EXPECT_EQ(LinesStartingWith(run.err, "memwrap: plugin ").size(), 0u) << run.err;  // -q
  json report = ReportJson(trace);
  EXPECT_EQ(report["trace_complete"], true);
  const uint64_t allocations = report["totals"]["allocations"].get<uint64_t>();
  EXPECT_GE(allocations, 10u);
  EXPECT_LT(allocations, 100000u);  // far from the 201,001 of the whole run
  // Without -q memwrap says why the trace ends early.
  CommandResult said = RunProgram({kMemwrap, "-o", dir.File("u.mwt"), "--buffer", "64KiB",
                                   "--plugin", kTestPlugin + ":stop:10", "--", kPattern});
  EXPECT_EQ(said.exit_code(), 0) << said.err;
  EXPECT_EQ(LinesStartingWith(said.err, "memwrap: plugin " + kTestPlugin +
                                            ":stop:10 stopped the recording: enough seen; the "
                                            "program runs on untraced")
                .size(),
            1u)
      << said.err;
}

TEST(Plugin, DumpUnderFltrecFiresLikeATrigger) {
  ScratchDir dir;
  const std::string dump = dir.File("f.mwt");
  CommandResult run =
      RunProgram({kFltrec, "-o", dump, "--plugin", kTestPlugin + ":dump:done", "--", kPattern});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  ASSERT_TRUE(FileExists(dump)) << run.err;
  EXPECT_FALSE(FileExists(dir.File("f.1.mwt")));
  json report = ReportJson(dump);
  EXPECT_EQ(report["trace_complete"], true);
  EXPECT_EQ(report["session"]["fltrec_trigger"],
            "plugin " + kTestPlugin + ":dump:done: saw the mark");
  EXPECT_EQ(report["peak_heap_bytes"], 6000000);
}

TEST(Plugin, DumpUnderRunIsAMark) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult run = RunProgram(
      {kMemwrap, "-q", "-o", trace, "--plugin", kTestPlugin + ":dump:done", "--", kPattern});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_EQ(Marks(trace), (std::vector<std::string>{"tick", "tick", "done", "dump: saw the mark"}));
}

TEST(Plugin, DroppedAllocationsLeaveTheTraceAndTheCountsStayExact) {
  ScratchDir dir;
  const uint64_t baseline = BaselineAllocations(dir);
  // The allocations of 1,000 bytes or more, as memwrap watch sees them.
  const std::string watched = dir.File("w.txt");
  CommandResult watch = RunProgram({kMemwrap, "watch", "--filter", "kind == alloc and size >= 1000",
                                    "-o", watched, "--", kPattern});
  ASSERT_EQ(watch.exit_code(), 0) << watch.err;
  const std::string lines = test_support::ReadFile(watched);
  const uint64_t large = uint64_t(std::count(lines.begin(), lines.end(), '\n'));
  EXPECT_GE(large, 1001u);  // early_keep's 1,000 and big_step's one, at least
  const std::string trace = dir.File("t.mwt");
  const std::string plugin = kTestPlugin + ":drop-below:1000";
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, "--plugin", plugin, "--", kPattern});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  json report = ReportJson(trace);
  EXPECT_EQ(report["trace_complete"], true);
  EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), baseline);  // every one counted
  EXPECT_EQ(report["peak_heap_bytes"], 6000000);
  EXPECT_EQ(report["kept"]["allocations_kept"].get<uint64_t>(), large);
  EXPECT_EQ(report["kept"]["expression"], "--plugin " + plugin);
  EXPECT_EQ(report["session"]["plugins"], plugin);
}

TEST(Plugin, APluginThatDoesNotDropLeavesTheTraceWhole) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult run =
      RunProgram({kMemwrap, "-q", "-o", trace, "--plugin", kTestPlugin + ":count", "--", kPattern});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  json report = ReportJson(trace);
  EXPECT_TRUE(report["kept"].is_null());
  EXPECT_EQ(report["session"]["plugins"], kTestPlugin + ":count");
}

TEST(Plugin, WatchGivesThePluginEveryEvent) {
  // watch prints nothing (no event is above 100 GiB); the plugin still sees them all.
  CommandResult run = RunProgram({kMemwrap, "watch", "--filter", "size > 100GiB", "--plugin",
                                  kTestPlugin + ":count", "--", kPattern, "9"});
  EXPECT_EQ(run.exit_code(), 9) << run.err;
  const std::vector<std::string> lines = LinesStartingWith(run.err, "test_plugin: pid ");
  ASSERT_EQ(lines.size(), 1u) << run.err;
  EXPECT_NE(lines[0].find("early_keep 1000 churn 200000 big_step 1 "), std::string::npos)
      << lines[0];
}

TEST(Plugin, AnAttachedProcessHasNoEventsForAPlugin) {
  CommandResult run = RunProgram({kMemwrap, "-p", "1", "--plugin", kTestPlugin + ":count"});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_NE(run.err.find("--plugin needs the heap events of a program memwrap starts"),
            std::string::npos)
      << run.err;
}

TEST(Plugin, HelpListsTheFlags) {
  for (const std::string& command :
       {std::string("run"), std::string("fltrec"), std::string("watch")}) {
    CommandResult help = RunProgram({kMemwrap, command, "--help"});
    const std::string text = help.out + help.err;
    EXPECT_NE(text.find("--plugin LIB[:ARG]"), std::string::npos) << command;
    EXPECT_NE(text.find("--plugin-timeout DURATION"), std::string::npos) << command;
  }
}

// --- PluginJudge against the AllocationJudge interface, fed batches built here.

template <class T>
void Append(std::vector<uint8_t>* batch, T record, RecordType type) {
  record.h = {sizeof(T), uint16_t(type), 0};
  const auto* bytes = reinterpret_cast<const uint8_t*>(&record);
  batch->insert(batch->end(), bytes, bytes + sizeof(record));
}

// ALLOC 10, ALLOC 2000, FREE, REALLOC_BEGIN, REALLOC_END 5, REALLOC_END 5000, MMAP 100.
std::vector<uint8_t> KnownBatch() {
  std::vector<uint8_t> batch;
  AllocRecord small{};
  small.ts_ns = 1;
  small.addr = 0x1000;
  small.size = 10;
  Append(&batch, small, RecordType::kAlloc);
  AllocRecord large = small;
  large.addr = 0x2000;
  large.size = 2000;
  Append(&batch, large, RecordType::kAlloc);
  FreeRecord free{};
  free.addr = 0x1000;
  Append(&batch, free, RecordType::kFree);
  ReallocBeginRecord begin{};
  begin.old_addr = 0x2000;
  Append(&batch, begin, RecordType::kReallocBegin);
  ReallocEndRecord shrunk{};
  shrunk.old_addr = 0x2000;
  shrunk.new_addr = 0x3000;
  shrunk.size = 5;
  Append(&batch, shrunk, RecordType::kReallocEnd);
  ReallocEndRecord grown = shrunk;
  grown.old_addr = 0x3000;
  grown.new_addr = 0x4000;
  grown.size = 5000;
  Append(&batch, grown, RecordType::kReallocEnd);
  MmapRecord mapped{};
  mapped.addr = 0x10000;
  mapped.length = 100;
  Append(&batch, mapped, RecordType::kMmap);
  return batch;
}

std::unique_ptr<PluginJudge> Judge(const std::string& plugin, uint64_t timeout_ns,
                                   const std::string& timeout_text,
                                   std::vector<PluginRequest>* requests = nullptr) {
  const PluginSpec spec = ParsePluginSpec(plugin);
  auto process =
      std::make_unique<PluginProcess>(spec, kMemwrap, timeout_ns, timeout_text, 10'000'000'000);
  return std::make_unique<PluginJudge>(
      std::move(process), spec,
      [requests](const PluginSpec&, uint32_t, const PluginRequest& request) {
        if (requests != nullptr) requests->push_back(request);
      });
}

TEST(PluginJudge, KeepsWhatThePluginKeeps) {
  auto judge = Judge(kTestPlugin + ":drop-below:1000", 10'000'000'000, "10s");
  const std::vector<uint8_t> batch = KnownBatch();
  std::vector<uint8_t> keep(7, 1);
  judge->Judge(42, batch.data(), batch.size(), &keep);
  // The small ALLOC and the small REALLOC_END go; the others stay (a mapping is no
  // allocation, whatever its size).
  EXPECT_EQ(keep, (std::vector<uint8_t>{0, 1, 1, 1, 0, 1, 1}));
  // A second batch, the same answer: one round trip each.
  std::vector<uint8_t> again(7, 1);
  judge->Judge(42, batch.data(), batch.size(), &again);
  EXPECT_EQ(again, keep);
  EXPECT_FALSE(judge->failed());
  judge->Finish();
}

TEST(PluginJudge, KeepsEverythingOnceThePluginCrashed) {
  auto judge = Judge(kTestPlugin + ":crash:3", 10'000'000'000, "10s");
  const std::vector<uint8_t> batch = KnownBatch();
  std::vector<uint8_t> keep(7, 1);
  testing::internal::CaptureStderr();
  judge->Judge(42, batch.data(), batch.size(), &keep);
  judge->Judge(42, batch.data(), batch.size(), &keep);  // said once only
  const std::string said = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(judge->failed());
  EXPECT_EQ(keep, std::vector<uint8_t>(7, 1));
  EXPECT_EQ(said, "memwrap: plugin " + kTestPlugin +
                      ":crash:3 crashed (signal 11); recording goes on without it\n");
}

TEST(PluginJudge, GivesUpOnAPluginThatHangs) {
  auto judge = Judge(kTestPlugin + ":hang:2", 100'000'000, "100ms");
  const std::vector<uint8_t> batch = KnownBatch();
  std::vector<uint8_t> keep(7, 1);
  testing::internal::CaptureStderr();
  judge->Judge(42, batch.data(), batch.size(), &keep);
  const std::string said = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(judge->failed());
  EXPECT_EQ(keep, std::vector<uint8_t>(7, 1));
  EXPECT_EQ(said, "memwrap: plugin " + kTestPlugin +
                      ":hang:2 did not answer within 100ms; recording goes on without it\n");
}

TEST(PluginJudge, PassesTheRequestsOn) {
  std::vector<PluginRequest> requests;
  auto judge = Judge(kTestPlugin + ":stop:2", 10'000'000'000, "10s", &requests);
  const std::vector<uint8_t> batch = KnownBatch();
  std::vector<uint8_t> keep(7, 1);
  judge->Judge(42, batch.data(), batch.size(), &keep);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].kind, PluginRequest::Kind::kStop);
  EXPECT_EQ(requests[0].text, "enough seen");
  EXPECT_EQ(requests[0].time_ns, 1u);  // the second ALLOC's time
}

TEST(PluginSpec, SplitsTheArgumentAfterTheLastSlash) {
  EXPECT_EQ(ParsePluginSpec("./a:b/lib.so:x:y").library, "./a:b/lib.so");
  EXPECT_EQ(ParsePluginSpec("./a:b/lib.so:x:y").argument, "x:y");
  EXPECT_EQ(ParsePluginSpec("lib.so").argument, "");
}

}  // namespace
}  // namespace memwrap
