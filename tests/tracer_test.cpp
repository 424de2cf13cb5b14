// The ptrace tracer and stracedrv, against programs that know their own truth
// (tests/programs/syscall_counts.c, process_tree.c, peak_rss_static.c) and against strace.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "memwrap/records.h"
#include "tests/report_json.h"
#include "tests/test_support.h"
#include "tracefile/record_cursor.h"
#include "tracefile/trace_reader.h"

namespace memwrap {
namespace {

using json = nlohmann::json;
using test_support::CommandResult;
using test_support::ReportJson;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kStracedrv = test_support::BuiltFile("stracedrv");
const std::string kSyscallCounts = test_support::BuiltFile("syscall_counts");
const std::string kProcessTree = test_support::BuiltFile("process_tree");
const std::string kPeakRssStatic = test_support::BuiltFile("peak_rss_static");
const std::string kExitWith = test_support::BuiltFile("exit_with");
constexpr int kGetppid = 110;  // x86_64
constexpr int kClose = 3;

// The names in `dir`, sorted.
std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// name -> {calls, errors} from a strace -c table.
std::map<std::string, std::pair<uint64_t, uint64_t>> ParseSummary(const std::string& text) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    if (words.size() < 5 || words[0] == "%" || words[0][0] == '-') continue;
    const std::string& name = words.back();
    if (name == "total") continue;
    uint64_t errors = words.size() == 6 ? std::stoull(words[4]) : 0;
    rows[name] = {std::stoull(words[3]), errors};
  }
  return rows;
}

struct TraceCounts {
  std::map<uint32_t, uint64_t> syscalls;  // by number
  std::map<uint16_t, uint64_t> records;   // by type
  std::map<uint32_t, uint64_t> pids_with_samples;
};

// Calls visit(chunk, record) for every record of the trace, in file order.
void ForEachRecord(const std::string& path,
                   const std::function<void(const Chunk&, const RecordView&)>& visit) {
  TraceReader reader(path);
  Chunk chunk;
  while (reader.NextChunk(&chunk) == TraceReader::Status::kChunk) {
    if (chunk.type != ChunkType::kRecords) continue;
    RecordCursor cursor(chunk.data.data(), chunk.data.size());
    RecordView view;
    while (cursor.Next(&view, "test")) visit(chunk, view);
  }
}

TraceCounts CountRecords(const std::string& path) {
  TraceCounts counts;
  ForEachRecord(path, [&](const Chunk& chunk, const RecordView& view) {
    ++counts.records[uint16_t(view.type)];
    if (view.type == RecordType::kSyscall) {
      const auto* call = view.As<SyscallRecord>();
      if (call != nullptr) ++counts.syscalls[call->number];
    }
    if (view.type == RecordType::kMemorySample) ++counts.pids_with_samples[chunk.pid];
  });
  return counts;
}

char ProcessState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? '?' : text[paren + 2];
}

std::string StatusLine(pid_t pid, const std::string& key) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(key + ":", 0) == 0) return line;
  }
  return "";
}

TEST(Tracer, SyscallCountsAreExactAndEqualStraceDashC) {
  ScratchDir dir;
  const std::string ours = dir.File("ours.txt");
  const std::string trace = dir.File("counts.mwt");
  CommandResult run =
      RunProgram({kStracedrv, "-f", "-c", "-o", ours, "--write-trace", trace, kSyscallCounts});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  auto rows = ParseSummary(test_support::ReadFile(ours));
  // What the program does itself (the loader adds a few more close calls, none failing).
  EXPECT_EQ(rows["getppid"].first, 1200u);
  EXPECT_EQ(rows["getppid"].second, 0u);
  EXPECT_GE(rows["close"].first, 100u);
  EXPECT_EQ(rows["close"].second, 100u);
  EXPECT_EQ(rows["wait4"].first, 1u);
  // The trace holds every call, exit_group (which never returns) included.
  TraceCounts counts = CountRecords(trace);
  EXPECT_EQ(counts.syscalls[kGetppid], 1200u);
  EXPECT_EQ(counts.syscalls[kClose], rows["close"].first);

  if (access("/usr/bin/strace", X_OK) != 0) GTEST_SKIP() << "strace is not installed";
  const std::string theirs = dir.File("theirs.txt");
  CommandResult strace = RunProgram({"/usr/bin/strace", "-f", "-c", "-o", theirs, kSyscallCounts});
  ASSERT_EQ(strace.exit_code(), 0) << strace.err;
  auto expected = ParseSummary(test_support::ReadFile(theirs));
  EXPECT_EQ(rows, expected) << test_support::ReadFile(ours) << "\nstrace -f -c:\n"
                            << test_support::ReadFile(theirs);
}

// Polling for stops (--wait-poll) changes when the tracer notices a stop, never what it sees:
// sleeping at every stop and polling up to 10 ms see the same calls.
TEST(Tracer, WaitPollingChangesNothingThatIsRecorded) {
  ScratchDir dir;
  std::map<std::string, std::pair<uint64_t, uint64_t>> seen[2];
  const char* polls[2] = {"0", "10ms"};
  for (int i = 0; i < 2; ++i) {
    const std::string out = dir.File(std::string("counts") + polls[i] + ".txt");
    CommandResult run = RunProgram(
        {kStracedrv, "-f", "-c", "--wait-poll", polls[i], "-o", out, "--no-trace", kSyscallCounts});
    ASSERT_EQ(run.exit_code(), 0) << run.err;
    seen[i] = ParseSummary(test_support::ReadFile(out));
  }
  EXPECT_EQ(seen[0]["getppid"].first, 1200u);
  EXPECT_EQ(seen[0]["close"].second, 100u);
  EXPECT_EQ(seen[0], seen[1]);
}

// Reading the PSS of 1 GiB in small pages takes milliseconds (smaps_rollup walks every page
// table entry, holding the program's memory lock): at a 5 ms interval memwrap reads it only as
// often as a 2% budget allows, says so once, and keeps RSS at its period. Without the budget
// every sample would read PSS.
TEST(Tracer, ExpensivePssReadsAreBudgetedAndSaidSo) {
  ScratchDir dir;
  const std::string trace = dir.File("big.mwt");
  // Not -q: the notice is what this test reads (-q silences it; the samples still say which
  // ones lack PSS). The exit summary follows, so only the notice lines are counted.
  CommandResult run = RunProgram(
      {kMemwrap, "--interval", "5ms", "-o", trace, test_support::BuiltFile("large_resident")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  const std::string notice = "its PSS is read at most every";
  EXPECT_NE(run.err.find(notice), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(notice), run.err.rfind(notice)) << "said once: " << run.err;
  CommandResult quiet =
      RunProgram({kMemwrap, "-q", "--interval", "5ms", "-o", dir.File("quiet.mwt"),
                  test_support::BuiltFile("large_resident")});
  ASSERT_EQ(quiet.exit_code(), 0) << quiet.err;
  EXPECT_EQ(quiet.err.find(notice), std::string::npos) << "-q prints no notice: " << quiet.err;
  uint64_t with_pss = 0, without_pss = 0, largest_pss = 0, largest_rss = 0;
  ForEachRecord(trace, [&](const Chunk&, const RecordView& view) {
    MemorySampleRecord copy;
    if (view.type != RecordType::kMemorySample || !view.Copy(&copy)) return;
    const MemorySampleRecord* sample = &copy;
    if ((view.flags & kMemorySampleWithoutPss) != 0) {
      ++without_pss;
      EXPECT_EQ(sample->pss, 0u);
    } else {
      ++with_pss;
      largest_pss = std::max<uint64_t>(largest_pss, sample->pss);
    }
    largest_rss = std::max<uint64_t>(largest_rss, sample->rss);
  });
  EXPECT_GE(largest_rss, 1u << 30);
  // A PSS read came while it was (nearly all) resident: the program holds it for a second, ten
  // times the spacing a 2 ms read gets.
  EXPECT_GE(largest_pss, (1u << 30) / 10 * 9);
  EXPECT_GE(with_pss, 1u);
  EXPECT_GT(without_pss, with_pss) << "most samples at 5 ms skip a read of several ms";
}

// In a preloaded process the shim's records and the tracer's SYSCALL records reach memwrap on
// two paths; the collector merges them by time, so a process's stream reads in time order
// instead of holding its system calls in blocks at their batches' arrival. Measured as the
// pairs (heap record, later SYSCALL record in the stream) whose times are the other way round:
// in blocks there are tens of thousands (every heap record after a call's time precedes it).
TEST(Tracer, SyscallRecordsOfAPreloadedProcessAreAmongItsHeapRecordsByTime) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult run = RunProgram({kMemwrap, "-q", "--syscalls=memory", "-o", trace,
                                  test_support::BuiltFile("interleaved_calls")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  struct Timed {
    bool syscall;
    uint64_t ts;
  };
  std::vector<Timed> stream;  // the program's records after its PROCESS_START, in file order
  bool started = false;
  ForEachRecord(trace, [&](const Chunk&, const RecordView& view) {
    if (view.type == RecordType::kProcessStart) started = true;
    uint64_t ts;
    if (!started || view.type == RecordType::kStack || view.size < 16) return;
    memcpy(&ts, view.data + 8, 8);
    stream.push_back({view.type == RecordType::kSyscall, ts});
  });
  uint64_t syscalls = 0, inversions = 0, latest_heap = 0;
  for (const Timed& record : stream) {
    if (!record.syscall) {
      latest_heap = std::max(latest_heap, record.ts);
      continue;
    }
    ++syscalls;
    if (record.ts >= latest_heap) continue;
    for (const Timed& earlier : stream) {
      if (&earlier == &record) break;
      if (!earlier.syscall && earlier.ts > record.ts) ++inversions;
    }
  }
  EXPECT_GE(syscalls, 600u);  // 300 mmaps and 300 munmaps, and the loader's calls
  // The loader's calls come before the shim's PROCESS_START (one inversion each), and the last
  // batch may arrive after the process's last chunk was written.
  EXPECT_LT(inversions, syscalls) << "SYSCALL records in blocks, not by time";
}

TEST(Tracer, SeccompFilteredTracingSeesOnlyTheSelectedCallsAndAllOfThem) {
  ScratchDir dir;
  const std::string out = dir.File("out.jsonl");
  CommandResult run = RunProgram({kStracedrv, "-f", "--json", "-e", "trace=getppid,close", "-o",
                                  out, "--no-trace", kSyscallCounts});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  std::map<std::string, uint64_t> calls, errors;
  std::istringstream lines(test_support::ReadFile(out));
  for (std::string line; std::getline(lines, line);) {
    json call = json::parse(line);
    for (const char* key : {"pid", "tid", "syscall", "args", "ret", "errno", "ts_ns", "dur_ns"}) {
      ASSERT_TRUE(call.contains(key)) << key << " missing in " << line;
    }
    const std::string name = call["syscall"];
    ++calls[name];
    if (!call["errno"].is_null()) {
      EXPECT_EQ(call["errno"], "EBADF");
      EXPECT_EQ(call["ret"], -1);
      ++errors[name];
    }
  }
  EXPECT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls["getppid"], 1200u);
  EXPECT_EQ(errors["close"], 100u);
}

TEST(Tracer, TextLinesDecodeArgumentsAndResults) {
  ScratchDir dir;
  const std::string out = dir.File("out.txt");
  CommandResult run = RunProgram(
      {kStracedrv, "-T", "-tt", "-e", "trace=close,execve", "-o", out, kSyscallCounts}, dir.path());
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  const std::string text = test_support::ReadFile(out);
  // The path whole, the argument list cut at -s's 32 bytes.
  const std::string argv0 =
      kSyscallCounts.size() > 32 ? kSyscallCounts.substr(0, 32) + "\"..." : kSyscallCounts + "\"";
  EXPECT_NE(text.find("execve(\"" + kSyscallCounts + "\", [\"" + argv0 + "], 0x"),
            std::string::npos)
      << text;
  // strace's result column: "= " at column 40 (the -tt time takes 16).
  EXPECT_NE(text.find(" close(-1)               = -1 EBADF (Bad file descriptor) <"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("+++ exited with 0 +++"), std::string::npos) << text;
  // The parent is told of its child's end, with the signal's details.
  EXPECT_NE(text.find("--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid="),
            std::string::npos)
      << text;
  // No trace file unless asked for (--write-trace).
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"out.txt"}));
}

// strace's long forms, its classes without %, -e status=, -s and -ff.
TEST(Tracer, StraceLongFormsStatusFilterStringLimitAndSeparateFiles) {
  ScratchDir dir;
  const std::string out = dir.File("out.txt");
  CommandResult run = RunProgram({kStracedrv, "--follow-forks", "--trace=close,getppid",
                                  "--status=failed", "--output=" + out, kSyscallCounts});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  const std::string text = test_support::ReadFile(out);
  std::istringstream lines(text);
  size_t failed = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("close(-1)") != std::string::npos) ++failed;
    EXPECT_EQ(line.find("getppid"), std::string::npos) << "only failed calls: " << line;
  }
  EXPECT_EQ(failed, 100u) << text;

  const std::string base = dir.File("each");
  run = RunProgram({kStracedrv, "-ff", "-e", "trace=process", "-o", base, kSyscallCounts});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  size_t files = 0;
  for (const std::string& name : Names(dir.path())) {
    if (name.rfind("each.", 0) != 0) continue;
    ++files;
    const std::string each = test_support::ReadFile(dir.File(name));
    EXPECT_NE(each.find("+++ exited with 0 +++"), std::string::npos) << name << ": " << each;
    EXPECT_EQ(each.find("[pid"), std::string::npos) << "no pid prefix in -ff files: " << each;
  }
  EXPECT_EQ(files, 2u) << "one file per process";

  run = RunProgram({kStracedrv, "-s", "4", "-e", "execve", "-o", out, kExitWith, "0"});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_NE(test_support::ReadFile(out).find("\"0\"]"), std::string::npos)
      << test_support::ReadFile(out);
  EXPECT_NE(test_support::ReadFile(out).find("[\"" + kExitWith.substr(0, 4) + "\"..."),
            std::string::npos)
      << test_support::ReadFile(out);
}

// A 32-bit call (int $0x80) is named from the i386 table: getpid, not x86_64's writev.
TEST(Tracer, ThirtyTwoBitCallsAreNamedFromTheI386Table) {
  ScratchDir dir;
  const std::string out = dir.File("out.txt");
  CommandResult run =
      RunProgram({kStracedrv, "-o", out, test_support::BuiltFile("strace_golden"), "int80"});
  if (run.exit_code() == 3) GTEST_SKIP() << "this kernel runs no 32-bit calls";
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  const std::string text = test_support::ReadFile(out);
  EXPECT_NE(text.find("getpid() "), std::string::npos) << text;
  EXPECT_EQ(text.find("writev("), std::string::npos) << text;
}

TEST(Tracer, IntervalModePrintsCountsPerName) {
  ScratchDir dir;
  const std::string out = dir.File("out.txt");
  CommandResult run = RunProgram({kStracedrv, "-f", "-d", "5", "-e", "trace=getppid", "-o", out,
                                  "--no-trace", kSyscallCounts});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  // The program ends within the first interval: one line with everything.
  EXPECT_NE(test_support::ReadFile(out).find("getppid 1200"), std::string::npos)
      << test_support::ReadFile(out);
}

TEST(Tracer, ExitStatusAndFatalSignalPassThroughStracedrv) {
  EXPECT_EQ(RunProgram({kStracedrv, "--no-trace", "-o", "/dev/null", kExitWith, "7"}).exit_code(),
            7);
  CommandResult killed =
      RunProgram({kStracedrv, "--no-trace", "-o", "/dev/null", kProcessTree, "signal", "15"});
  EXPECT_EQ(killed.term_signal(), SIGTERM);
}

TEST(Tracer, ThreadedExecVforkAndThreadsAreFollowed) {
  ScratchDir dir;
  {
    const std::string trace = dir.File("exec.mwt");
    CommandResult run =
        RunProgram({kMemwrap, "-q", "-o", trace, kProcessTree, "threaded-exec", kExitWith, "6"});
    EXPECT_EQ(run.exit_code(), 6) << run.err;
    json report = ReportJson(trace);
    ASSERT_EQ(report["processes"].size(), 1u) << report["processes"].dump(1);
    EXPECT_EQ(report["processes"][0]["exit_code"], 6);
    EXPECT_NE(report["processes"][0]["command"].get<std::string>().find("exit_with"),
              std::string::npos);
  }
  {
    const std::string trace = dir.File("vfork.mwt");
    CommandResult run =
        RunProgram({kMemwrap, "-q", "-o", trace, kProcessTree, "vfork", kExitWith, "4"});
    EXPECT_EQ(run.exit_code(), 4) << run.err;
    json report = ReportJson(trace);
    ASSERT_EQ(report["processes"].size(), 2u) << report["processes"].dump(1);
    for (const json& process : report["processes"]) EXPECT_EQ(process["exit_code"], 4);
  }
  {
    const std::string out = dir.File("threads.txt");
    CommandResult run = RunProgram({kStracedrv, "-f", "-c", "-e", "trace=getppid", "-o", out,
                                    "--no-trace", kProcessTree, "threads", "8", "3"});
    EXPECT_EQ(run.exit_code(), 3) << run.err;
    EXPECT_EQ(ParseSummary(test_support::ReadFile(out))["getppid"].first, 80u);
  }
}

TEST(Tracer, WaitsForAnOrphanedGrandchild) {
  ScratchDir dir;
  const std::string marker = dir.File("marker");
  const std::string trace = dir.File("orphan.mwt");
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, kProcessTree, "orphan", marker});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  // memwrap ends when no traced process is left: the grandchild has finished.
  EXPECT_TRUE(test_support::FileExists(marker));
  json report = ReportJson(trace);
  EXPECT_EQ(report["processes"].size(), 3u) << report["processes"].dump(1);
}

TEST(Tracer, AttachThenDetachLeavesTheTargetRunning) {
  ScratchDir dir;
  const std::string marker = dir.File("marker");
  pid_t target = fork();
  ASSERT_GE(target, 0);
  if (target == 0) {
    execl(kProcessTree.c_str(), kProcessTree.c_str(), "calls", "2", marker.c_str(), nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string trace = dir.File("attached.mwt");
  CommandResult run = RunProgram({kStracedrv, "-p", std::to_string(target), "--duration", "300ms",
                                  "-c", "-o", dir.File("out.txt"), "--write-trace", trace});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  // Still running, not stopped, not traced.
  const char state = ProcessState(target);
  EXPECT_TRUE(state == 'R' || state == 'S') << "state " << state;
  EXPECT_EQ(StatusLine(target, "TracerPid"), "TracerPid:\t0");
  EXPECT_GT(CountRecords(trace).records[uint16_t(RecordType::kSyscall)], 0u);
  int status = 0;
  ASSERT_EQ(waitpid(target, &status, 0), target);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(test_support::FileExists(marker));
}

TEST(Tracer, MemwrapRunAttachedDetachesOnCtrlCAndRecordsTheProcessMemory) {
  ScratchDir dir;
  const std::string marker = dir.File("marker");
  pid_t target = fork();
  ASSERT_GE(target, 0);
  if (target == 0) {
    execl(kProcessTree.c_str(), kProcessTree.c_str(), "calls", "2", marker.c_str(), nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string trace = dir.File("attached.mwt");
  pid_t memwrap = fork();
  ASSERT_GE(memwrap, 0);
  if (memwrap == 0) {
    execl(kMemwrap.c_str(), kMemwrap.c_str(), "-q", "-p", std::to_string(target).c_str(), "-o",
          trace.c_str(), nullptr);
    _exit(127);
  }
  // Ctrl-C only once memwrap has attached and catches SIGINT (on a loaded machine it may take
  // longer than the 400 ms below to start), then after 400 ms of recording.
  ASSERT_TRUE(test_support::WaitUntilCatching(memwrap, SIGINT)) << "memwrap never catches SIGINT";
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  kill(memwrap, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(memwrap, &status, 0), memwrap);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const char state = ProcessState(target);
  EXPECT_TRUE(state == 'R' || state == 'S') << "state " << state;
  EXPECT_EQ(StatusLine(target, "TracerPid"), "TracerPid:\t0");
  TraceCounts counts = CountRecords(trace);
  EXPECT_GT(counts.records[uint16_t(RecordType::kMemorySample)], 10u);  // 10 ms period, 400 ms
  EXPECT_EQ(counts.records[uint16_t(RecordType::kProcessStart)], 1u);
  ASSERT_EQ(waitpid(target, &status, 0), target);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(test_support::FileExists(marker));
}

// --duration on a program stracedrv started: it detaches and the program runs on, its calls
// still working (no seccomp filter is left behind to fail them with ENOSYS).
TEST(Tracer, DurationDetachesFromALaunchedProgramThatRunsOn) {
  ScratchDir dir;
  const std::string marker = dir.File("marker");
  const std::string out = dir.File("out.txt");
  // Not RunProgram: the program outlives stracedrv and would hold its output pipes open.
  pid_t stracedrv = fork();
  ASSERT_GE(stracedrv, 0);
  if (stracedrv == 0) {
    int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    execl(kStracedrv.c_str(), kStracedrv.c_str(), "-f", "-e", "trace=getppid", "--duration",
          "200ms", "-o", out.c_str(), "--no-trace", kProcessTree.c_str(), "calls", "2",
          marker.c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  ASSERT_EQ(waitpid(stracedrv, &status, 0), stracedrv);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(test_support::FileExists(marker)) << "the program ended before the detach";
  // strace's line: the pid (-o with -f), the call, spaces to column 40, its result.
  const std::string text = test_support::ReadFile(out);
  const size_t call = text.find("getppid() ");
  ASSERT_NE(call, std::string::npos) << text;
  EXPECT_EQ(text.substr(text.rfind('\n', call) + 1 + 40, 2), "= ") << text;
  // The program is no longer ours to wait for: poll for the file it creates when it is done.
  for (int i = 0; i < 400 && !test_support::FileExists(marker); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(test_support::FileExists(marker));
}

TEST(Tracer, StaticBinaryPeakRssIsTheKernelsFigureAndItsMemorySyscallsAreRecorded) {
  ScratchDir dir;
  const std::string trace = dir.File("static.mwt");
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, kPeakRssStatic});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  const uint64_t hwm_kib = std::stoull(run.out);
  json report = ReportJson(trace);
  ASSERT_EQ(report["processes"].size(), 1u);
  EXPECT_EQ(report["processes"][0]["peak_rss_bytes"].get<uint64_t>(), hwm_kib * 1024);
  EXPECT_EQ(report["processes"][0]["heap_recorded"], false);
  EXPECT_NE(report["processes"][0]["command"].get<std::string>().find("peak_rss_static"),
            std::string::npos);
  EXPECT_NE(report["heap_not_recorded"].get<std::string>().find("statically linked"),
            std::string::npos);
  TraceCounts counts = CountRecords(trace);
  // The 24 MiB block is one mmap and one munmap, among the startup's brk calls.
  EXPECT_GE(counts.syscalls[9 /* mmap */], 1u);
  EXPECT_GE(counts.syscalls[11 /* munmap */], 1u);
  EXPECT_GT(counts.records[uint16_t(RecordType::kMemorySample)], 0u);
  // The samples taken right after its memory calls skip PSS and say so; the timer's read it.
  uint64_t without_pss = 0;
  uint64_t with_pss = 0;
  ForEachRecord(trace, [&](const Chunk&, const RecordView& view) {
    MemorySampleRecord copy;
    if (view.type != RecordType::kMemorySample || !view.Copy(&copy)) return;
    const MemorySampleRecord* sample = &copy;
    EXPECT_GT(sample->rss, 0u);
    if ((view.flags & kMemorySampleWithoutPss) != 0) {
      EXPECT_EQ(sample->pss, 0u);
      ++without_pss;
    } else {
      EXPECT_GT(sample->pss, 0u);
      ++with_pss;
    }
  });
  EXPECT_GT(without_pss, 0u) << "a sample after its mmap or munmap";
  // The timeline never shows a PSS of 0 for a sample that did not measure it.
  CommandResult timeline = RunProgram({kMemwrap, "timeline", "--format", "jsonl", trace});
  ASSERT_EQ(timeline.exit_code(), 0) << timeline.err;
  std::istringstream rows(timeline.out);
  uint64_t rows_with_pss = 0;
  for (std::string line; std::getline(rows, line);) {
    json row = json::parse(line);
    if (row["pss_bytes"].is_null()) continue;
    EXPECT_GT(row["pss_bytes"].get<uint64_t>(), 0u) << line;
    ++rows_with_pss;
  }
  EXPECT_EQ(rows_with_pss > 0, with_pss > 0);
}

TEST(Tracer, DefaultRunMakesNoSyscallStopsInPreloadedProgramsAndSyscallsOptionAddsThem) {
  ScratchDir dir;
  const std::string plain = dir.File("plain.mwt");
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", plain, kSyscallCounts}).exit_code(), 0);
  EXPECT_EQ(CountRecords(plain).records[uint16_t(RecordType::kSyscall)], 0u);
  json report = ReportJson(plain);
  ASSERT_EQ(report["processes"].size(), 2u);
  for (const json& process : report["processes"]) {
    EXPECT_EQ(process["exit_code"], 0);
    EXPECT_EQ(process["peak_rss_source"], "exit");
    EXPECT_EQ(process["heap_recorded"], true);
  }
  const std::string asked = dir.File("asked.mwt");
  ASSERT_EQ(
      RunProgram({kMemwrap, "-q", "--syscalls=getppid", "-o", asked, kSyscallCounts}).exit_code(),
      0);
  // The program's 1200, and the shim's one per process (its hello to the collector names the
  // parent).
  EXPECT_EQ(CountRecords(asked).syscalls[kGetppid], 1202u);
  CommandResult bad = RunProgram({kMemwrap, "--syscalls=nosuchcall", kSyscallCounts});
  EXPECT_EQ(bad.exit_code(), 2);
  EXPECT_NE(bad.err.find("nosuchcall"), std::string::npos);
}

TEST(Tracer, StracedrvBadUsage) {
  EXPECT_EQ(RunProgram({kStracedrv}).exit_code(), 2);
  EXPECT_EQ(RunProgram({kStracedrv, "-e", "trace=%nonsense", "true"}).exit_code(), 2);
  EXPECT_EQ(RunProgram({kStracedrv, "--no-trace", "/nonexistent/program"}).exit_code(), 127);
}

}  // namespace
}  // namespace memwrap
