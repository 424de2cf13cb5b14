// --stacks=sampled against known truth: the programs know what they allocate (and full mode,
// which records every event, confirms it), and the report's exact figures must equal it, its
// peak must lie within the bound it states, its sites (caller tables) must be exact, and what
// stays estimated (exports) within 10% of the truth.
#include <gtest/gtest.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/external_tool.h"
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

struct Recording {
  CommandResult run;
  json report;
  uint64_t trace_bytes = 0;
};

Recording Record(const std::string& trace, const std::vector<std::string>& options,
                 const std::vector<std::string>& program) {
  std::vector<std::string> argv = {kMemwrap, "-q", "-o", trace};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.insert(argv.end(), program.begin(), program.end());
  Recording recording;
  recording.run = RunProgram(argv);
  recording.report = ReportJson(trace);
  struct stat info {};
  if (stat(trace.c_str(), &info) == 0) recording.trace_bytes = uint64_t(info.st_size);
  return recording;
}

const json* SiteNamed(const json& sites, const std::string& function) {
  for (const json& site : sites) {
    if (site["function"] == function) return &site;
  }
  return nullptr;
}

class SampledMode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir;
    // A fixed seed: the same samples on every run. Without one, the 64-byte site's estimate is
    // off by more than 10% with probability ~1e-5 (10% is 4.5 standard errors) and the 4 KiB
    // site's with probability ~1e-3 (3.3 standard errors): see the first test.
    sampled_ = new Recording(
        Record(dir_->File("sampled.mwt"),
               {"--stacks=sampled", "--sample-bytes", "32KiB", "--sample-seed", "12345"},
               {test_support::BuiltFile("sampled_sites")}));
    full_ = new Recording(
        Record(dir_->File("full.mwt"), {}, {test_support::BuiltFile("sampled_sites")}));
  }
  static void TearDownTestSuite() {
    delete sampled_;
    delete full_;
    delete dir_;
  }
  static ScratchDir* dir_;
  static Recording* sampled_;
  static Recording* full_;
};
ScratchDir* SampledMode::dir_ = nullptr;
Recording* SampledMode::sampled_ = nullptr;
Recording* SampledMode::full_ = nullptr;

// The two sites allocate from one call instruction each, in the program: the caller tables
// count them exactly (format 1.7), so the report gives their exact figures, says so, and
// states no standard error.
TEST_F(SampledMode, SitesAreExactCounts) {
  ASSERT_EQ(sampled_->run.exit_code(), 0) << sampled_->run.err;
  const json& report = sampled_->report;
  ASSERT_FALSE(report["sampled"].is_null()) << report.dump(1);
  EXPECT_EQ(report["sampled"]["sample_bytes"].get<uint64_t>(), 32768u);
  EXPECT_EQ(report["sampled"]["caller_counts_exact"], true);
  struct Truth {
    const char* function;
    uint64_t bytes, calls;
  };
  for (const Truth& truth :
       {Truth{"small_blocks", 64ull << 20, 1048576}, Truth{"page_blocks", 32ull << 20, 8192}}) {
    const json* site = SiteNamed(report["top_sites_by_bytes"], truth.function);
    ASSERT_NE(site, nullptr) << truth.function << report["top_sites_by_bytes"].dump(1);
    EXPECT_EQ((*site)["bytes_allocated"].get<uint64_t>(), truth.bytes) << truth.function;
    EXPECT_EQ((*site)["allocations"].get<uint64_t>(), truth.calls) << truth.function;
    EXPECT_EQ((*site)["exact_counts"], true) << site->dump(1);
    EXPECT_FALSE(site->contains("bytes_allocated_standard_error")) << site->dump(1);
    // The site still shows a sampled stack.
    EXPECT_FALSE((*site)["stack"].empty()) << site->dump(1);
  }
  // The text report says which figures are exact.
  CommandResult text = RunProgram({kMemwrap, "report", dir_->File("sampled.mwt")});
  EXPECT_NE(text.out.find("Most bytes allocated, EXACT counts unless marked +-:"),
            std::string::npos)
      << text.out;
}

TEST_F(SampledMode, CountsAndTotalsAreExactlyFullModes) {
  ASSERT_EQ(full_->run.exit_code(), 0) << full_->run.err;
  const json& sampled = sampled_->report["totals"];
  const json& full = full_->report["totals"];
  EXPECT_GE(full["allocations"].get<uint64_t>(), 1048576u + 8192u);
  EXPECT_EQ(sampled["allocations"], full["allocations"]);
  EXPECT_EQ(sampled["frees"], full["frees"]);
  EXPECT_EQ(sampled["bytes_allocated"], full["bytes_allocated"]);
  EXPECT_EQ(sampled_->report["sampled"]["allocations"], full["allocations"]);
  EXPECT_EQ(sampled_->report["sampled"]["final"], true);
  // Every block is freed: the usable bytes freed are those allocated.
  EXPECT_EQ(sampled_->report["sampled"]["usable_bytes_allocated"],
            sampled_->report["sampled"]["usable_bytes_freed"]);
  EXPECT_EQ(sampled_->report["sampled"]["live_at_end_bytes"].get<uint64_t>(), 0u);
}

TEST_F(SampledMode, EverySampledBlocksFreeIsMatched) {
  const json& report = sampled_->report;
  // Thousands of samples, all freed by the program: none may look live at the end.
  EXPECT_GT(report["sampled"]["samples"].get<uint64_t>(), 1000u);
  EXPECT_EQ(report["sampled"]["samples_untracked"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["totals"]["untracked_frees"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["leaked_bytes"].get<uint64_t>(), 0u);
  EXPECT_TRUE(report["leak_sites"].empty()) << report["leak_sites"].dump(1);
}

TEST_F(SampledMode, TheTraceIsATwentiethOfFullModesAndSaysItIsSampled) {
  ASSERT_GT(full_->trace_bytes, 0u);
  EXPECT_LE(sampled_->trace_bytes * 20, full_->trace_bytes)
      << sampled_->trace_bytes << " vs " << full_->trace_bytes;
  CommandResult text = RunProgram({kMemwrap, "report", dir_->File("sampled.mwt")});
  EXPECT_NE(text.out.find("SAMPLED trace"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Temporary allocations: not available in a sampled trace"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(sampled_->report["temporary_allocations"], nullptr);
  EXPECT_EQ(sampled_->report["peak_heap_time_ns"], nullptr);
}

// Every reader says the trace is sampled, and gives no per-event figure it has not got.
TEST_F(SampledMode, EveryReaderSaysTheTraceIsSampled) {
  const std::string trace = dir_->File("sampled.mwt");
  const uint64_t peak = sampled_->report["peak_heap_bytes"].get<uint64_t>();
  const uint64_t bound = sampled_->report["peak_heap_bound_bytes"].get<uint64_t>();
  ASSERT_GT(bound, 0u);

  // timeline: the heap from the counters, never above the peak's upper end.
  CommandResult timeline = RunProgram({kMemwrap, "timeline", "--format", "jsonl", trace});
  ASSERT_EQ(timeline.exit_code(), 0) << timeline.err;
  EXPECT_NE(timeline.err.find("sampled trace"), std::string::npos) << timeline.err;
  size_t lines = 0;
  std::istringstream rows(timeline.out);
  for (std::string line; std::getline(rows, line); ++lines) {
    const json row = json::parse(line);
    EXPECT_EQ(row["sampled"], true);
    EXPECT_NE(row["kind"], "peak");  // spikes between counter readings are not recorded
    EXPECT_LE(row["heap_bytes"].get<uint64_t>(), peak + bound);
  }
  EXPECT_GT(lines, 0u);

  // check: a limit between the peak and its upper end fails, and says why.
  CommandResult check =
      RunProgram({kMemwrap, "check", "--max-peak-heap", std::to_string(peak + bound / 2), trace});
  EXPECT_EQ(check.exit_code(), 1) << check.out << check.err;
  EXPECT_NE(check.out.find("sampled trace: judged at its upper end"), std::string::npos)
      << check.out;
  CommandResult pass =
      RunProgram({kMemwrap, "check", "--max-peak-heap", std::to_string(peak + bound), trace});
  EXPECT_EQ(pass.exit_code(), 0) << pass.out << pass.err;

  // diff, exports, plot.
  CommandResult diff = RunProgram({kMemwrap, "diff", dir_->File("full.mwt"), trace});
  ASSERT_EQ(diff.exit_code(), 0) << diff.err;
  EXPECT_NE(diff.out.find("SAMPLED trace " + trace), std::string::npos) << diff.out;
  const std::string massif = dir_->File("massif.out");
  CommandResult exported =
      RunProgram({kMemwrap, "export", "--format", "massif", trace, "-o", massif});
  ASSERT_EQ(exported.exit_code(), 0) << exported.err;
  EXPECT_NE(test_support::ReadFile(massif).find("desc: memwrap export --format massif " + trace +
                                                " (SAMPLED trace"),
            std::string::npos);
  EXPECT_NE(exported.err.find("sampled trace"), std::string::npos) << exported.err;
  const std::string page = dir_->File("plot.html");
  CommandResult plot = RunProgram({kMemwrap, "plot", trace, "-o", page});
  ASSERT_EQ(plot.exit_code(), 0) << plot.err;
  EXPECT_NE(test_support::ReadFile(page).find("SAMPLED trace"), std::string::npos);
}

// The exports of a sampled trace estimate the known sites as the report does: folded and
// pprof weigh each sample by 1/probability (within 10% of the truth, as the report's sites),
// and Chrome's counters come from the exact counters, never above the peak's upper end.
TEST_F(SampledMode, ExportsEstimateTheKnownSites) {
  const std::string trace = dir_->File("sampled.mwt");
  auto exported = [&](const std::vector<std::string>& options, const std::string& name) {
    std::vector<std::string> argv = {kMemwrap, "export"};
    argv.insert(argv.end(), options.begin(), options.end());
    const std::string out = dir_->File(name);
    argv.insert(argv.end(), {trace, "-o", out});
    CommandResult result = RunProgram(argv);
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_NE(result.err.find("sampled trace"), std::string::npos) << result.err;
    return test_support::ReadFile(out);
  };
  struct Truth {
    const char* function;
    double bytes;
  };
  const Truth truths[] = {{"small_blocks", 64.0 * 1024 * 1024},
                          {"page_blocks", 32.0 * 1024 * 1024}};

  // folded: the values of the stacks whose innermost frame is the site add up to its estimate.
  std::istringstream folded(exported({"--format", "folded", "--metric", "allocated"}, "a.folded"));
  double by_site[2] = {0, 0};
  for (std::string line; std::getline(folded, line);) {
    const size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    const std::string stack = line.substr(0, space);
    const std::string innermost = stack.substr(stack.rfind(';') + 1);
    for (size_t i = 0; i < 2; ++i) {
      if (innermost == truths[i].function) by_site[i] += std::stod(line.substr(space + 1));
    }
  }
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(by_site[i], truths[i].bytes, 0.10 * truths[i].bytes) << truths[i].function;
  }

  // chrome: the heap counters are the exact counters' readings, within the peak's upper end.
  const json chrome = json::parse(exported({"--format", "chrome"}, "c.json"));
  const uint64_t peak = sampled_->report["peak_heap_bytes"].get<uint64_t>();
  const uint64_t bound = sampled_->report["peak_heap_bound_bytes"].get<uint64_t>();
  uint64_t counters = 0;
  for (const json& event : chrome["traceEvents"]) {
    if (event["ph"] != "C") continue;
    ++counters;
    EXPECT_LE(event["args"]["heap_bytes"].get<uint64_t>(), peak + bound);
  }
  EXPECT_GT(counters, 0u);

  // pprof, read by go tool pprof: small_blocks on top of the bytes allocated, at its estimate.
  MEMWRAP_REQUIRE_TOOL(go, "go", "golang-go");
  exported({"--format", "pprof"}, "heap.pb.gz");
  CommandResult top = RunProgram(
      {"/usr/bin/env", "HOME=" + dir_->path(), "GOCACHE=" + dir_->File("gocache"), go, "tool",
       "pprof", "-top", "-unit=B", "-sample_index=alloc_space", dir_->File("heap.pb.gz")});
  ASSERT_EQ(top.exit_code(), 0) << top.err;
  std::istringstream rows(top.out);
  std::string line;
  while (std::getline(rows, line) && line.find("flat%") == std::string::npos) {
  }
  ASSERT_TRUE(std::getline(rows, line)) << top.out;
  EXPECT_NE(line.find("small_blocks"), std::string::npos) << top.out;
  // The row starts with the flat bytes ("67108864B" or so): within 10% of 64 MiB.
  const double flat = std::stod(line.substr(line.find_first_not_of(' ')));
  EXPECT_NEAR(flat, truths[0].bytes, 0.10 * truths[0].bytes) << top.out;
}

// 32 threads hold 256 blocks of 8 KiB each at once (threads_alloc), after 20 short-lived
// small blocks each: the peak must lie within the bound the report states, a bound of threads x the
// flush threshold that is small beside the peak.
// The sum of a function's sites (a site is a source line) in a report's list.
struct SiteSum {
  uint64_t calls = 0, bytes = 0;
  bool all_exact = true;
  int sites = 0;
};
SiteSum SumOfFunction(const json& sites, const std::string& function) {
  SiteSum sum;
  for (const json& site : sites) {
    if (site["function"] != function) continue;
    sum.calls += site["allocations"].get<uint64_t>();
    sum.bytes += site["bytes_allocated"].get<uint64_t>();
    sum.all_exact &= site.value("exact_counts", false);
    ++sum.sites;
  }
  return sum;
}

// Sites far below --sample-bytes, through every entry point, from several threads, and from
// more call instructions than a thread's caller table holds: all reported with their exact
// calls and bytes (tests/programs/caller_totals.cpp states the truth). Also when the process
// dies of SIGKILL: the collector reads the tables from the ring after the process is gone.
void ExpectCallerTotalsExact(const std::string& how) {
  ScratchDir dir;
  std::vector<std::string> program = {test_support::BuiltFile("caller_totals")};
  if (!how.empty()) program.push_back(how);
  const Recording recording = Record(dir.File("callers.mwt"), {"--stacks=sampled"}, program);
  if (how.empty()) {
    ASSERT_EQ(recording.run.exit_code(), 0) << recording.run.err;
  } else {
    ASSERT_NE(recording.run.exit_code(), 0) << "the program was not killed";
  }
  const json& report = recording.report;
  ASSERT_FALSE(report["sampled"].is_null()) << report.dump(1);
  EXPECT_EQ(report["sampled"]["sample_bytes"].get<uint64_t>(), 512u * 1024);
  EXPECT_EQ(report["sampled"]["caller_counts_exact"], true);
  struct Truth {
    const char* function;
    uint64_t calls, bytes;
  };
  for (const Truth& truth :
       {Truth{"three_small", 3, 300}, Truth{"with_calloc", 2, 200}, Truth{"with_realloc", 3, 60},
        Truth{"from_threads_site", 4000, 192000}, Truth{"many_callers", 6000, 96000},
        Truth{"with_new", 5, 500}, Truth{"with_strdup", 7, 700}, Truth{"with_string", 4, 804}}) {
    const SiteSum sum = SumOfFunction(report["top_sites_by_calls"], truth.function);
    ASSERT_EQ(sum.sites, 1) << truth.function << report["top_sites_by_calls"].dump(1);
    EXPECT_EQ(sum.calls, truth.calls) << truth.function;
    EXPECT_EQ(sum.bytes, truth.bytes) << truth.function;
    EXPECT_TRUE(sum.all_exact) << truth.function;
  }
  // Every call is at some site, the C++ runtime's own emergency pool (allocated with no
  // program frame on the stack) included: the sites add up to the totals.
  uint64_t site_calls = 0, site_bytes = 0;
  for (const json& site : report["top_sites_by_calls"]) {
    site_calls += site["allocations"].get<uint64_t>();
    site_bytes += site["bytes_allocated"].get<uint64_t>();
  }
  ASSERT_LT(report["top_sites_by_calls"].size(), 50u) << "more sites than the report lists";
  EXPECT_EQ(site_calls, report["totals"]["allocations"].get<uint64_t>());
  EXPECT_EQ(site_bytes, report["totals"]["bytes_allocated"].get<uint64_t>());
}

TEST(SampledModeCallerTotals, SmallSitesAreCountedExactly) {
  ExpectCallerTotalsExact("");
}

TEST(SampledModeCallerTotals, AKilledProcessLosesNoCount) {
  ExpectCallerTotalsExact("kill");
}

// Blocks the C library allocates for a program (a FILE and its stdio buffer, far below
// --sample-bytes) are counted at the program's site with the calls and bytes a full-mode
// recording of the same program, which sees every block with its stack, puts there.
TEST(SampledModeCallerTotals, RuntimeAllocationsCountAtTheProgramsSiteAsInFullMode) {
  ScratchDir dir;
  const std::vector<std::string> program = {test_support::BuiltFile("caller_totals")};
  const Recording sampled = Record(dir.File("sampled.mwt"), {"--stacks=sampled"}, program);
  const Recording full = Record(dir.File("full.mwt"), {}, program);
  ASSERT_EQ(sampled.run.exit_code(), 0) << sampled.run.err;
  ASSERT_EQ(full.run.exit_code(), 0) << full.run.err;
  for (const char* function : {"with_stdio", "with_strdup", "with_string"}) {
    const SiteSum truth = SumOfFunction(full.report["top_sites_by_calls"], function);
    const SiteSum counted = SumOfFunction(sampled.report["top_sites_by_calls"], function);
    ASSERT_EQ(truth.sites, 1) << function << full.report["top_sites_by_calls"].dump(1);
    ASSERT_EQ(counted.sites, 1) << function << sampled.report["top_sites_by_calls"].dump(1);
    EXPECT_GE(truth.calls, 2u) << function;
    EXPECT_EQ(counted.calls, truth.calls) << function;
    EXPECT_EQ(counted.bytes, truth.bytes) << function;
    EXPECT_TRUE(counted.all_exact) << function;
  }
}

TEST(SampledModePeak, ManyThreadsPeakIsWithinItsStatedBound) {
  ScratchDir dir;
  const int threads = 32, blocks = 256;
  const size_t size = 8192;
  Recording recording = Record(dir.File("t.mwt"), {"--stacks=sampled"},
                               {test_support::BuiltFile("threads_alloc"), std::to_string(threads),
                                std::to_string(blocks), std::to_string(size), "20"});
  ASSERT_EQ(recording.run.exit_code(), 0) << recording.run.err;
  const json& report = recording.report;
  ASSERT_FALSE(report["sampled"].is_null());
  // The peak is counted in usable bytes: what this same allocator gives for the block size.
  void* probe = malloc(size);
  const uint64_t usable = malloc_usable_size(probe);
  free(probe);
  const uint64_t held = uint64_t(threads) * blocks * usable;
  const uint64_t peak = report["peak_heap_bytes"].get<uint64_t>();
  const uint64_t bound = report["peak_heap_bound_bytes"].get<uint64_t>();
  const uint64_t counted = report["sampled"]["threads"].get<uint64_t>();
  EXPECT_GE(counted, uint64_t(threads));
  EXPECT_LE(counted, uint64_t(threads) + 2);  // the main thread, at most one other
  EXPECT_EQ(bound, counted * report["sampled"]["flush_bytes"].get<uint64_t>());
  EXPECT_LT(bound * 10, held);  // a bound that says something
  // Beside the held blocks the program has at most a few small ones live (its churn's, one
  // per thread, and the C library's): 64 KiB of slack.
  EXPECT_GE(peak + bound, held);
  EXPECT_LE(peak, held + bound + 65536);
  // Counts are exact: every block and every churn block allocated, and freed.
  const uint64_t program_blocks = uint64_t(threads) * blocks * (1 + 20);
  EXPECT_GE(report["totals"]["allocations"].get<uint64_t>(), program_blocks);
  EXPECT_LE(report["totals"]["allocations"].get<uint64_t>(), program_blocks + 64);
}

// Chains of reallocs (realloc_chain: in place, moving, across the mmap threshold, realloc(p, 0))
// at --sample-bytes 64KiB, so that both the hook's inline path and the full one carry them:
// counts and bytes are the program's, and since it frees everything, nothing is live at the
// end, by the counters (usable bytes freed = allocated) or by the samples.
TEST(SampledModeRealloc, ChainsOfReallocsAreCountedExactly) {
  ScratchDir dir;
  Recording recording = Record(dir.File("t.mwt"), {"--stacks=sampled", "--sample-bytes=64KiB"},
                               {test_support::BuiltFile("realloc_chain")});
  ASSERT_EQ(recording.run.exit_code(), 0) << recording.run.err;
  const json& report = recording.report;
  std::istringstream lines(recording.run.out);
  std::string line;
  std::map<std::string, uint64_t> truth;
  while (std::getline(lines, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) truth[line.substr(0, eq)] = std::stoull(line.substr(eq + 1));
  }
  ASSERT_EQ(truth.size(), 3u) << recording.run.out;
  EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), truth["expected_allocations"]);
  EXPECT_EQ(report["totals"]["frees"].get<uint64_t>(), truth["expected_frees"]);
  EXPECT_EQ(report["totals"]["bytes_allocated"].get<uint64_t>(), truth["expected_bytes"]);
  EXPECT_EQ(report["sampled"]["usable_bytes_allocated"], report["sampled"]["usable_bytes_freed"]);
  EXPECT_EQ(report["sampled"]["live_at_end_bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(report["sampled"]["samples"].get<uint64_t>(), 500u);
  EXPECT_EQ(report["totals"]["untracked_frees"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["leaked_bytes"].get<uint64_t>(), 0u);
}

// Per-thread figures, exact in sampled mode as in full mode (from the shim's per-thread
// counters, format 1.6): the same threads with the same allocations, free() calls and bytes.
// thread_churn runs 1,280 short threads, 64 at a time, so counter slots are reused by thread
// after thread; threads_alloc's 32 threads live together; realloc_chain's reallocs are not
// free() calls.
TEST(SampledModeThreads, PerThreadFiguresAreFullModes) {
  const std::vector<std::vector<std::string>> programs = {
      {test_support::BuiltFile("thread_churn"), "20", "50"},
      {test_support::BuiltFile("threads_alloc"), "32", "256", "8192", "20"},
      {test_support::BuiltFile("realloc_chain")}};
  for (const std::vector<std::string>& program : programs) {
    SCOPED_TRACE(program[0]);
    ScratchDir dir;
    Recording full = Record(dir.File("full.mwt"), {}, program);
    Recording sampled = Record(dir.File("sampled.mwt"), {"--stacks=sampled"}, program);
    ASSERT_EQ(full.run.exit_code(), 0) << full.run.err;
    ASSERT_EQ(sampled.run.exit_code(), 0) << sampled.run.err;
    // Thread ids differ between the runs: the figures are compared as sorted lists.
    auto figures = [](const json& report) {
      std::vector<std::tuple<uint64_t, uint64_t, uint64_t>> threads;
      for (const json& thread : report["processes"][0]["threads"]) {
        threads.emplace_back(thread["allocations"].get<uint64_t>(), thread["frees"].get<uint64_t>(),
                             thread["bytes_allocated"].get<uint64_t>());
      }
      std::sort(threads.begin(), threads.end());
      return threads;
    };
    const auto full_threads = figures(full.report);
    ASSERT_FALSE(full_threads.empty());
    EXPECT_EQ(figures(sampled.report), full_threads);
  }
}

}  // namespace
}  // namespace memwrap
