// memwrap plot of system logs (dlogger, cronlogger) and of a parallel job's rank traces, on
// hand-made traces with known values: the page's data holds the exact bytes and percentages
// per host, and per host of a job the exact peak of the ranks' summed heap on the aligned
// clock; headless Chromium draws the views and tables. A real `memwrap sys` log is plotted
// too, its total memory checked against /proc/meminfo.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "memwrap/records.h"
#include "tests/external_tool.h"
#include "tests/plot_page.h"
#include "tests/synthetic_trace.h"
#include "tests/test_support.h"
#include "tracefile/trace_writer.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::Chromium;
using test_support::CommandResult;
using test_support::PageData;
using test_support::ReadFile;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
constexpr uint64_t kGiB = 1ull << 30, kMiB = 1ull << 20;
constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kWallClock = 1'790'000'000 * kSecond;  // the first sample's wall time

// One sample of system memory, as the memory module writes it.
struct MemorySample {
  uint64_t realtime_ns;
  uint64_t total, used, free, available, buffers, cache, swap_total, swap_used;
};

// A system log as dlogger writes it: session info, then one chunk of pid 0 per sample (a
// sample start naming the host, then SYSTEM_MEMORY).
void WriteSystemLog(const std::string& path, const std::string& host,
                    const std::vector<MemorySample>& samples) {
  TraceWriter writer(path);
  writer.WriteSessionInfo({{"trace_kind", "system"},
                           {"recorder", "dlogger"},
                           {"host", host},
                           {"modules", "memory"},
                           {"sample_interval_ns", std::to_string(kSecond)}});
  uint64_t number = 0;
  for (const MemorySample& s : samples) {
    const uint64_t ts = 1000 + number;
    SystemItemRecord start{};
    start.h = {sizeof(start), uint16_t(RecordType::kSystemItem),
               uint16_t(SystemItemKind::kSampleStart)};
    start.ts_ns = ts;
    snprintf(start.name, sizeof(start.name), "%s", host.c_str());
    start.values[0] = s.realtime_ns;
    start.values[1] = number++;
    start.values[2] = kSecond;
    SystemMemoryRecord memory{};
    memory.h = {sizeof(memory), uint16_t(RecordType::kSystemMemory), 0};
    memory.ts_ns = ts;
    memory.total = s.total;
    memory.used = s.used;
    memory.free = s.free;
    memory.available = s.available;
    memory.buffers = s.buffers;
    memory.cache = s.cache;
    memory.swap_total = s.swap_total;
    memory.swap_used = s.swap_used;
    std::vector<uint8_t> chunk(sizeof(start) + sizeof(memory));
    memcpy(chunk.data(), &start, sizeof(start));
    memcpy(chunk.data() + sizeof(start), &memory, sizeof(memory));
    writer.WriteRecords(0, chunk.data(), chunk.size());
  }
  writer.Finish();
}

// Host alpha: 4 GiB, 1 GiB of swap; used 1, 2, 3, 2, 1 GiB at 0..4 s; swap used 0, 256, 512,
// 256, 0 MiB; buffers 100 MiB and cache 400 MiB throughout.
MemorySample Alpha(uint64_t second) {
  const uint64_t used[] = {1, 2, 3, 2, 1};
  const uint64_t swap[] = {0, 256, 512, 256, 0};
  const uint64_t u = used[second] * kGiB;
  return {kWallClock + second * kSecond,
          4 * kGiB,
          u,
          4 * kGiB - u - 500 * kMiB,
          4 * kGiB - u,
          100 * kMiB,
          400 * kMiB,
          kGiB,
          swap[second] * kMiB};
}

// Host beta: 2 GiB, no swap, 512 MiB used, sampled from 0.5 s to 2.5 s.
MemorySample Beta(uint64_t sample) {
  return {kWallClock + kSecond / 2 + sample * kSecond,
          2 * kGiB,
          512 * kMiB,
          kGiB,
          1536 * kMiB,
          0,
          512 * kMiB,
          0,
          0};
}

std::vector<uint64_t> Values(const json& points) {
  std::vector<uint64_t> values;
  for (const json& p : points) values.push_back(p[1].get<uint64_t>());
  return values;
}
std::vector<double> Shares(const json& points) {
  std::vector<double> values;
  for (const json& p : points) values.push_back(p[1].get<double>());
  return values;
}
std::vector<uint64_t> Times(const json& points) {
  std::vector<uint64_t> times;
  for (const json& p : points) times.push_back(p[0].get<uint64_t>());
  return times;
}

// Two hosts, alpha's samples split over two logs (a cronlogger file per day, say) given out
// of order.
struct TwoHosts {
  ScratchDir dir;
  std::string alpha_late = dir.File("alpha.2.mwt"), alpha_early = dir.File("alpha.1.mwt"),
              beta = dir.File("beta.mwt"), page = dir.File("system.html");
  TwoHosts() {
    WriteSystemLog(alpha_early, "alpha", {Alpha(0), Alpha(1), Alpha(2)});
    WriteSystemLog(alpha_late, "alpha", {Alpha(3), Alpha(4)});
    WriteSystemLog(beta, "beta", {Beta(0), Beta(1), Beta(2)});
    CommandResult run = RunProgram({kMemwrap, "plot", alpha_late, beta, alpha_early, "-o", page});
    EXPECT_EQ(run.exit_code(), 0) << run.err;
  }
};

TEST(PlotSystem, DataHoldsEachHostsMemoryInBytesAndPercentOnTheWallClock) {
  TwoHosts logs;
  const std::string html = ReadFile(logs.page);
  EXPECT_NE(html.find("id=\"system-section\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"chart-section\""), std::string::npos) << "no program, no heap chart";
  EXPECT_EQ(html.find("id=\"flame-section\""), std::string::npos);
  const json data = PageData(html);
  ASSERT_EQ(data["traces"].size(), 0u);
  const json& systems = data["systems"];
  EXPECT_EQ(systems["origin_realtime_ns"].get<uint64_t>(), kWallClock);
  ASSERT_EQ(systems["hosts"].size(), 2u);
  const json& alpha = systems["hosts"][0];
  const json& beta = systems["hosts"][1];
  EXPECT_EQ(alpha["host"], "alpha");
  EXPECT_EQ(alpha["traces"], json({logs.alpha_late, logs.alpha_early}));
  EXPECT_EQ(alpha["recorder"], "dlogger");
  EXPECT_EQ(alpha["samples"], 5);
  EXPECT_EQ(alpha["total_bytes"].get<uint64_t>(), 4 * kGiB);
  EXPECT_EQ(alpha["swap_total_bytes"].get<uint64_t>(), kGiB);
  const json& series = alpha["series"];
  const std::vector<uint64_t> seconds = {0, kSecond, 2 * kSecond, 3 * kSecond, 4 * kSecond};
  EXPECT_EQ(Times(series["used"]), seconds) << "the two logs in time order";
  EXPECT_EQ(Values(series["used"]),
            (std::vector<uint64_t>{kGiB, 2 * kGiB, 3 * kGiB, 2 * kGiB, kGiB}));
  EXPECT_EQ(Values(series["available"]),
            (std::vector<uint64_t>{3 * kGiB, 2 * kGiB, kGiB, 2 * kGiB, 3 * kGiB}));
  EXPECT_EQ(Values(series["buffers_cache"]), std::vector<uint64_t>(5, 500 * kMiB));
  EXPECT_EQ(Values(series["free"])[2], kGiB - 500 * kMiB);
  EXPECT_EQ(Values(series["total"]), std::vector<uint64_t>(5, 4 * kGiB));
  EXPECT_EQ(Values(series["swap_total"]), std::vector<uint64_t>(5, kGiB));
  EXPECT_EQ(Values(series["swap_used"]),
            (std::vector<uint64_t>{0, 256 * kMiB, 512 * kMiB, 256 * kMiB, 0}));
  EXPECT_EQ(Shares(series["used_percent"]), (std::vector<double>{25, 50, 75, 50, 25}));
  EXPECT_EQ(Shares(series["available_percent"]), (std::vector<double>{75, 50, 25, 50, 75}));
  EXPECT_EQ(Shares(series["swap_used_percent"]), (std::vector<double>{0, 25, 50, 25, 0}));
  EXPECT_EQ(Shares(series["buffers_cache_percent"]), std::vector<double>(5, 12.20703125));
  EXPECT_EQ(alpha["peak_used"],
            json({{"bytes", 3 * kGiB}, {"percent", 75.0}, {"time_ns", 2 * kSecond}}));
  EXPECT_EQ(alpha["peak_swap_used"],
            json({{"bytes", 512 * kMiB}, {"percent", 50.0}, {"time_ns", 2 * kSecond}}));

  EXPECT_EQ(beta["host"], "beta");
  EXPECT_EQ(Times(beta["series"]["used"]),
            (std::vector<uint64_t>{kSecond / 2, 3 * kSecond / 2, 5 * kSecond / 2}))
      << "beta's samples on alpha's clock: half a second after alpha's first";
  EXPECT_EQ(Shares(beta["series"]["used_percent"]), std::vector<double>(3, 25));
  EXPECT_EQ(Shares(beta["series"]["swap_used_percent"]), std::vector<double>(3, 0))
      << "no swap: 0%, not a division by zero";
  EXPECT_EQ(beta["swap_total_bytes"], 0);
  // The summary names each host's highest use.
  EXPECT_NE(html.find("memory used up to 3.00 GiB (3,221,225,472 bytes) of 4.00 GiB"),
            std::string::npos);
}

TEST(PlotSystem, ManySamplesAreDownsampledKeepingTheHighestUse) {
  ScratchDir dir;
  std::vector<MemorySample> samples;
  constexpr uint64_t kSamples = 20'000, kSpikeAt = 12'345;
  for (uint64_t i = 0; i < kSamples; ++i) {
    const uint64_t used = i == kSpikeAt ? 7 * kGiB : kGiB + (i * 7919) % (512 * kMiB);
    samples.push_back({kWallClock + i * kSecond, 8 * kGiB, used, 8 * kGiB - used, 8 * kGiB - used,
                       0, 0, 2 * kGiB, i == kSpikeAt ? kGiB : 0});
  }
  const std::string log = dir.File("day.mwt"), page = dir.File("day.html");
  WriteSystemLog(log, "gamma", samples);
  ASSERT_EQ(RunProgram({kMemwrap, "plot", log, "-o", page}).exit_code(), 0);
  const json host = PageData(ReadFile(page))["systems"]["hosts"][0];
  EXPECT_EQ(host["samples"], kSamples);
  for (const char* key : {"used", "used_percent", "swap_used", "swap_used_percent"}) {
    const json& points = host["series"][key];
    EXPECT_LE(points.size(), 2 * 1600u + 2) << key;
    EXPECT_GE(points.size(), 1600u) << key;
    json highest = points[0];
    for (const json& p : points) {
      if (p[1].get<double>() > highest[1].get<double>()) highest = p;
    }
    EXPECT_EQ(highest[0].get<uint64_t>(), kSpikeAt * kSecond) << key;
  }
  auto highest = [&](const char* key) {
    double best = 0;
    for (const json& p : host["series"][key]) best = std::max(best, p[1].get<double>());
    return best;
  };
  EXPECT_EQ(highest("used"), double(7 * kGiB));
  EXPECT_EQ(highest("used_percent"), 87.5);
  EXPECT_EQ(highest("swap_used_percent"), 50.0);
  EXPECT_EQ(host["peak_used"]["bytes"].get<uint64_t>(), 7 * kGiB);
}

TEST(PlotSystem, ARealSystemLogHoldsTheMachinesTotalMemory) {
  ScratchDir dir;
  const std::string log = dir.File("sys.mwt"), page = dir.File("sys.html");
  CommandResult sys = RunProgram({kMemwrap, "sys", "-o", log, "--interval", "100ms", "--duration",
                                  "300ms", "--modules", "memory"});
  ASSERT_EQ(sys.exit_code(), 0) << sys.err;
  ASSERT_EQ(RunProgram({kMemwrap, "plot", log, "-o", page}).exit_code(), 0);
  const json host = PageData(ReadFile(page))["systems"]["hosts"][0];
  EXPECT_GE(host["samples"].get<uint64_t>(), 2u);
  const std::string meminfo = ReadFile("/proc/meminfo");
  const uint64_t mem_total_kib = std::stoull(meminfo.substr(meminfo.find("MemTotal:") + 9));
  EXPECT_EQ(host["total_bytes"].get<uint64_t>(), mem_total_kib * 1024);
  for (const json& p : host["series"]["used_percent"]) {
    EXPECT_GT(p[1].get<double>(), 0.0);
    EXPECT_LT(p[1].get<double>(), 100.0);
  }
}

TEST(PlotSystem, SystemLogsAndProgramTracesAreNotMixed) {
  ScratchDir dir;
  const std::string log = dir.File("sys.mwt"), program = dir.File("app.mwt"),
                    page = dir.File("mixed.html");
  WriteSystemLog(log, "alpha", {Alpha(0)});
  test_support::SyntheticTrace synthetic(600);
  const uint64_t t = test_support::SyntheticTrace::Soon();
  synthetic.Start(t, "/bin/app");
  synthetic.Exit(t + 1000, 0);
  synthetic.Write(program);
  CommandResult run = RunProgram({kMemwrap, "plot", program, log, "-o", page});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_EQ(run.err, "memwrap plot: '" + log + "' is a system log and '" + program +
                         "' a program's trace: plot system logs and programs' traces "
                         "separately\n");
  EXPECT_FALSE(test_support::FileExists(page));
}

TEST(PlotSystem, ChromiumDrawsOneChartPerHostInEachView) {
  TwoHosts logs;
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  const std::string url = "file://" + logs.page;
  CommandResult bytes = Chromium(chromium, logs.dir, "--dump-dom", url);
  ASSERT_EQ(bytes.exit_code(), 0) << bytes.err;
  const std::string& dom = bytes.out;
  EXPECT_NE(dom.find("data-rendered=\"yes\""), std::string::npos) << "the script ran to its end";
  EXPECT_NE(dom.find("id=\"system-chart-0\" data-host=\"alpha\" data-view=\"bytes\""),
            std::string::npos);
  EXPECT_NE(dom.find("id=\"system-chart-1\" data-host=\"beta\" data-view=\"bytes\""),
            std::string::npos);
  for (const char* series : {"total", "used", "available", "buffers_cache", "free", "swap_used"}) {
    EXPECT_NE(dom.find(std::string("data-series=\"") + series + "\" data-points=\"5\""),
              std::string::npos)
        << series;
  }
  EXPECT_NE(dom.find("peak used 3.00 GiB (3,221,225,472 bytes), 75.00% of total, at 2.00 s"),
            std::string::npos);
  EXPECT_NE(dom.find("class=\"selected\">Bytes</button>"), std::string::npos);

  CommandResult percent = Chromium(chromium, logs.dir, "--dump-dom", url + "#system=percent");
  ASSERT_EQ(percent.exit_code(), 0) << percent.err;
  EXPECT_NE(percent.out.find("data-host=\"alpha\" data-view=\"percent\""), std::string::npos);
  for (const char* series : {"used_percent", "buffers_cache_percent", "swap_used_percent"}) {
    EXPECT_NE(percent.out.find(std::string("data-series=\"") + series + "\" data-points=\"5\""),
              std::string::npos)
        << series;
  }
  EXPECT_NE(percent.out.find("peak used 75.00% (3.00 GiB) at 2.00 s"), std::string::npos);
  EXPECT_NE(percent.out.find(">100%</text>"), std::string::npos) << "the axis runs to 100%";
  EXPECT_NE(percent.out.find("class=\"selected\">Percent</button>"), std::string::npos);

  CommandResult swap = Chromium(chromium, logs.dir, "--dump-dom", url + "#system=swap");
  ASSERT_EQ(swap.exit_code(), 0) << swap.err;
  EXPECT_NE(swap.out.find("data-host=\"alpha\" data-view=\"swap\""), std::string::npos);
  EXPECT_NE(swap.out.find("data-series=\"swap_total\" data-points=\"5\""), std::string::npos);
  EXPECT_NE(swap.out.find(
                "peak swap used 512.00 MiB (536,870,912 bytes), 50.00% of swap total, at 2.00 s"),
            std::string::npos);
  EXPECT_NE(swap.out.find("This host has no swap"), std::string::npos) << "beta";
}

// ---- a parallel job ---------------------------------------------------------------------------

// A rank's trace on an aligned clock: created at wall time kWallClock, when its monotonic clock
// read `monotonic`. `events`: (ms after creation, allocate?, bytes) of one block each size.
std::string WriteRank(const ScratchDir& dir, const std::string& host, int rank, uint64_t monotonic,
                      const std::vector<std::tuple<uint64_t, bool, uint64_t>>& events) {
  test_support::SyntheticTrace synthetic(100 + rank);
  synthetic.Start(monotonic + 1, "/bin/solver");
  uint64_t last = monotonic + 1;
  for (const auto& [ms, allocate, bytes] : events) {
    last = monotonic + ms * 1'000'000;
    if (allocate)
      synthetic.Alloc(last, 0x10000 + bytes, bytes, kNoStack);
    else
      synthetic.Free(last, 0x10000 + bytes);
  }
  synthetic.Exit(last + 1'000'000, 0);
  const std::string path = dir.File("run." + host + "." + std::to_string(rank) + ".mwt");
  synthetic.Write(path, {{"host", host}, {"rank", std::to_string(rank)}},
                  TraceWriter::ClockOrigin{kWallClock, monotonic});
  return path;
}

// Rank 0 (n1) holds 100 bytes from 10 to 30 ms; rank 1 (n1, its monotonic clock 5000 s ahead)
// holds 50 from 20 to 40 ms and 70 from 50 to 60 ms; rank 2 (n2) holds 30 from 10 to 20 ms.
// On the wall clock, n1's summed heap is 100, 150, 50, 0, 70, 0: peak 150 at 20 ms, though
// its ranks' own peaks add up to 170.
struct ThreeRanks {
  ScratchDir dir;
  std::vector<std::string> paths = {
      WriteRank(dir, "n1", 0, 1000 * kSecond, {{10, true, 100}, {30, false, 100}}),
      WriteRank(dir, "n1", 1, 6000 * kSecond,
                {{20, true, 50}, {40, false, 50}, {50, true, 70}, {60, false, 70}}),
      WriteRank(dir, "n2", 2, 2000 * kSecond, {{10, true, 30}, {20, false, 30}})};
  std::string page = dir.File("job.html");
  ThreeRanks() {
    CommandResult run = RunProgram({kMemwrap, "plot", paths[0], paths[1], paths[2], "-o", page});
    EXPECT_EQ(run.exit_code(), 0) << run.err;
  }
};

constexpr uint64_t kMs = 1'000'000;

TEST(PlotJob, DataHoldsRankPeaksImbalanceAndEachHostsSummedHeap) {
  ThreeRanks job;
  const std::string html = ReadFile(job.page);
  EXPECT_NE(html.find("run.n1.1.mwt</code> (host n1, rank 1): /bin/solver"), std::string::npos);
  const json data = PageData(html);
  ASSERT_EQ(data["traces"].size(), 3u) << "each rank's own chart data stays";
  EXPECT_EQ(data["traces"][1]["host"], "n1");
  EXPECT_EQ(data["traces"][1]["rank"], "1");
  const json& j = data["job"];
  EXPECT_EQ(j["origin_realtime_ns"].get<uint64_t>(), kWallClock);
  ASSERT_EQ(j["ranks"].size(), 3u);
  EXPECT_EQ(j["ranks"][0], json({{"trace", job.paths[0]},
                                 {"host", "n1"},
                                 {"rank", "0"},
                                 {"peak_heap_bytes", 100},
                                 {"peak_heap_time_ns", 10 * kMs}}));
  EXPECT_EQ(j["ranks"][1]["peak_heap_bytes"], 70);
  EXPECT_EQ(j["ranks"][1]["peak_heap_time_ns"], 50 * kMs);
  EXPECT_EQ(j["ranks"][2]["peak_heap_bytes"], 30);
  EXPECT_EQ(j["peak_heap_bytes"]["max"], 100);
  EXPECT_EQ(j["peak_heap_bytes"]["min"], 30);
  EXPECT_EQ(j["peak_heap_bytes"]["total"], 200);
  EXPECT_DOUBLE_EQ(j["peak_heap_imbalance"]["max_over_min"].get<double>(), 100.0 / 30.0);
  EXPECT_DOUBLE_EQ(j["peak_heap_imbalance"]["max_over_mean"].get<double>(), 1.5);
  ASSERT_EQ(j["hosts"].size(), 2u);
  const json& n1 = j["hosts"][0];
  EXPECT_EQ(n1["host"], "n1");
  EXPECT_EQ(n1["traces"], json({job.paths[0], job.paths[1]}));
  EXPECT_EQ(n1["peak_heap_bytes"], 150);
  EXPECT_EQ(n1["peak_heap_time_ns"], 20 * kMs);
  EXPECT_EQ(n1["peak_heap_realtime_ns"], kWallClock + 20 * kMs);
  EXPECT_EQ(n1["sum_of_trace_peaks_bytes"], 170);
  EXPECT_EQ(n1["series"], json({{10 * kMs, 100},
                                {20 * kMs, 150},
                                {30 * kMs, 50},
                                {40 * kMs, 0},
                                {50 * kMs, 70},
                                {60 * kMs, 0}}));
  const json& n2 = j["hosts"][1];
  EXPECT_EQ(n2["host"], "n2");
  EXPECT_EQ(n2["peak_heap_bytes"], 30);
  EXPECT_EQ(n2["series"], json({{10 * kMs, 30}, {20 * kMs, 0}}));
}

TEST(PlotJob, OneTraceHasNoJobSection) {
  ScratchDir dir;
  const std::string trace = WriteRank(dir, "n1", 0, 1000 * kSecond, {{10, true, 100}});
  const std::string page = dir.File("one.html");
  ASSERT_EQ(RunProgram({kMemwrap, "plot", trace, "-o", page}).exit_code(), 0);
  const std::string html = ReadFile(page);
  EXPECT_FALSE(PageData(html).contains("job"));
  EXPECT_EQ(html.find("id=\"job-section\""), std::string::npos);
}

// 2 x 10^5 heap changes on one host: the host's series is reduced to about two points per
// span of time, and its highest point is the exact peak of the sum.
TEST(PlotJob, HostSeriesOfManyChangesKeepsTheExactPeak) {
  ScratchDir dir;
  std::vector<std::string> paths;
  for (int rank = 0; rank < 2; ++rank) {
    test_support::SyntheticTrace synthetic(200 + rank);
    const uint64_t origin = (1000 + 1000 * rank) * kSecond;
    synthetic.Start(origin + 1, "/bin/solver");
    for (uint64_t i = 0; i < 50'000; ++i) {
      const uint64_t at = origin + (i + 1) * kMs + rank;
      synthetic.Alloc(at, 0x10000, 1000 + (i * 7919 + rank * 13) % 5000, kNoStack);
      // Rank 0 holds a 1 MB block from 30,001 ms + 50 ns to + 300 ns, rank 1 one of 2 MB from
      // 30,001 ms + 101 ns to + 401 ns: both are live from + 101 ns, with the small blocks of
      // that millisecond (allocated at + 0 and + 1 ns, freed at + 500 and + 501 ns).
      if (i == 30'000 && rank == 0) {
        synthetic.Alloc(at + 50, 0x900000, 1'000'000, kNoStack);
        synthetic.Free(at + 300, 0x900000);
      }
      if (i == 30'000 && rank == 1) {
        synthetic.Alloc(at + 100, 0x900000, 2'000'000, kNoStack);
        synthetic.Free(at + 400, 0x900000);
      }
      synthetic.Free(at + 500, 0x10000);
    }
    synthetic.Exit(origin + 60'000 * kMs, 0);
    paths.push_back(dir.File("rank" + std::to_string(rank) + ".mwt"));
    synthetic.Write(paths.back(), {{"host", "n1"}, {"rank", std::to_string(rank)}},
                    TraceWriter::ClockOrigin{kWallClock, origin});
  }
  const std::string page = dir.File("many.html");
  ASSERT_EQ(RunProgram({kMemwrap, "plot", paths[0], paths[1], "-o", page}).exit_code(), 0);
  const json host = PageData(ReadFile(page))["job"]["hosts"][0];
  const uint64_t small0 = 1000 + (30'000 * 7919) % 5000;
  const uint64_t small1 = 1000 + (30'000 * 7919 + 13) % 5000;
  const uint64_t peak = 3'000'000 + small0 + small1;
  EXPECT_EQ(host["peak_heap_bytes"], peak);
  EXPECT_LE(host["series"].size(), 2 * 1600u + 2);
  EXPECT_GT(host["series"].size(), 800u);
  uint64_t highest = 0, when = 0;
  for (const json& p : host["series"]) {
    if (p[1].get<uint64_t>() > highest) {
      highest = p[1].get<uint64_t>();
      when = p[0].get<uint64_t>();
    }
  }
  EXPECT_EQ(highest, peak);
  EXPECT_EQ(when, host["peak_heap_time_ns"].get<uint64_t>());
  EXPECT_EQ(when, 30'001 * kMs + 1 + 100);
}

TEST(PlotJob, ChromiumDrawsTheRanksTheHostsAndEachHostsHeapOverTime) {
  ThreeRanks job;
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  CommandResult dom = Chromium(chromium, job.dir, "--dump-dom", "file://" + job.page);
  ASSERT_EQ(dom.exit_code(), 0) << dom.err;
  const std::string& out = dom.out;
  EXPECT_NE(out.find("data-rendered=\"yes\""), std::string::npos);
  EXPECT_NE(out.find("<tr data-rank=\"0\" data-peak-bytes=\"100\"><td>run.n1.0.mwt</td><td>n1</td>"
                     "<td>0</td><td class=\"numeric\">100</td>"),
            std::string::npos);
  EXPECT_NE(out.find("<tr data-host=\"n1\" data-peak-bytes=\"150\"><td>n1</td>"
                     "<td class=\"numeric\">2</td><td class=\"numeric\">150</td>"),
            std::string::npos);
  EXPECT_NE(out.find("<td class=\"numeric\">170</td>"), std::string::npos);
  EXPECT_NE(out.find("Imbalance: max / min 3.333, max / mean 1.500."), std::string::npos);
  EXPECT_NE(out.find("id=\"host-peak-0\" data-peak=\"150\" data-peak-time-ns=\"20000000\""),
            std::string::npos);
  EXPECT_NE(out.find("n1 peak 150 B (150 bytes) at 0.020 s"), std::string::npos);
  EXPECT_NE(out.find("data-series=\"host-0\" data-points=\"6\""), std::string::npos);
  EXPECT_NE(out.find("data-series=\"host-1\" data-points=\"2\""), std::string::npos);
  // The programs' own sections are still there.
  EXPECT_NE(out.find("id=\"peak-marker-2\" data-peak-bytes=\"30\""), std::string::npos);
}

}  // namespace
}  // namespace memwrap
