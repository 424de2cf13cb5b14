// StackSampler against known truth: a program that burns CPU in one known function, on two
// threads, stopped with PTRACE_INTERRUPT: every thread's sampled stack starts in that
// function, and the module records the sampler makes let the analyzer's symbolizer name it.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "symbols/symbolizer.h"
#include "tests/test_support.h"
#include "tracer/stack_sampler.h"

namespace memwrap {
namespace {

// Starts `program` traced with PTRACE_SEIZE (and its threads, via TRACECLONE) and lets it run.
pid_t StartSeized(const char* program) {
  pid_t child = fork();
  if (child == 0) {
    raise(SIGSTOP);
    execl(program, program, (char*)nullptr);
    _exit(127);
  }
  int status;
  waitpid(child, &status, WSTOPPED);
  ptrace(PTRACE_SEIZE, child, 0, PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC);
  kill(child, SIGCONT);
  return child;
}

std::vector<pid_t> ThreadsOf(pid_t pid) {
  std::vector<pid_t> tids;
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* entry = readdir(d)) {
      if (entry->d_name[0] != '.') tids.push_back(pid_t(atoi(entry->d_name)));
    }
    closedir(d);
  }
  return tids;
}

// Runs the tracee until it has two threads and has burned a while; every ptrace event stop on
// the way (SIGSTOP/SIGCONT, exec, clone, the new thread's first stop) is resumed.
void RunUntilTwoThreadsBurn(pid_t pid) {
  for (int round = 0; round < 200 && ThreadsOf(pid).size() < 2; ++round) {
    int status;
    pid_t who = waitpid(-1, &status, __WALL | WNOHANG);
    if (who > 0 && WIFSTOPPED(status)) {
      int sig = WSTOPSIG(status);
      int deliver = (status >> 16) != 0 || sig == SIGTRAP || sig == SIGSTOP ? 0 : sig;
      if ((status >> 16) == PTRACE_EVENT_STOP) {
        ptrace(PTRACE_CONT, who, 0, 0);
      } else {
        ptrace(PTRACE_CONT, who, 0, deliver);
      }
      continue;
    }
    usleep(10000);
  }
  // Any stops still pending (the new thread's first stop) are resumed.
  for (int i = 0; i < 20; ++i) {
    int status;
    pid_t who = waitpid(-1, &status, __WALL | WNOHANG);
    if (who > 0 && WIFSTOPPED(status)) ptrace(PTRACE_CONT, who, 0, 0);
    usleep(10000);
  }
  usleep(100000);
}

void Interrupt(pid_t tid) {
  ASSERT_EQ(ptrace(PTRACE_INTERRUPT, tid, 0, 0), 0) << strerror(errno);
  int status = 0;
  ASSERT_EQ(waitpid(tid, &status, __WALL), tid);
  ASSERT_TRUE(WIFSTOPPED(status));
}

class StackSamplerTest : public ::testing::TestWithParam<const char*> {};

TEST_P(StackSamplerTest, EveryThreadIsInTheHotFunction) {
  pid_t pid = StartSeized(GetParam());
  RunUntilTwoThreadsBurn(pid);
  std::vector<pid_t> tids = ThreadsOf(pid);
  ASSERT_EQ(tids.size(), 2u);
  for (pid_t tid : tids) Interrupt(tid);

  StackSampler sampler;
  Symbolizer symbolizer;
  std::vector<std::vector<uint64_t>> stacks;
  for (pid_t tid : tids) {
    std::vector<uint64_t> frames;
    EXPECT_TRUE(sampler.Unwind(pid, tid, 64, &frames)) << "thread " << tid;
    stacks.push_back(frames);
  }
  auto records = sampler.ModuleRecords(pid, 1);
  ASSERT_FALSE(records.empty());
  for (const auto& bytes : records) {
    ModuleRecord record;
    memcpy(&record, bytes.data(), sizeof(record));
    LoadedModule module;
    module.base = record.base;
    const uint8_t* p = bytes.data() + sizeof(record);
    for (int i = 0; i < record.segment_count; ++i, p += sizeof(ModuleSegment)) {
      ModuleSegment segment;
      memcpy(&segment, p, sizeof(segment));
      module.segments.emplace_back(segment.vaddr, segment.memsz);
    }
    p += record.build_id_size;
    module.path = reinterpret_cast<const char*>(p);
    symbolizer.AddModule(uint32_t(pid), module);
  }
  for (const auto& frames : stacks) {
    ASSERT_GE(frames.size(), 2u);
    EXPECT_EQ(symbolizer.Symbolize(uint32_t(pid), frames[0]).back().function,
              "burn_in_hot_function");
    bool caller_seen = false;
    for (size_t i = 1; i < frames.size(); ++i) {
      const std::string& name = symbolizer.Symbolize(uint32_t(pid), frames[i]).back().function;
      caller_seen |= name == "main" || name == "thread_main";
    }
    EXPECT_TRUE(caller_seen) << "the stack reaches main or thread_main";
  }
  kill(pid, SIGKILL);
  for (pid_t tid : tids) ptrace(PTRACE_DETACH, tid, 0, 0);
  int status;
  while (waitpid(-1, &status, __WALL) > 0) {
  }
}

INSTANTIATE_TEST_SUITE_P(Programs, StackSamplerTest,
                         ::testing::Values(test_support::BuiltFile("hot_function"),
                                           test_support::BuiltFile("hot_function_static")));

// The report's stack_samples of hot_function, sampled at 100 Hz: nearly all of those taken in
// the program's own code (under main or thread_main) name its hot function. Only those count:
// a loaded machine lowers the rate and may catch the start-up (a thread in __clone3, the
// loader) in more samples than the hot function, so the top stack overall can be one of those.
void ExpectSamplesNameTheHotFunction(const nlohmann::json& samples) {
  // 100 Hz x 2 threads x 1.5 s is about 300; a loaded machine may take fewer rounds.
  EXPECT_GE(samples["total"].get<uint64_t>(), 10u);
  EXPECT_EQ(samples["unwind_failed"], 0);
  ASSERT_FALSE(samples["top"].empty());
  uint64_t in_program = 0;
  const nlohmann::json* hottest = nullptr;  // the most-sampled stack of the program's own code
  for (const auto& entry : samples["top"]) {
    for (const auto& frame : entry["stack"]) {
      if (frame["function"] == "main" || frame["function"] == "thread_main") {
        in_program += entry["samples"].get<uint64_t>();
        if (hottest == nullptr) hottest = &entry;
        break;
      }
    }
  }
  ASSERT_NE(hottest, nullptr) << "no stack reaches main or thread_main: " << samples["top"].dump(1);
  EXPECT_EQ((*hottest)["function"], "burn_in_hot_function") << samples["top"].dump(1);
  EXPECT_GE((*hottest)["samples"].get<uint64_t>() * 10, in_program * 9)
      << "nearly every sample of the program's own code is in the hot function";
}

// memwrap run --pstack end to end: the samples of a CPU burner (two threads, 1.5 s) name its
// hot function, called from main and from the thread; dynamic and static programs.
class PstackRun : public ::testing::TestWithParam<const char*> {};

TEST_P(PstackRun, SamplesNameTheHotFunction) {
  test_support::ScratchDir dir;
  auto run = test_support::RunProgram({test_support::BuiltFile("memwrap"), "-q", "--pstack", "-o",
                                       dir.File("t.mwt"), GetParam(), "1.5"});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  auto report = test_support::RunProgram(
      {test_support::BuiltFile("memwrap"), "report", "--format", "json", dir.File("t.mwt")});
  ASSERT_EQ(report.exit_code(), 0) << report.err;
  ExpectSamplesNameTheHotFunction(nlohmann::json::parse(report.out)["stack_samples"]);
}

INSTANTIATE_TEST_SUITE_P(Programs, PstackRun,
                         ::testing::Values(test_support::BuiltFile("hot_function"),
                                           test_support::BuiltFile("hot_function_static")));

// memwrap -p PID --pstack: a running burner's samples name its hot function, and the burner
// runs on after the detach, untraced.
TEST(PstackAttached, SamplesNameTheHotFunctionAndTheProcessRunsOn) {
  test_support::ScratchDir dir;
  pid_t target = fork();
  ASSERT_GE(target, 0);
  if (target == 0) {
    execl(test_support::BuiltFile("hot_function"), test_support::BuiltFile("hot_function"), "60",
          nullptr);
    _exit(127);
  }
  usleep(200 * 1000);  // past its start-up
  auto run = test_support::RunProgram({test_support::BuiltFile("memwrap"), "-q", "--pstack", "-p",
                                       std::to_string(target), "--duration", "1500ms", "-o",
                                       dir.File("t.mwt")});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  int status = 0;
  EXPECT_EQ(waitpid(target, &status, WNOHANG), 0) << "the burner still runs";
  const std::string state = test_support::ReadFile("/proc/" + std::to_string(target) + "/status");
  EXPECT_NE(state.find("TracerPid:\t0\n"), std::string::npos) << "no longer traced";
  kill(target, SIGKILL);
  waitpid(target, &status, 0);
  auto report = test_support::RunProgram(
      {test_support::BuiltFile("memwrap"), "report", "--format", "json", dir.File("t.mwt")});
  ASSERT_EQ(report.exit_code(), 0) << report.err;
  ExpectSamplesNameTheHotFunction(nlohmann::json::parse(report.out)["stack_samples"]);
}

}  // namespace
}  // namespace memwrap
