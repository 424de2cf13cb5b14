// Hostile conditions for memwrap and the programs it traces, each with known truth: thread
// churn, a fork storm, signal storms, an address-space limit, memwrap killed mid-run, a full
// output disk.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
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

TEST(Torture, SixtyFourThreadsAllocatingAndExitingContinuously) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  constexpr int kWaves = 10, kAllocs = 2000;
  CommandResult run =
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("thread_churn"),
                  std::to_string(kWaves), std::to_string(kAllocs)});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  json report = ReportJson(trace);
  EXPECT_EQ(report["lost_events"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["lost_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["totals"]["untracked_frees"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["totals"]["replaced_live_blocks"].get<uint64_t>(), 0u);
  EXPECT_GE(report["totals"]["allocations"].get<uint64_t>(), uint64_t(kWaves) * 64 * kAllocs);
}

TEST(Torture, BoundedForkStormWithExec) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult run = RunProgram(
      {kMemwrap, "-q", "-o", trace, test_support::BuiltFile("fork_storm"), "50", "/bin/true"});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  json report = ReportJson(trace);
  // The storm's parent and its 50 children (each forked, then /bin/true under the same pid).
  EXPECT_EQ(report["processes"].size(), 51u);
  EXPECT_EQ(report["lost_bytes"].get<uint64_t>(), 0u);
}

TEST(Torture, SignalStormsDoNotDisturbTheProgram) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult run =
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("signal_storm")});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  json report = ReportJson(trace);
  // The handler's 1,000 allocations and the loop's 1,000 are all seen.
  EXPECT_GE(report["processes"][0]["totals"]["allocations"].get<uint64_t>(), 2000u);
  EXPECT_EQ(report["lost_bytes"].get<uint64_t>(), 0u);
}

TEST(Torture, ProgramHittingItsAddressSpaceLimitHandlesENOMEM) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult run =
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("address_limit")});
  EXPECT_EQ(run.exit_code(), 0) << run.out << run.err;
  json report = ReportJson(trace);
  int blocks = 0;
  sscanf(run.out.c_str(), "blocks=%d", &blocks);
  ASSERT_GT(blocks, 0);
  // Every block the program got was recorded, and freed.
  EXPECT_GE(report["totals"]["allocations"].get<uint64_t>(), uint64_t(blocks));
  EXPECT_GE(report["peak_heap_bytes"].get<uint64_t>(), uint64_t(blocks) << 20);
  EXPECT_EQ(report["totals"]["untracked_frees"].get<uint64_t>(), 0u);
}

bool WaitForFile(const std::string& path, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (test_support::FileExists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(Torture, MemwrapKilledMidRunLeavesAReadableTraceAndARunningProgram) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  const std::string marker = dir.File("done");
  pid_t memwrap = fork();
  if (memwrap == 0) {
    execl(kMemwrap.c_str(), kMemwrap.c_str(), "-q", "-o", trace.c_str(),
          test_support::BuiltFile("long_runner"), "3", marker.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // chunks flush every 0.5 s
  kill(memwrap, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(memwrap, &status, 0), memwrap);
  ASSERT_TRUE(WIFSIGNALED(status));
  // The program, now without its collector, must run to its end.
  EXPECT_TRUE(WaitForFile(marker, std::chrono::seconds(60))) << "the program did not finish";
  std::string err;
  json report = ReportJson(trace, &err);
  EXPECT_GT(report["totals"]["allocations"].get<uint64_t>(), 1000u);
  EXPECT_EQ(report["processes"].size(), 1u);
  // Readable, and known to be cut short: the report says so, a gate will not judge it.
  EXPECT_EQ(report["trace_complete"], false) << err;
  EXPECT_NE(err.find("warning: trace '" + trace + "' is"), std::string::npos) << err;
  CommandResult check = RunProgram({kMemwrap, "check", "--max-peak-heap", "1GiB", trace});
  EXPECT_EQ(check.exit_code(), 2) << check.out << check.err;
  EXPECT_NE(check.err.find("cannot judge an incomplete trace"), std::string::npos) << check.err;
}

TEST(Torture, ForcedRunKilledMidRunLeavesTheOldFileWholeAndItsRecordsBesideIt) {
  // With --force the trace is written beside its path and renamed over it at the end
  // (fileio/output_file.h): killed before that, the old file is untouched and what was
  // recorded is in PATH.partial-XXXXXX, readable like any cut-short trace.
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  test_support::WriteFile(trace, "the old file");
  const std::string marker = dir.File("done");
  pid_t memwrap = fork();
  if (memwrap == 0) {
    execl(kMemwrap.c_str(), kMemwrap.c_str(), "-q", "--force", "-o", trace.c_str(),
          test_support::BuiltFile("long_runner"), "3", marker.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // chunks flush every 0.5 s
  kill(memwrap, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(memwrap, &status, 0), memwrap);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(WaitForFile(marker, std::chrono::seconds(60))) << "the program did not finish";
  EXPECT_EQ(test_support::ReadFile(trace), "the old file");
  std::vector<std::string> partial;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("t.mwt.partial-", 0) == 0) partial.push_back(entry.path().string());
  }
  ASSERT_EQ(partial.size(), 1u);
  std::string err;
  json report = ReportJson(partial[0], &err);
  EXPECT_GT(report["totals"]["allocations"].get<uint64_t>(), 1000u) << err;
  EXPECT_EQ(report["trace_complete"], false) << err;
}

TEST(Torture, FullOutputDiskIsAClearErrorAndTheProgramRunsToCompletion) {
  ScratchDir dir;
  const std::string disk = dir.File("disk");
  std::filesystem::create_directory(disk);
  if (mount("memwrap-test", disk.c_str(), "tmpfs", 0, "size=256k") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root and CAP_SYS_ADMIN): "
                 << strerror(errno);
  }
  const std::string trace = disk + "/t.mwt";
  CommandResult run =
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("threads_alloc"), "4", "200",
                  "100", "2000"});
  std::string err = run.err;
  const std::string kept = dir.File("kept.mwt");
  std::filesystem::copy_file(trace, kept);
  umount2(disk.c_str(), MNT_DETACH);
  EXPECT_EQ(run.exit_code(), 0) << err;
  EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  // Records are missing, so the trace has no end-of-trace chunk: a gate refuses it.
  CommandResult check = RunProgram({kMemwrap, "check", "--max-peak-heap", "1GiB", kept});
  EXPECT_EQ(check.exit_code(), 2) << check.out << check.err;
  EXPECT_NE(check.err.find("cannot judge an incomplete trace"), std::string::npos) << check.err;
}

}  // namespace
}  // namespace memwrap
