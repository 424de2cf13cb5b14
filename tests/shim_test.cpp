// The shim's coverage, with programs that know their truth: every allocation entry point,
// mappings, fork + exec, dlopen, many threads, full-ring modes and stack modes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/programs/cxx_runtime_pool.h"
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

// "key=value" lines a test program prints.
std::map<std::string, uint64_t> Truth(const std::string& out) {
  std::map<std::string, uint64_t> values;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos && line.rfind("expected_", 0) == 0) {
      values[line.substr(9, eq - 9)] = std::stoull(line.substr(eq + 1));
    }
  }
  return values;
}

// Runs PROGRAM under memwrap with extra options; returns (program result, report).
std::pair<CommandResult, json> Record(const ScratchDir& dir,
                                      const std::vector<std::string>& options,
                                      const std::vector<std::string>& program) {
  const std::string trace = dir.File("t.mwt");
  std::vector<std::string> argv = {kMemwrap, "-q", "-o", trace};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.insert(argv.end(), program.begin(), program.end());
  CommandResult run = RunProgram(argv);
  return {run, ReportJson(trace)};
}

TEST(Shim, SeesEveryAllocationEntryPointWithItsSize) {
  ScratchDir dir;
  auto [run, report] = Record(dir, {}, {test_support::BuiltFile("entry_points")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  auto truth = Truth(run.out);
  ASSERT_GT(truth["peak_bytes"], 0u) << run.out;
  const uint64_t pool = truth["runtime_pool_bytes"];
  if (pool == 0) GTEST_SKIP() << "not GCC 12's libstdc++: its start-up pool is not known here";
  EXPECT_EQ(report["peak_heap_bytes"].get<uint64_t>(), truth["peak_bytes"] + pool);
  // The program's own allocations, libstdc++'s pool, and stdout's buffer (printf, after the
  // peak).
  EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), truth["allocations"] + 2);
  EXPECT_EQ(report["totals"]["untracked_frees"].get<uint64_t>(), 0u);
  for (const json& site : report["peak_sites"]) {
    if (site["bytes"] == pool && site["module"].get<std::string>().rfind("libstdc++", 0) == 0) {
      continue;
    }
    EXPECT_EQ(site["function"], "main") << site.dump();
  }
}

// Libraries' constructors run before the preloaded shim's: their allocations still count.
TEST(Shim, RecordsAllocationsMadeBeforeItsOwnConstructor) {
  ScratchDir dir;
  auto [run, report] = Record(dir, {}, {test_support::BuiltFile("constructor_user")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  auto truth = Truth(run.out);
  EXPECT_EQ(report["peak_heap_bytes"].get<uint64_t>(), truth["peak_bytes"]);
  EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), truth["allocations"]);
  EXPECT_EQ(report["totals"]["untracked_frees"].get<uint64_t>(), 0u);
}

TEST(Shim, RecordsTheCxxRuntimesStartupPool) {
  ScratchDir dir;
  auto [run, report] = Record(dir, {}, {test_support::BuiltFile("cxx_runtime_pool")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  const uint64_t pool = Truth(run.out)["pool_bytes"];
  if (pool == 0) GTEST_SKIP() << "not GCC 12's libstdc++: its pool size is not known here";
  // Allocated by libstdc++'s initialiser and never freed: a leak of exactly that size.
  bool found = false;
  for (const json& site : report["leak_sites"]) {
    found |= site["bytes"].get<uint64_t>() == pool && site["allocations"] == 1 &&
             site["module"].get<std::string>().rfind("libstdc++.so", 0) == 0;
  }
  EXPECT_TRUE(found) << report["leak_sites"].dump(1);
}

// tcmalloc and jemalloc, linked or preloaded: the program runs as it would without memwrap,
// and its C++ allocations (their own operator new, which never calls malloc) are recorded
// once each. The allocator's own start-up allocations are the program's too, so the check is
// on main's sites, plus libstdc++'s pool.
void ExpectOtherAllocatorRecordedExactly(const std::string& program, const std::string& preload) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  // The allocator is preloaded into the program only (not into memwrap, which may be built
  // with a sanitizer that must come first): env sets it, and memwrap puts the shim in front
  // at the program's exec.
  std::vector<std::string> argv = {kMemwrap, "-q", "-o", trace, "--", "/usr/bin/env"};
  if (!preload.empty()) argv.push_back("LD_PRELOAD=" + preload);
  argv.push_back(program);
  CommandResult run = RunProgram(argv);
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  auto truth = Truth(run.out);
  json report = ReportJson(trace);
  uint64_t main_bytes = 0, main_allocations = 0, pool_bytes = 0;
  for (const json& site : report["peak_sites"]) {
    if (site["function"] == "main") {
      main_bytes += site["bytes"].get<uint64_t>();
      main_allocations += site["allocations"].get<uint64_t>();
    } else if (site["module"].get<std::string>().rfind("libstdc++", 0) == 0) {
      pool_bytes += site["bytes"].get<uint64_t>();
    }
  }
  EXPECT_EQ(main_bytes, truth["main_peak_bytes"]) << report["peak_sites"].dump(1);
  EXPECT_EQ(main_allocations, truth["main_allocations"]);
  // Every block main allocated was freed, by a matching delete: none left but stdout's buffer
  // (printf, at the end), no free of a block never seen.
  EXPECT_EQ(report["totals"]["untracked_frees"].get<uint64_t>(), 0u);
  for (const json& site : report["leak_sites"]) {
    if (site["function"] == "main") {
      EXPECT_EQ(site["stack"][0]["function"], "_IO_file_doallocate");
    }
  }
  if (kRuntimePoolBytes != 0) {
    EXPECT_EQ(pool_bytes, kRuntimePoolBytes);
  }
}

// Why the tests of tcmalloc- and jemalloc-linked programs skip (CMake found no such library:
// the programs' paths are then empty).
constexpr const char* kOtherAllocatorsMissing =
    "tcmalloc or jemalloc missing (apt-get install libgoogle-perftools-dev libjemalloc-dev)";

TEST(Shim, OtherAllocatorsLinkedOrPreloadedAreRecordedExactly) {
  ExpectOtherAllocatorRecordedExactly(test_support::BuiltFile("other_allocator"), "");
  const std::string tcmalloc = MEMWRAP_OTHER_ALLOCATOR_TCMALLOC;
  const std::string jemalloc = MEMWRAP_OTHER_ALLOCATOR_JEMALLOC;
  if (tcmalloc.empty() || jemalloc.empty()) GTEST_SKIP() << kOtherAllocatorsMissing;
  {
    SCOPED_TRACE("linked with tcmalloc");
    ExpectOtherAllocatorRecordedExactly(tcmalloc, "");
  }
  {
    SCOPED_TRACE("linked with jemalloc");
    ExpectOtherAllocatorRecordedExactly(jemalloc, "");
  }
  {
    SCOPED_TRACE("tcmalloc preloaded");
    ExpectOtherAllocatorRecordedExactly(test_support::BuiltFile("other_allocator"),
                                        MEMWRAP_TCMALLOC_LIBRARY);
  }
  {
    SCOPED_TRACE("jemalloc preloaded");
    ExpectOtherAllocatorRecordedExactly(test_support::BuiltFile("other_allocator"),
                                        MEMWRAP_JEMALLOC_LIBRARY);
  }
}

// Sampled mode counts each block by the size its allocator reports: read from glibc's chunk
// header when glibc's malloc is the one behind the shim, asked of tcmalloc and jemalloc when
// they are linked (preload/usable_size.h). Counts and bytes equal full mode's; the peak, in
// usable bytes, is at least full mode's requested peak and within its bound plus the
// allocators' rounding. The shim starting inside tcmalloc's first call must not call back
// into it (a deadlock, ended here by the test's timeout). Under tcmalloc, libstdc++'s 72,704-byte
// start-up pool is allocated before tcmalloc's initialiser ran, when tcmalloc reports a usable
// size of 0: the peak holds it only because a block counts at least its requested size.
void ExpectSampledCountsOfOtherAllocator(const std::string& program) {
  ScratchDir full_dir, sampled_dir;
  auto [full_run, full] = Record(full_dir, {}, {program});
  ASSERT_EQ(full_run.exit_code(), 0) << full_run.err;
  auto [run, sampled] = Record(sampled_dir, {"--stacks=sampled"}, {program});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  // A call made by the allocator while the shim is inside one of its own hooks passes through
  // untracked, and is counted as such: tcmalloc's malloc_usable_size, asked by sampled mode,
  // creates its MallocExtension with an 8-byte operator new on its first call.
  const uint64_t nested = sampled["untracked_nested_calls"].get<uint64_t>() +
                          full["untracked_nested_calls"].get<uint64_t>();
  EXPECT_LE(nested, 1u);
  EXPECT_EQ(sampled["totals"]["allocations"].get<uint64_t>() +
                sampled["untracked_nested_calls"].get<uint64_t>(),
            full["totals"]["allocations"].get<uint64_t>() +
                full["untracked_nested_calls"].get<uint64_t>());
  EXPECT_EQ(sampled["totals"]["frees"], full["totals"]["frees"]);
  if (nested == 0) {
    EXPECT_EQ(sampled["totals"]["bytes_allocated"], full["totals"]["bytes_allocated"]);
  }
  const uint64_t requested_peak = full["peak_heap_bytes"].get<uint64_t>();
  const uint64_t peak = sampled["peak_heap_bytes"].get<uint64_t>();
  const uint64_t bound = sampled["peak_heap_bound_bytes"].get<uint64_t>();
  EXPECT_LE(peak, requested_peak + requested_peak / 8 + bound);
  EXPECT_GE(peak + bound, requested_peak);
}

TEST(Shim, SampledModeCountsEachAllocatorsOwnBlockSizes) {
  {
    SCOPED_TRACE("glibc");
    ExpectSampledCountsOfOtherAllocator(test_support::BuiltFile("other_allocator"));
  }
  const std::string tcmalloc = MEMWRAP_OTHER_ALLOCATOR_TCMALLOC;
  const std::string jemalloc = MEMWRAP_OTHER_ALLOCATOR_JEMALLOC;
  if (tcmalloc.empty() || jemalloc.empty()) GTEST_SKIP() << kOtherAllocatorsMissing;
  {
    SCOPED_TRACE("linked with tcmalloc");
    ExpectSampledCountsOfOtherAllocator(tcmalloc);
  }
  {
    SCOPED_TRACE("linked with jemalloc");
    ExpectSampledCountsOfOtherAllocator(jemalloc);
  }
}

// A library initialised before tcmalloc allocates while tcmalloc cannot size a block (it
// answers 0): one block freed while it still cannot, one freed after it can (its rounded size
// by then). Each release takes back what its allocation counted, so the live heap at the end
// is full mode's (libstdc++'s pool, allocated before tcmalloc too, counted at its requested
// size), up to the rounding of the few blocks allocated after tcmalloc's constructor; without
// that, it would be 100,000 bytes over (the first block) and some 7,000 under (the second).
TEST(Shim, SampledModeReleasesWhatItCountedOfBlocksTheAllocatorCouldNotSize) {
  const std::string tcmalloc = MEMWRAP_OTHER_ALLOCATOR_TCMALLOC;
  if (tcmalloc.empty()) GTEST_SKIP() << kOtherAllocatorsMissing;
  const std::string program = test_support::BuiltFile("early_allocation_user");
  ScratchDir full_dir, sampled_dir;
  auto [full_run, full] = Record(full_dir, {}, {program});
  ASSERT_EQ(full_run.exit_code(), 0) << full_run.err;
  auto [run, sampled] = Record(sampled_dir, {"--stacks=sampled"}, {program});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_EQ(sampled["totals"]["frees"], full["totals"]["frees"]);
  // tcmalloc's first malloc_usable_size makes an 8-byte block of its own inside the shim's
  // hook, which passes uncounted (ExpectSampledCountsOfOtherAllocator).
  EXPECT_EQ(sampled["totals"]["allocations"].get<uint64_t>() +
                sampled["untracked_nested_calls"].get<uint64_t>(),
            full["totals"]["allocations"].get<uint64_t>() +
                full["untracked_nested_calls"].get<uint64_t>());
  const int64_t live = sampled["sampled"]["live_at_end_bytes"].get<int64_t>();
  const int64_t leaked = full["leaked_bytes"].get<int64_t>();
  EXPECT_GE(live, leaked);
  EXPECT_LE(live, leaked + 1024) << "full mode's live blocks: " << full["leaked_bytes"];
}

TEST(Shim, AccountsMappingsThroughMremapAndPartialMunmap) {
  ScratchDir dir;
  auto [run, report] = Record(dir, {}, {test_support::BuiltFile("mappings")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  auto truth = Truth(run.out);
  EXPECT_EQ(report["peak_mapped_bytes"].get<uint64_t>(), truth["peak_mapped_bytes"]);
  EXPECT_EQ(report["totals"]["mmaps"].get<uint64_t>(), truth["mmaps"]);
  EXPECT_EQ(report["totals"]["munmaps"].get<uint64_t>(), truth["munmaps"]);
  EXPECT_EQ(report["totals"]["mremaps"].get<uint64_t>(), truth["mremaps"]);
  EXPECT_EQ(report["totals"]["brks"].get<uint64_t>(), truth["brks"]);
  // glibc's own mmaps (behind large mallocs) are heap and never show up here.
  EXPECT_EQ(report["processes"][0]["peak_mapped_bytes"].get<uint64_t>(),
            truth["peak_mapped_bytes"]);
}

TEST(Shim, ThreadKeyDestructorsThatAllocateAfterMemwrapsOwnAreSafe) {
  ScratchDir dir;
  auto [run, report] = Record(dir, {}, {test_support::BuiltFile("key_destructor")});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  // 20 threads: each a 100-byte value and a 4000-byte block in its key's destructor.
  EXPECT_GE(report["totals"]["allocations"].get<uint64_t>(), 40u);
  EXPECT_EQ(report["totals"]["untracked_frees"].get<uint64_t>(), 0u);
}

// The program's peak RSS without memwrap, as it reads its own VmHWM at exit.
uint64_t PlainPeakRss(const std::vector<std::string>& program) {
  CommandResult plain = RunProgram(program);
  EXPECT_EQ(plain.exit_code(), 0) << plain.err;
  return Truth(plain.out)["peak_rss_bytes"];
}

// The acceptance bound for the program's own peak RSS under memwrap: what memwrap leaves in it
// (the libraries the shim loads, the pages of the program's libraries its unwinder reads: about
// 0.9 MiB for this program here, docs/tracer.md) plus the run-to-run spread.
uint64_t OwnRssBound(uint64_t plain) {
  return std::max<uint64_t>(plain * 3 / 100, 1u << 20);
}

constexpr uint64_t kRingBytes = (8u << 20) + 4096;  // the default ring and its header

TEST(Shim, ThePeakRssIsTheProgramsOwnAndMemwrapsShareIsReportedApart) {
  ScratchDir dir;
  // memwrap's ring fills (8 MiB resident) before the program's 64 MiB peak.
  const std::vector<std::string> program = {test_support::BuiltFile("rss_known"), "records-before"};
  const uint64_t plain = PlainPeakRss(program);
  ASSERT_GE(plain, 64u << 20);
  auto [run, report] = Record(dir, {"--interval", "5ms"}, program);
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  const json& process = report["processes"][0];
  EXPECT_EQ(process["peak_rss_source"], "exit");
  const uint64_t own = process["peak_rss_bytes"].get<uint64_t>();
  const uint64_t memwrap = process["memwrap_rss_bytes"].get<uint64_t>();
  EXPECT_LE(own > plain ? own - plain : plain - own, OwnRssBound(plain))
      << "reported " << own << ", without memwrap " << plain;
  // All of the ring is resident, and left out.
  EXPECT_GE(memwrap, kRingBytes);
  EXPECT_GE(process["memwrap_peak_rss_bytes"].get<uint64_t>(), memwrap);
  // The kernel's counter, which the program read under memwrap, is the two parts together,
  // read at two moments: Linux counts RSS in per-CPU batches (a read may lag by up to 64
  // pages, 256 KiB, on this 2-CPU machine), so two reads may differ by twice that, and the
  // exit path touches a few pages more.
  const uint64_t kernel = Truth(run.out)["peak_rss_bytes"];
  EXPECT_LE(own + memwrap > kernel ? own + memwrap - kernel : kernel - own - memwrap, 512u << 10)
      << "reported " << own << " + memwrap's " << memwrap << ", the program saw " << kernel;
  // The heap peak (the extra byte) comes after 200 ms with the 64 MiB resident: the last sample
  // before it saw them, without memwrap's share, and is at most a few intervals old.
  ASSERT_FALSE(process["rss_at_heap_peak_bytes"].is_null()) << process.dump(1);
  EXPECT_GE(process["rss_at_heap_peak_bytes"].get<uint64_t>(), 64u << 20);
  EXPECT_LE(process["rss_at_heap_peak_bytes"].get<uint64_t>(), plain + OwnRssBound(plain));
  EXPECT_LE(process["rss_at_heap_peak_age_ns"].get<uint64_t>(), 250'000'000u);
  EXPECT_GE(report["rss_at_heap_peak_bytes"].get<uint64_t>(), 64u << 20);
  EXPECT_EQ(report["sample_interval_ns"].get<uint64_t>(), 5'000'000u);
  // The text report says it too.
  CommandResult text = RunProgram({kMemwrap, "report", dir.File("t.mwt")});
  EXPECT_NE(text.out.find("less memwrap's own memory"), std::string::npos) << text.out;
}

TEST(Shim, MemwrapsShareThatGrowsAfterTheProgramsPeakIsNotTakenFromIt) {
  ScratchDir dir;
  // The ring fills after the 64 MiB block was freed: at exit memwrap holds 8 MiB more than at
  // the peak, and VmHWM less that would be 8 MiB short. The samples during the 200 ms at the
  // peak read memwrap's share as it was then.
  const std::vector<std::string> program = {test_support::BuiltFile("rss_known"), "records-after"};
  const uint64_t plain = PlainPeakRss(program);
  auto [run, report] = Record(dir, {"--interval", "5ms"}, program);
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  const json& process = report["processes"][0];
  EXPECT_EQ(process["peak_rss_source"], "exit");
  const uint64_t own = process["peak_rss_bytes"].get<uint64_t>();
  EXPECT_LE(own > plain ? own - plain : plain - own, OwnRssBound(plain))
      << "reported " << own << ", without memwrap " << plain;
  EXPECT_GE(process["memwrap_rss_bytes"].get<uint64_t>(), kRingBytes);
}

TEST(Shim, LargeMallocsAreHeapNotMappings) {
  ScratchDir dir;
  // peak_pattern's blocks of 1 MB and 3 MB are above glibc's mmap threshold.
  auto [run, report] = Record(dir, {}, {test_support::BuiltFile("peak_pattern")});
  ASSERT_EQ(run.exit_code(), 0);
  EXPECT_EQ(report["peak_heap_bytes"].get<uint64_t>(), 12000000u);
  EXPECT_EQ(report["peak_mapped_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["totals"]["mmaps"].get<uint64_t>(), 0u);
}

TEST(Shim, FollowsForkAndExecIntoOneTrace) {
  ScratchDir dir;
  auto [run, report] = Record(
      dir, {}, {test_support::BuiltFile("fork_exec"), test_support::BuiltFile("exit_with"), "5"});
  EXPECT_EQ(run.exit_code(), 5) << run.err;
  ASSERT_EQ(report["processes"].size(), 2u) << report["processes"].dump(1);
  const json& parent = report["processes"][0];
  const json& child = report["processes"][1];
  EXPECT_EQ(child["ppid"], parent["pid"]);
  EXPECT_EQ(parent["exit_code"], 5);
  EXPECT_NE(child["command"].get<std::string>().find("exit_with"), std::string::npos);
  // The forked child's own malloc(2000) before exec, and exit_with's malloc(4096) after.
  EXPECT_EQ(child["totals"]["bytes_allocated"].get<uint64_t>(), 2000u + 4096u);
  EXPECT_EQ(child["peak_heap_bytes"].get<uint64_t>(), 4096u);
  EXPECT_EQ(parent["totals"]["bytes_allocated"].get<uint64_t>(), 1000u);
}

TEST(Shim, FollowsPosixSpawnAndVfork) {
  ScratchDir dir;
  auto [run, report] = Record(
      dir, {}, {test_support::BuiltFile("spawn"), test_support::BuiltFile("exit_with"), "0"});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  ASSERT_EQ(report["processes"].size(), 3u) << report["processes"].dump(1);
  const json& parent = report["processes"][0];
  for (int i = 1; i < 3; ++i) {
    const json& child = report["processes"][i];
    EXPECT_EQ(child["ppid"], parent["pid"]);
    EXPECT_EQ(child["peak_heap_bytes"].get<uint64_t>(), 4096u) << child.dump();
  }
}

TEST(Shim, SymbolisesLibrariesLoadedWithDlopen) {
  ScratchDir dir;
  auto [run, report] = Record(
      dir, {}, {test_support::BuiltFile("dl_loader"), test_support::BuiltFile("libdl_library.so")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  bool found = false;
  for (const json& site : report["peak_sites"]) {
    if (site["function"] == "dl_allocate") {
      found = true;
      EXPECT_EQ(site["bytes"].get<uint64_t>(), 12345u);
      EXPECT_NE(site["module"].get<std::string>().find("dl_library"), std::string::npos);
      EXPECT_NE(site["file"].get<std::string>().find("dl_library.c"), std::string::npos);
    }
  }
  EXPECT_TRUE(found) << report["peak_sites"].dump(1);
}

TEST(Shim, SixteenThreadsInBlockModeLoseNothing) {
  ScratchDir dir;
  // 16 threads x (200 kept + 200 x 1000 churned) = 200,200 allocations per thread.
  auto [run, report] =
      Record(dir, {"--buffer", "1MiB"},
             {test_support::BuiltFile("threads_alloc"), "16", "200", "64", "1000"});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_EQ(report["lost_events"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["lost_bytes"].get<uint64_t>(), 0u);
  EXPECT_GE(report["totals"]["allocations"].get<uint64_t>(), 16u * 200200u);
  EXPECT_EQ(report["totals"]["untracked_frees"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["recording"]["on_full"], "block");
  EXPECT_EQ(report["recording"]["ring_bytes"].get<uint64_t>(), 1u << 20);
}

TEST(Shim, DropModeCountsWhatDidNotFitAndLeavesTheProgramAlone) {
  ScratchDir dir;
  auto [run, report] = Record(dir, {"--on-full=drop", "--buffer", "64KiB"},
                              {test_support::BuiltFile("threads_alloc"), "8", "200", "64", "2000"});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_GT(report["lost_events"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["recording"]["on_full"], "drop");
  CommandResult text = RunProgram({kMemwrap, "report", dir.File("t.mwt")});
  EXPECT_NE(text.out.find("--on-full=drop"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("Lost events: 0\n"), std::string::npos) << text.out;
}

TEST(Shim, WithoutStacksTheNumbersStayExact) {
  ScratchDir dir;
  auto [run, report] = Record(dir, {"--stacks=none"}, {test_support::BuiltFile("peak_pattern")});
  ASSERT_EQ(run.exit_code(), 0);
  EXPECT_EQ(report["peak_heap_bytes"].get<uint64_t>(), 12000000u);
  EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), 114u);
  ASSERT_EQ(report["peak_sites"].size(), 1u);
  EXPECT_EQ(report["peak_sites"][0]["function"], "(no stack recorded)");
  EXPECT_EQ(report["recording"]["stacks"], "none");
}

TEST(Shim, SampledStacksKeepExactTotalsAndEstimateSitesWithoutBias) {
  ScratchDir dir;
  // 8 threads x 400 live blocks of 1000 bytes at the peak; a sample every 20,000 bytes on
  // average samples each block with probability 1 - exp(-0.05) = 4.9%: ~156 samples.
  auto [run, report] = Record(dir, {"--stacks=sampled", "--sample-bytes", "20000"},
                              {test_support::BuiltFile("threads_alloc"), "8", "400", "1000", "0"});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_TRUE(report["peak_sites_estimated"].get<bool>());
  EXPECT_EQ(report["recording"]["sample_bytes"].get<uint64_t>(), 20000u);
  // The peak is counted in usable bytes (1,000 for a 1,000-byte block here) and known within
  // the bound the report states (threads x the flush threshold).
  const uint64_t peak = report["peak_heap_bytes"].get<uint64_t>();
  const uint64_t bound = report["peak_heap_bound_bytes"].get<uint64_t>();
  EXPECT_GT(bound, 0u);
  EXPECT_GE(peak + bound, 3200000u);
  EXPECT_LE(peak, 3200000u + bound + 65536);
  EXPECT_GE(report["totals"]["allocations"].get<uint64_t>(), 3200u);
  double estimated = 0;
  for (const json& site : report["peak_sites"]) {
    if (site["function"] == "worker_allocate") estimated = site["bytes"].get<double>();
  }
  // Standard error of the estimate is ~8% here; 35% is > 4 standard errors.
  EXPECT_NEAR(estimated, 3200000.0, 0.35 * 3200000.0) << report["peak_sites"].dump(1);
}

TEST(Shim, GarbageSettingsOrNoCollectorLeaveTheProgramUntracedWithOneLine) {
  for (const char* variable : {"MEMWRAP_BUFFER", "MEMWRAP_STACKS", "MEMWRAP_STACK_DEPTH"}) {
    setenv("MEMWRAP_SOCKET", "memwrap-no-such-collector", 1);
    setenv(variable, "garbage", 1);
    setenv("LD_PRELOAD", test_support::BuiltFile("libmemwrap_preload.so"), 1);
    CommandResult run = RunProgram({test_support::BuiltFile("exit_with"), "9"});
    unsetenv("LD_PRELOAD");
    unsetenv(variable);
    unsetenv("MEMWRAP_SOCKET");
    EXPECT_EQ(run.exit_code(), 9) << variable;
    EXPECT_NE(run.err.find(variable), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
  setenv("MEMWRAP_SOCKET", "memwrap-no-such-collector", 1);
  setenv("LD_PRELOAD", test_support::BuiltFile("libmemwrap_preload.so"), 1);
  CommandResult run = RunProgram({test_support::BuiltFile("exit_with"), "9"});
  unsetenv("LD_PRELOAD");
  unsetenv("MEMWRAP_SOCKET");
  EXPECT_EQ(run.exit_code(), 9);
  EXPECT_NE(run.err.find("no memwrap collector"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

// A sandbox that forbids sockets is not a missing collector: the shim says which, and memwrap
// itself says it cannot make its socket (one line each).
TEST(Shim, ADeniedSocketIsNamedAsSuchNotAsAMissingCollector) {
  // The variables reach only the program (env runs after the filter is in place).
  CommandResult shim = RunProgram(
      {test_support::BuiltFile("deny_socket"), "/usr/bin/env",
       std::string("LD_PRELOAD=") + test_support::BuiltFile("libmemwrap_preload.so"),
       "MEMWRAP_SOCKET=memwrap-no-such-collector", test_support::BuiltFile("exit_with"), "9"});
  EXPECT_EQ(shim.exit_code(), 9);
  EXPECT_NE(shim.err.find("cannot create a socket to reach the memwrap collector"),
            std::string::npos)
      << shim.err;
  EXPECT_NE(shim.err.find("Permission denied"), std::string::npos) << shim.err;
  EXPECT_EQ(shim.err.find("no memwrap collector"), std::string::npos) << shim.err;
  EXPECT_EQ(std::count(shim.err.begin(), shim.err.end(), '\n'), 1) << shim.err;

  ScratchDir dir;
  CommandResult memwrap =
      RunProgram({test_support::BuiltFile("deny_socket"), kMemwrap, "-o", dir.File("t.mwt"),
                  test_support::BuiltFile("exit_with"), "0"});
  EXPECT_EQ(memwrap.exit_code(), 2);
  EXPECT_NE(memwrap.err.find("cannot create the socket traced processes report to"),
            std::string::npos)
      << memwrap.err;
  EXPECT_NE(memwrap.err.find("Permission denied"), std::string::npos) << memwrap.err;
  EXPECT_EQ(std::count(memwrap.err.begin(), memwrap.err.end(), '\n'), 1) << memwrap.err;
}

// The shim makes no system call of its own once the program is in seccomp: strict mode (only
// read, write, _exit, sigreturn) and a filter that kills at anything but the heap's few calls,
// installed with prctl or with the seccomp system call through syscall().
// The program lives, and every allocation is recorded.
TEST(Shim, ProgramsInSeccompRunAsWithoutMemwrapAndAreRecorded) {
  for (const char* mode : {"strict", "filter", "raw-filter"}) {
    CommandResult plain = RunProgram({test_support::BuiltFile("seccomp_heap"), mode});
    ASSERT_EQ(plain.exit_code(), 0) << mode << ": without memwrap: " << plain.status;
    ScratchDir dir;
    auto [run, report] = Record(dir, {}, {test_support::BuiltFile("seccomp_heap"), mode});
    EXPECT_EQ(run.exit_code(), 0) << mode << ": status " << run.status << " " << run.err;
    EXPECT_EQ(run.out, plain.out) << mode;
    auto truth = Truth(run.out);
    EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), truth["allocations"]) << mode;
    // Every event has a time within the run, in strict mode too, where the thread can read no
    // clock and the collector times its records.
    EXPECT_GT(report["peak_heap_time_ns"].get<uint64_t>(), 0u) << mode;
    EXPECT_LE(report["peak_heap_time_ns"].get<uint64_t>(), report["duration_ns"].get<uint64_t>())
        << mode;
    for (const json& site : report["peak_sites"]) {
      EXPECT_EQ(site["function"], "main") << mode << ": " << site.dump();
    }
  }
}

TEST(Shim, BadRecordingOptionsAreUsageErrors) {
  for (std::vector<std::string> options : {std::vector<std::string>{"--buffer", "1000"},
                                           {"--buffer", "2GiB"},
                                           {"--on-full", "wait"},
                                           {"--stacks", "some"},
                                           {"--stack-depth", "0"},
                                           {"--sample-bytes", "10"}}) {
    std::vector<std::string> argv = {kMemwrap};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(test_support::BuiltFile("exit_with"));
    CommandResult run = RunProgram(argv);
    EXPECT_EQ(run.exit_code(), 2) << options[0] << " " << options[1];
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
}

}  // namespace
}  // namespace memwrap
