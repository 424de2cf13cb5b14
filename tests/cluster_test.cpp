// Runs under a cluster launcher: rank detection, per-rank trace names, the per-host heap
// summed on the aligned clock (known truth from hand-made traces), and a real 2-rank mpiexec
// run merged by `memwrap report`.
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analyzer/downsample.h"
#include "analyzer/host_totals.h"
#include "memwrap/records.h"
#include "tests/test_support.h"
#include "tracefile/trace_writer.h"
#include "tracer/job_rank.h"

namespace memwrap {
namespace {

using test_support::RunProgram;
using test_support::ScratchDir;

TEST(JobRank, TheFirstLauncherVariableThatHoldsANumberWins) {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                           "PMI_SIZE", "SLURM_PROCID", "PBS_TASKNUM"}) {
    unsetenv(name);
  }
  EXPECT_EQ(DetectJobRank().rank, "");
  setenv("SLURM_PROCID", "5", 1);
  setenv("PMI_RANK", "not-a-number", 1);
  JobRank rank = DetectJobRank();
  EXPECT_EQ(rank.rank, "5");
  EXPECT_EQ(rank.source, "SLURM_PROCID");
  setenv("OMPI_COMM_WORLD_RANK", "3", 1);
  setenv("OMPI_COMM_WORLD_SIZE", "8", 1);
  rank = DetectJobRank();
  EXPECT_EQ(rank.rank, "3");
  EXPECT_EQ(rank.size, "8");
  EXPECT_EQ(rank.source, "OMPI_COMM_WORLD_RANK");
  for (const char* name :
       {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "SLURM_PROCID"}) {
    unsetenv(name);
  }
}

TEST(JobRank, TracePathsNameHostAndRank) {
  std::string error;
  const JobRank none, third{"3", "4", "PMI_RANK"};
  EXPECT_EQ(ExpandTracePath("", "app", 42, "node7", none, &error), "app.42.mwt");
  EXPECT_EQ(ExpandTracePath("", "app", 42, "node7", third, &error), "app.node7.3.mwt");
  EXPECT_EQ(ExpandTracePath("run.mwt", "app", 42, "node7", none, &error), "run.mwt");
  EXPECT_EQ(ExpandTracePath("run.mwt", "app", 42, "node7", third, &error), "run.node7.3.mwt");
  EXPECT_EQ(ExpandTracePath("out/run", "app", 42, "node7", third, &error), "out/run.node7.3");
  EXPECT_EQ(ExpandTracePath("dir.mwt/.mwt", "app", 42, "n", third, &error), "dir.mwt/.mwt.n.3");
  EXPECT_EQ(ExpandTracePath("r%r-%h-%p-100%%.mwt", "app", 42, "node7", third, &error),
            "r3-node7-42-100%.mwt");
  EXPECT_EQ(ExpandTracePath("r%r.mwt", "app", 42, "node7", none, &error), "r0.mwt");
  EXPECT_EQ(ExpandTracePath("run.%x.mwt", "app", 42, "node7", third, &error), "");
  EXPECT_NE(error.find("%x"), std::string::npos) << error;
}

// A trace of one process whose clock started `monotonic_origin` ns before the wall-clock
// instant 10^9: the header carries the offset that aligns it.
void WriteTrace(const std::string& path, uint64_t monotonic_origin,
                const std::vector<std::tuple<uint64_t, bool, uint64_t>>& events) {
  std::vector<uint8_t> bytes;
  auto append = [&](const void* p, size_t n) {
    bytes.insert(bytes.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  };
  ProcessStartRecord start{};
  const char strings[] = "/bin/app\0app\0";
  start.h = {AlignRecordSize(sizeof(start) + sizeof(strings)), uint16_t(RecordType::kProcessStart),
             0};
  start.ts_ns = monotonic_origin;
  start.pid = 7;
  start.exe_size = 9;
  start.cmdline_size = 4;
  append(&start, sizeof(start));
  append(strings, sizeof(strings));
  bytes.resize(AlignRecordSize(bytes.size()), 0);
  for (const auto& [ts, is_alloc, size] : events) {
    if (is_alloc) {
      AllocRecord r{};
      r.h = {sizeof(r), uint16_t(RecordType::kAlloc), 0};
      r.ts_ns = ts;
      r.addr = 0x1000 + size;
      r.size = size;
      r.tid = 7;
      append(&r, sizeof(r));
    } else {
      FreeRecord r{};
      r.h = {sizeof(r), uint16_t(RecordType::kFree), 0};
      r.ts_ns = ts;
      r.addr = 0x1000 + size;
      r.tid = 7;
      append(&r, sizeof(r));
    }
  }
  // The header's clock pair (docs/trace-format.md, offsets 16 and 24), given to the writer:
  // patched into the file afterwards, it would no longer match the header's checksum.
  TraceWriter writer(
      path, TraceWriter::Existing::kRefuse,
      TraceWriter::ClockOrigin{.realtime_ns = 1000000000, .monotonic_ns = monotonic_origin});
  writer.WriteRecords(7, bytes.data(), bytes.size());
  writer.Finish();
}

TEST(HostTotals, PeakOfTheSumIsExactOnTheAlignedClock) {
  ScratchDir dir;
  // A holds 100 bytes from wall time +10 to +30; B (whose clock is 1000 ns ahead) holds 50
  // from +20 to +40 and 70 from +50 to +60. On the aligned clock they overlap at +20..+30:
  // the host's peak is 150 at +20. (On the raw clocks they would not overlap.)
  WriteTrace(dir.File("a.mwt"), 0, {{10, true, 100}, {30, false, 100}});
  WriteTrace(dir.File("b.mwt"), 1000,
             {{1020, true, 50}, {1040, false, 50}, {1050, true, 70}, {1060, false, 70}});
  WriteTrace(dir.File("c.mwt"), 0, {{10, true, 30}, {20, false, 30}});  // another host
  std::vector<HostTotal> hosts = ComputeHostTotals(
      {{dir.File("a.mwt"), "h1"}, {dir.File("b.mwt"), "h1"}, {dir.File("c.mwt"), "h2"}});
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].host, "h1");
  EXPECT_EQ(hosts[0].traces.size(), 2u);
  EXPECT_EQ(hosts[0].peak_heap_bytes, 150u);
  EXPECT_EQ(hosts[0].peak_heap_realtime_ns, 1000000020u);
  EXPECT_EQ(hosts[0].sum_of_trace_peaks, 170u);
  // The summed heap over time (wall clock): every change while there are few.
  using Points = std::vector<std::pair<uint64_t, uint64_t>>;
  EXPECT_EQ(hosts[0].heap_series, (Points{{1000000010, 100},
                                          {1000000020, 150},
                                          {1000000030, 50},
                                          {1000000040, 0},
                                          {1000000050, 70},
                                          {1000000060, 0}}));
  EXPECT_EQ(hosts[1].host, "h2");
  EXPECT_EQ(hosts[1].peak_heap_bytes, 30u);
  EXPECT_EQ(hosts[1].heap_series, (Points{{1000000010, 30}, {1000000020, 0}}));
}

// The reduction of a merged series whose span is not known ahead: at most two points per
// span plus the first and last, the highest and lowest exact, memory O(spans).
TEST(MinMaxStream, KeepsTheExtremesOfEverySpanInBoundedPoints) {
  MinMaxStream stream(100);
  uint64_t highest = 0, highest_at = 0;
  for (uint64_t i = 0; i < 1'000'000; ++i) {
    const uint64_t value = 1000 + (i * 7919) % 100'000 + (i == 765'432 ? 10'000'000 : 0);
    if (value > highest) {
      highest = value;
      highest_at = i * 3;
    }
    stream.Add(i * 3, value);
  }
  stream.Add(2'999'990, 7);  // a step back in time counts at the previous point's time
  const std::vector<MinMaxStream::Point> points = stream.Points();
  EXPECT_LE(points.size(), 2 * 100u + 2);
  EXPECT_GE(points.size(), 100u);
  EXPECT_EQ(points.front(), (MinMaxStream::Point{0, 1000}));
  EXPECT_EQ(points.back(), (MinMaxStream::Point{2'999'997, 7}));
  MinMaxStream::Point top{0, 0};
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].second > top.second) top = points[i];
    if (i > 0) {
      EXPECT_LE(points[i - 1].first, points[i].first) << "in time order";
    }
  }
  EXPECT_EQ(top, (MinMaxStream::Point{highest_at, highest}));
  EXPECT_TRUE(MinMaxStream(10).Points().empty());
}

TEST(Cluster, MpiexecRanksWriteOneTraceEachAndTheReportMergesThem) {
  const std::string mpiexec = "/usr/bin/mpiexec";
  if (access(mpiexec.c_str(), X_OK) != 0) {
    GTEST_SKIP() << "mpiexec is not installed (apt-get install openmpi-bin)";
  }
  ScratchDir dir;
  auto run = RunProgram({mpiexec, "--allow-run-as-root", "--oversubscribe", "-n", "2",
                         test_support::BuiltFile("memwrap"), "-q", "-o", "run.mwt",
                         test_support::BuiltFile("peak_pattern")},
                        dir.path());
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string rank0 = dir.File(std::string("run.") + host + ".0.mwt");
  const std::string rank1 = dir.File(std::string("run.") + host + ".1.mwt");
  ASSERT_TRUE(test_support::FileExists(rank0)) << run.err;
  ASSERT_TRUE(test_support::FileExists(rank1)) << run.err;

  auto report =
      RunProgram({test_support::BuiltFile("memwrap"), "report", "--format", "json", rank0, rank1});
  ASSERT_EQ(report.exit_code(), 0) << report.err;
  auto merged = nlohmann::json::parse(report.out);
  ASSERT_EQ(merged["traces"].size(), 2u);
  EXPECT_EQ(merged["traces"][0]["rank"], "0");
  EXPECT_EQ(merged["traces"][1]["rank"], "1");
  EXPECT_EQ(merged["traces"][0]["peak_heap_bytes"], 12000000);  // the sample's known peak
  EXPECT_EQ(merged["traces"][1]["peak_heap_bytes"], 12000000);
  EXPECT_EQ(merged["peak_heap_bytes"]["total"], 24000000);
  ASSERT_EQ(merged["hosts"].size(), 1u);
  EXPECT_EQ(merged["hosts"][0]["host"], host);
  EXPECT_EQ(merged["hosts"][0]["sum_of_trace_peaks_bytes"], 24000000);
  EXPECT_GE(merged["hosts"][0]["peak_heap_bytes"], 12000000);
  EXPECT_LE(merged["hosts"][0]["peak_heap_bytes"], 24000000);
  // The text report of ranks shows the job's figures.
  auto text = RunProgram({test_support::BuiltFile("memwrap"), "report", rank0, rank1});
  ASSERT_EQ(text.exit_code(), 0) << text.err;
  EXPECT_NE(text.out.find("Imbalance of the heap peaks: max / min 1.000"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find(std::string("Host ") + host + ": 2 traces, peak of the summed heap"),
            std::string::npos)
      << text.out;

  // memwrap plot of the two ranks: the same per-rank and per-host figures, and the host's
  // summed heap over time, whose highest point is the host's exact peak.
  const std::string page = dir.File("job.html");
  auto plot = RunProgram({test_support::BuiltFile("memwrap"), "plot", rank0, rank1, "-o", page});
  ASSERT_EQ(plot.exit_code(), 0) << plot.err;
  const std::string html = test_support::ReadFile(page);
  const std::string open = "id=\"memwrap-data\">";
  const size_t start = html.find(open) + open.size();
  const auto job =
      nlohmann::json::parse(html.substr(start, html.find("</script>", start) - start))["job"];
  ASSERT_EQ(job["ranks"].size(), 2u);
  EXPECT_EQ(job["ranks"][0]["rank"], "0");
  EXPECT_EQ(job["ranks"][0]["peak_heap_bytes"], 12000000);
  EXPECT_EQ(job["ranks"][1]["peak_heap_bytes"], 12000000);
  EXPECT_EQ(job["peak_heap_imbalance"]["max_over_min"], 1.0);
  ASSERT_EQ(job["hosts"].size(), 1u);
  EXPECT_EQ(job["hosts"][0]["peak_heap_bytes"], merged["hosts"][0]["peak_heap_bytes"]);
  EXPECT_EQ(job["hosts"][0]["sum_of_trace_peaks_bytes"], 24000000);
  uint64_t highest = 0;
  for (const auto& point : job["hosts"][0]["series"]) {
    highest = std::max(highest, point[1].get<uint64_t>());
  }
  EXPECT_EQ(highest, job["hosts"][0]["peak_heap_bytes"].get<uint64_t>());
}

}  // namespace
}  // namespace memwrap
