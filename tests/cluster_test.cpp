// Runs under a cluster launcher: rank detection, per-rank trace names, the per-host heap
// summed on the aligned clock (known truth from hand-made traces), and a real 2-rank mpiexec
// run merged by `memwrap report`.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "host_totals.h"
#include "memwrap/records.h"
#include "test_support.h"
#include "tracefile/trace_writer.h"
#include "tracer/job_rank.h"

namespace memwrap {
namespace {

using test_support::RunProgram;
using test_support::ScratchDir;

TEST(JobRank, TheFirstLauncherVariableThatHoldsANumberWins) {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK",
                           "PMI_RANK", "PMI_SIZE", "SLURM_PROCID", "PBS_TASKNUM"}) {
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
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK",
                           "SLURM_PROCID"}) {
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
  start.h = {AlignRecordSize(sizeof(start) + sizeof(strings)), uint16_t(RecordType::kProcessStart), 0};
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
  {
    TraceWriter writer(path);
    writer.WriteRecords(7, bytes.data(), bytes.size());
  }
  // The header's clock pair (docs/trace-format.md, offsets 16 and 24).
  const uint64_t realtime = 1000000000, monotonic = monotonic_origin;
  int fd = open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, &realtime, 8, 16), 8);
  ASSERT_EQ(pwrite(fd, &monotonic, 8, 24), 8);
  close(fd);
}

TEST(HostTotals, PeakOfTheSumIsExactOnTheAlignedClock) {
  ScratchDir dir;
  // A holds 100 bytes from wall time +10 to +30; B (whose clock is 1000 ns ahead) holds 50
  // from +20 to +40 and 70 from +50 to +60. On the aligned clock they overlap at +20..+30:
  // the host's peak is 150 at +20. (On the raw clocks they would not overlap.)
  WriteTrace(dir.File("a.mwt"), 0, {{10, true, 100}, {30, false, 100}});
  WriteTrace(dir.File("b.mwt"), 1000, {{1020, true, 50}, {1040, false, 50}, {1050, true, 70},
                                       {1060, false, 70}});
  WriteTrace(dir.File("c.mwt"), 0, {{10, true, 30}, {20, false, 30}});  // another host
  std::vector<HostTotal> hosts = ComputeHostTotals(
      {{dir.File("a.mwt"), "h1"}, {dir.File("b.mwt"), "h1"}, {dir.File("c.mwt"), "h2"}});
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].host, "h1");
  EXPECT_EQ(hosts[0].traces.size(), 2u);
  EXPECT_EQ(hosts[0].peak_heap_bytes, 150u);
  EXPECT_EQ(hosts[0].peak_heap_realtime_ns, 1000000020u);
  EXPECT_EQ(hosts[0].sum_of_trace_peaks, 170u);
  EXPECT_EQ(hosts[1].host, "h2");
  EXPECT_EQ(hosts[1].peak_heap_bytes, 30u);
}

TEST(Cluster, MpiexecRanksWriteOneTraceEachAndTheReportMergesThem) {
  const std::string mpiexec = "/usr/bin/mpiexec";
  if (access(mpiexec.c_str(), X_OK) != 0) {
    GTEST_SKIP() << "mpiexec is not installed (apt-get install openmpi-bin)";
  }
  ScratchDir dir;
  auto run = RunProgram({mpiexec, "--allow-run-as-root", "--oversubscribe", "-n", "2",
                         MEMWRAP_BINARY, "-q", "-o", "run.mwt", MEMWRAP_PEAK_PATTERN},
                        dir.path());
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string rank0 = dir.File(std::string("run.") + host + ".0.mwt");
  const std::string rank1 = dir.File(std::string("run.") + host + ".1.mwt");
  ASSERT_TRUE(test_support::FileExists(rank0)) << run.err;
  ASSERT_TRUE(test_support::FileExists(rank1)) << run.err;

  auto report = RunProgram({MEMWRAP_BINARY, "report", "--format", "json", rank0, rank1});
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
}

}  // namespace
}  // namespace memwrap
