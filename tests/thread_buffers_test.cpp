// --buffers per-thread end to end: programs with known allocation patterns recorded with each
// thread writing into a ring of its own must give exactly what one shared ring gives (and what
// the programs know they did), and blocks handed between threads must replay without an
// anomaly. The merge itself is unit-tested in thread_ring_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/report_json.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::ReportJson;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kThreadsAlloc = test_support::BuiltFile("threads_alloc");
const std::string kThreadHandoff = test_support::BuiltFile("thread_handoff");
const std::string kForkExec = test_support::BuiltFile("fork_exec");
const std::string kExitWith = test_support::BuiltFile("exit_with");
const std::string kSeccompHeap = test_support::BuiltFile("seccomp_heap");

const json* SiteNamed(const json& report, const std::string& function) {
  for (const json& site : report["peak_sites"]) {
    if (site["function"] == function) return &site;
  }
  return nullptr;
}

uint64_t Total(const json& report, const char* key) {
  return report["totals"][key].get<uint64_t>();
}

json Record(const ScratchDir& dir, const std::string& name, const std::string& buffers,
            std::vector<std::string> program, std::vector<std::string> extra = {}) {
  const std::string trace = dir.File(name + "-" + buffers + ".mwt");
  std::vector<std::string> command = {kMemwrap, "-q", "-o", trace, "--buffers", buffers};
  command.insert(command.end(), extra.begin(), extra.end());
  command.push_back("--");
  command.insert(command.end(), program.begin(), program.end());
  CommandResult run = RunProgram(command);
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  return ReportJson(trace);
}

void ExpectNoAnomaly(const json& report) {
  EXPECT_EQ(report["lost_events"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["lost_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(Total(report, "untracked_frees"), 0u);
  EXPECT_EQ(Total(report, "replaced_live_blocks"), 0u);
}

TEST(ThreadBuffers, SessionInfoAndReportSayWhichBuffers) {
  ScratchDir dir;
  json per_thread = Record(dir, "exit", "per-thread", {kExitWith, "0"});
  EXPECT_EQ(per_thread["session"]["buffers"], "per-thread");
  EXPECT_EQ(per_thread["recording"]["buffers"], "per-thread");
  json per_process = Record(dir, "exit", "per-process", {kExitWith, "0"});
  EXPECT_EQ(per_process["session"]["buffers"], "per-process");
  EXPECT_EQ(per_process["recording"]["buffers"], "per-process");
  const std::string trace = dir.File("exit-per-thread.mwt");
  CommandResult text = RunProgram({kMemwrap, "report", trace});
  ASSERT_EQ(text.exit_code(), 0) << text.err;
  EXPECT_NE(text.out.find("--buffers=per-thread"), std::string::npos) << text.out;
  CommandResult bad = RunProgram({kMemwrap, "run", "--buffers", "per-cpu", "--", kExitWith, "0"});
  EXPECT_NE(bad.exit_code(), 0);
  EXPECT_NE(bad.err.find("--buffers per-cpu"), std::string::npos) << bad.err;
}

// threads_alloc: THREADS x BLOCKS blocks of SIZE from worker_allocate(), all live at the peak,
// plus CHURN short-lived blocks after each. The smallest buffer makes every ring fill and its
// writer wait, many times over.
TEST(ThreadBuffers, KnownPatternGivesTheSameFiguresAsOneSharedRing) {
  ScratchDir dir;
  constexpr uint64_t kThreads = 8, kBlocks = 200, kSize = 1000, kChurn = 50;
  const std::vector<std::string> program = {kThreadsAlloc, std::to_string(kThreads),
                                            std::to_string(kBlocks), std::to_string(kSize),
                                            std::to_string(kChurn)};
  json shared = Record(dir, "threads", "per-process", program, {"--buffer", "64KiB"});
  json own = Record(dir, "threads", "per-thread", program, {"--buffer", "64KiB"});
  for (const json* report : {&shared, &own}) {
    ExpectNoAnomaly(*report);
    const json* site = SiteNamed(*report, "worker_allocate");
    ASSERT_NE(site, nullptr) << (*report)["peak_sites"].dump(1);
    EXPECT_EQ((*site)["bytes"].get<uint64_t>(), kThreads * kBlocks * kSize);
    EXPECT_EQ((*site)["allocations"].get<uint64_t>(), kThreads * kBlocks);
  }
  for (const char* key : {"allocations", "frees", "bytes_allocated"}) {
    EXPECT_EQ(Total(own, key), Total(shared, key)) << key;
  }
  // Without churn the heap peak is the program's blocks plus the same start-up allocations.
  const std::vector<std::string> quiet = {kThreadsAlloc, std::to_string(kThreads),
                                          std::to_string(kBlocks), std::to_string(kSize), "0"};
  json quiet_shared = Record(dir, "quiet", "per-process", quiet);
  json quiet_own = Record(dir, "quiet", "per-thread", quiet);
  EXPECT_GE(quiet_own["peak_heap_bytes"].get<uint64_t>(), kThreads * kBlocks * kSize);
  EXPECT_EQ(quiet_own["peak_heap_bytes"], quiet_shared["peak_heap_bytes"]);
  EXPECT_EQ(Total(quiet_own, "allocations"), Total(quiet_shared, "allocations"));
}

// 64 workers and the main thread: one more thread than there are rings, so at least one
// thread writes into the shared ring while the others use their own; nothing is lost or
// misordered either way.
TEST(ThreadBuffers, ThreadsBeyondTheRingsFallBackToTheSharedRing) {
  ScratchDir dir;
  constexpr uint64_t kThreads = 64, kBlocks = 20, kSize = 512, kChurn = 20;
  const std::vector<std::string> program = {kThreadsAlloc, std::to_string(kThreads),
                                            std::to_string(kBlocks), std::to_string(kSize),
                                            std::to_string(kChurn)};
  json own = Record(dir, "many", "per-thread", program);
  json shared = Record(dir, "many", "per-process", program);
  ExpectNoAnomaly(own);
  const json* site = SiteNamed(own, "worker_allocate");
  ASSERT_NE(site, nullptr);
  EXPECT_EQ((*site)["allocations"].get<uint64_t>(), kThreads * kBlocks);
  EXPECT_EQ(Total(own, "allocations"), Total(shared, "allocations"));
  EXPECT_EQ(Total(own, "frees"), Total(shared, "frees"));
}

// thread_handoff: every block is freed by another thread than the one that allocated it, and
// glibc hands the freed addresses out again at once to the freeing thread.
TEST(ThreadBuffers, BlocksHandedBetweenThreadsReplayWithoutAnAnomaly) {
  ScratchDir dir;
  constexpr uint64_t kThreads = 4, kRounds = 100000, kSize = 48;
  const std::vector<std::string> program = {kThreadHandoff, std::to_string(kThreads),
                                            std::to_string(kRounds), std::to_string(kSize)};
  for (const char* stacks : {"none", "full"}) {
    json own = Record(dir, std::string("handoff-") + stacks, "per-thread", program,
                      {std::string("--stacks=") + stacks});
    ExpectNoAnomaly(own);
    json shared = Record(dir, std::string("handoff-") + stacks, "per-process", program,
                         {std::string("--stacks=") + stacks});
    ExpectNoAnomaly(shared);
    EXPECT_GE(Total(own, "allocations"), kThreads * kRounds);
    EXPECT_EQ(Total(own, "allocations"), Total(shared, "allocations")) << stacks;
    EXPECT_EQ(Total(own, "frees"), Total(shared, "frees")) << stacks;
    EXPECT_EQ(Total(own, "bytes_allocated"), Total(shared, "bytes_allocated")) << stacks;
  }
}

// fork: the child joins with a fresh ring (and its own thread rings); exec: a new image.
TEST(ThreadBuffers, ForkedAndExecutedImagesAreRecorded) {
  ScratchDir dir;
  json own = Record(dir, "tree", "per-thread", {kForkExec, kThreadsAlloc, "4", "10", "100", "5"});
  ASSERT_EQ(own["processes"].size(), 2u) << own["processes"].dump(1);
  EXPECT_TRUE(own["processes"][1]["heap_recorded"].get<bool>());
  ExpectNoAnomaly(own);
  const json* site = SiteNamed(own, "worker_allocate");
  ASSERT_NE(site, nullptr);
  EXPECT_EQ((*site)["allocations"].get<uint64_t>(), 40u);
}

// A thread in seccomp strict mode can read no clock: it gives its ring back and writes into the
// shared ring, where the collector times its records. Filter mode keeps its clock and its ring.
TEST(ThreadBuffers, ProgramsInSeccompRunAndAreRecorded) {
  ScratchDir dir;
  for (const char* mode : {"strict", "filter"}) {
    json report = Record(dir, std::string("seccomp-") + mode, "per-thread", {kSeccompHeap, mode});
    // seccomp_heap: 1,000 allocations after the switch, every other one freed.
    EXPECT_GE(Total(report, "allocations"), 1000u) << mode;
    EXPECT_EQ(Total(report, "untracked_frees"), 0u) << mode;
    EXPECT_EQ(Total(report, "replaced_live_blocks"), 0u) << mode;
    EXPECT_GT(report["peak_heap_time_ns"].get<uint64_t>(), 0u) << mode;
    EXPECT_LE(report["peak_heap_time_ns"].get<uint64_t>(), report["duration_ns"].get<uint64_t>())
        << mode;
  }
}

// Drop mode with per-thread rings: its count of dropped records was found short under load
// (thread_handoff, 4 threads, 64 KiB: 730,543 events recorded or counted of 800,004), so the
// combination is refused before anything runs rather than print a lost-event count that lies.
// The test that every event is recorded or counted comes back with the fix.
TEST(ThreadBuffers, DropModeIsRefusedUntilItsCountIsExact) {
  ScratchDir dir;
  CommandResult run = RunProgram({kMemwrap, "run", "-o", dir.File("drop.mwt"), "--buffers",
                                  "per-thread", "--on-full=drop", "--", kExitWith, "0"});
  EXPECT_EQ(run.exit_code(), 2) << run.err;
  EXPECT_NE(run.err.find("--buffers per-thread cannot be used with --on-full=drop"),
            std::string::npos)
      << run.err;
  EXPECT_FALSE(test_support::FileExists(dir.File("drop.mwt")));
}

}  // namespace
}  // namespace memwrap
