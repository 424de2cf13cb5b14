// memwrap as users run it: the real binary, the real preload library, real programs that know
// their own truth (samples/peak_pattern.c, tests/programs/*.c).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "memwrap/records.h"
#include "tests/report_json.h"
#include "tests/test_support.h"
#include "tracefile/record_cursor.h"
#include "tracefile/trace_reader.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::ReportJson;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kPeakPattern = test_support::BuiltFile("peak_pattern");
const std::string kExitWith = test_support::BuiltFile("exit_with");
const std::string kThreadsAlloc = test_support::BuiltFile("threads_alloc");
const std::string kCppContainers = test_support::BuiltFile("cpp_containers");
const std::string kCloseFds = test_support::BuiltFile("close_fds");
const std::string kExitWithStatic = test_support::BuiltFile("exit_with_static");
const std::string kLeaksAndTemporaries = test_support::BuiltFile("leaks_and_temporaries");
const std::string kForkExec = test_support::BuiltFile("fork_exec");

const json* SiteNamed(const json& report, const std::string& function) {
  for (const json& site : report["peak_sites"]) {
    if (site["function"] == function) return &site;
  }
  return nullptr;
}

// "key=value" and "expected_site NAME bytes=B allocations=A" lines the sample prints.
struct SampleTruth {
  uint64_t peak = 0, allocations = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> sites;
};

SampleTruth ParseTruth(const std::string& out) {
  SampleTruth truth;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("expected_peak_bytes=", 0) == 0) truth.peak = std::stoull(line.substr(20));
    if (line.rfind("expected_allocations=", 0) == 0) {
      truth.allocations = std::stoull(line.substr(21));
    }
    if (line.rfind("expected_site ", 0) == 0) {
      std::istringstream words(line.substr(14));
      std::string name, bytes, allocations;
      words >> name >> bytes >> allocations;
      truth.sites[name] = {std::stoull(bytes.substr(6)), std::stoull(allocations.substr(12))};
    }
  }
  return truth;
}

TEST(EndToEnd, SamplePeakAndSitesEqualWhatTheProgramKnows) {
  ScratchDir dir;
  const std::string trace = dir.File("sample.mwt");
  CommandResult run =
      RunProgram({kMemwrap, "-o", trace, kPeakPattern});  // the `memwrap ./app` form
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  SampleTruth truth = ParseTruth(run.out);
  ASSERT_EQ(truth.peak, 12000000u) << run.out;
  ASSERT_EQ(truth.sites.size(), 3u);

  json report = ReportJson(trace);
  EXPECT_EQ(report["peak_heap_bytes"].get<uint64_t>(), truth.peak);
  EXPECT_GT(report["peak_heap_time_ns"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), truth.allocations);
  EXPECT_EQ(report["totals"]["frees"].get<uint64_t>(), truth.allocations);
  EXPECT_EQ(report["lost_events"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["lost_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["peak_sites"].size(), truth.sites.size()) << "nothing else live at the peak";
  for (const auto& [function, expected] : truth.sites) {
    const json* site = SiteNamed(report, function);
    ASSERT_NE(site, nullptr) << function << " missing from " << report["peak_sites"].dump(1);
    EXPECT_EQ((*site)["bytes"].get<uint64_t>(), expected.first) << function;
    EXPECT_EQ((*site)["allocations"].get<uint64_t>(), expected.second) << function;
    EXPECT_NE((*site)["file"].get<std::string>().find("peak_pattern.c"), std::string::npos);
    EXPECT_GT((*site)["line"].get<int>(), 0);
    ASSERT_GE((*site)["stack"].size(), 2u);
    EXPECT_EQ((*site)["stack"][0]["function"], function);
    EXPECT_EQ((*site)["stack"][1]["function"], "main");
  }
  // Sites come largest first.
  EXPECT_EQ(report["peak_sites"][0]["function"], "load_table");
  ASSERT_EQ(report["processes"].size(), 1u);
  EXPECT_EQ(report["processes"][0]["exit_code"], 0);
  EXPECT_EQ(report["processes"][0]["peak_heap_bytes"].get<uint64_t>(), truth.peak);

  // The exit summary names the exact peak, the top site and the trace.
  EXPECT_NE(run.err.find("12,000,000 bytes"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("load_table"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(trace), std::string::npos) << run.err;

  CommandResult text = RunProgram({kMemwrap, "report", trace});
  EXPECT_EQ(text.exit_code(), 0);
  EXPECT_NE(text.out.find("Peak heap: 11.44 MiB (12,000,000 bytes)"), std::string::npos)
      << text.out;
}

TEST(EndToEnd, ExitCodesPassThrough) {
  ScratchDir dir;
  for (int code : {0, 1, 42}) {
    const std::string trace = dir.File("exit" + std::to_string(code) + ".mwt");
    CommandResult run =
        RunProgram({kMemwrap, "run", "-o", trace, "--", kExitWith, std::to_string(code)});
    EXPECT_EQ(run.exit_code(), code) << run.err;
    json report = ReportJson(trace);
    ASSERT_EQ(report["processes"].size(), 1u);
    EXPECT_EQ(report["processes"][0]["exit_code"], code);
    EXPECT_EQ(report["peak_heap_bytes"].get<uint64_t>(), 4096u);
  }
}

TEST(EndToEnd, DiesOfTheSignalThatKilledTheProgram) {
  ScratchDir dir;
  for (auto [how, sig] : {std::pair{"segv", SIGSEGV}, {"kill", SIGKILL}}) {
    const std::string trace = dir.File(std::string(how) + ".mwt");
    CommandResult run = RunProgram({kMemwrap, "-o", trace, kExitWith, how});
    EXPECT_FALSE(run.exited()) << how << ": memwrap exited with " << run.exit_code();
    EXPECT_EQ(run.term_signal(), sig) << how;
    json report = ReportJson(trace);
    ASSERT_EQ(report["processes"].size(), 1u);
    EXPECT_EQ(report["processes"][0]["term_signal"], sig);
    EXPECT_FALSE(report["processes"][0].contains("exit_code"));
  }
}

// A SIGTERM sent to memwrap (a CI runner's timeout, say) reaches the program; memwrap writes
// the trace and dies of the same signal.
std::vector<std::string> DevShm() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm")) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(EndToEnd, SignalsSentToMemwrapReachTheProgram) {
  ScratchDir dir;
  const std::vector<std::string> shm_before = DevShm();
  const std::string trace = dir.File("term.mwt");
  pid_t memwrap = fork();
  if (memwrap == 0) {
    execl(kMemwrap.c_str(), kMemwrap.c_str(), "-q", "-o", trace.c_str(), kExitWith.c_str(), "wait",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the program has been exec'd under memwrap: its /proc/PID/exe is exit_with.
  const std::string children =
      "/proc/" + std::to_string(memwrap) + "/task/" + std::to_string(memwrap) + "/children";
  bool running = false;
  for (int i = 0; i < 1000 && !running; ++i) {
    std::string child = test_support::ReadFile(children);
    if (!child.empty()) {
      std::error_code error;
      auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(std::stoi(child)) + "/exe",
                                               error);
      running = !error && exe.filename() == "exit_with";
    }
    if (!running) usleep(10000);
  }
  ASSERT_TRUE(running) << "the program never started";
  // While it runs: its ring is an anonymous memfd (nothing in /dev/shm or on disk), sealed at
  // its size.
  const std::string child = std::to_string(std::stoi(test_support::ReadFile(children)));
  std::string maps;
  for (int i = 0; i < 500 && maps.find("memwrap-ring") == std::string::npos; ++i) {
    usleep(10000);  // the shim maps its ring in its constructor, right after exec
    maps = test_support::ReadFile("/proc/" + child + "/maps");
  }
  EXPECT_NE(maps.find("/memfd:memwrap-ring (deleted)"), std::string::npos) << maps;
  EXPECT_EQ(shm_before, DevShm());
  kill(memwrap, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(memwrap, &status, 0), memwrap);
  ASSERT_TRUE(WIFSIGNALED(status)) << "memwrap exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  json report = ReportJson(trace);
  ASSERT_EQ(report["processes"].size(), 1u);
  EXPECT_EQ(report["processes"][0]["term_signal"], SIGTERM);
}

TEST(EndToEnd, MultiThreadedProgramLosesNoEvent) {
  ScratchDir dir;
  constexpr uint64_t kThreads = 8, kBlocks = 200, kSize = 1000, kChurn = 50;
  auto run_with_churn = [&](uint64_t churn) {
    const std::string trace = dir.File("threads" + std::to_string(churn) + ".mwt");
    CommandResult run =
        RunProgram({kMemwrap, "-q", "-o", trace, kThreadsAlloc, std::to_string(kThreads),
                    std::to_string(kBlocks), std::to_string(kSize), std::to_string(churn)});
    EXPECT_EQ(run.exit_code(), 0) << run.err;
    return ReportJson(trace);
  };
  json quiet = run_with_churn(0);
  // The smallest ring (64 KiB) fills thousands of times under this churn: producers must wait
  // for the collector, never drop.
  setenv("MEMWRAP_BUFFER", "65536", 1);
  json busy = run_with_churn(kChurn);
  unsetenv("MEMWRAP_BUFFER");
  for (const json* report : {&quiet, &busy}) {
    EXPECT_EQ((*report)["lost_events"].get<uint64_t>(), 0u);
    EXPECT_EQ((*report)["lost_bytes"].get<uint64_t>(), 0u);
    EXPECT_EQ((*report)["totals"]["untracked_frees"].get<uint64_t>(), 0u);
    EXPECT_EQ((*report)["totals"]["replaced_live_blocks"].get<uint64_t>(), 0u);
    const json* site = SiteNamed(*report, "worker_allocate");
    ASSERT_NE(site, nullptr) << (*report)["peak_sites"].dump(1);
    EXPECT_EQ((*site)["bytes"].get<uint64_t>(), kThreads * kBlocks * kSize);
    EXPECT_EQ((*site)["allocations"].get<uint64_t>(), kThreads * kBlocks);
    EXPECT_GE((*report)["peak_heap_bytes"].get<uint64_t>(), kThreads * kBlocks * kSize);
  }
  // The churn adds exactly threads x blocks x churn allocations and as many frees: every one
  // of them crossed the ring.
  auto count = [](const json& r, const char* key) { return r["totals"][key].get<uint64_t>(); };
  EXPECT_EQ(count(busy, "allocations") - count(quiet, "allocations"), kThreads * kBlocks * kChurn);
  EXPECT_EQ(count(busy, "frees") - count(quiet, "frees"), kThreads * kBlocks * kChurn);
}

TEST(EndToEnd, CppAllocationsAreAttributedToTheProgramNotTheLibrary) {
  ScratchDir dir;
  const std::string trace = dir.File("cpp.mwt");
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, kCppContainers});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  uint64_t expected_bytes = 0, expected_blocks = 0;
  sscanf(run.out.c_str(), "expected_site_bytes=%lu\nexpected_site_blocks=%lu", &expected_bytes,
         &expected_blocks);
  ASSERT_GT(expected_bytes, 0u) << run.out;
  uint64_t pool = 0;
  ASSERT_EQ(sscanf(run.out.c_str() + run.out.find("expected_runtime_pool_bytes="),
                   "expected_runtime_pool_bytes=%lu", &pool),
            1)
      << run.out;
  if (pool == 0) GTEST_SKIP() << "not GCC 12's libstdc++: its start-up pool is not known here";
  json report = ReportJson(trace);
  // One site per line of BuildNames (new vector, reserve, push_back), and libstdc++'s start-up
  // pool, nothing else live.
  uint64_t bytes = 0, blocks = 0;
  for (const json& site : report["peak_sites"]) {
    if (site["bytes"] == pool && site["module"].get<std::string>().rfind("libstdc++", 0) == 0) {
      continue;
    }
    EXPECT_EQ(site["function"], "app::BuildNames[abi:cxx11]()") << site.dump(1);
    EXPECT_NE(site["file"].get<std::string>().find("cpp_containers.cpp"), std::string::npos);
    // The heaviest stack starts inside the library (operator new or an inlined std:: frame).
    EXPECT_NE(site["stack"][0]["function"], site["function"]);
    bytes += site["bytes"].get<uint64_t>();
    blocks += site["allocations"].get<uint64_t>();
  }
  EXPECT_EQ(report["peak_sites"].size(), 4u);
  EXPECT_EQ(bytes, expected_bytes);
  EXPECT_EQ(blocks, expected_blocks);
  EXPECT_EQ(report["peak_heap_bytes"].get<uint64_t>(), expected_bytes + pool);
}

// Programs run one after the other by a shell: each one's heap is gone when it exits, so the
// trace-wide peak never adds them up.
TEST(EndToEnd, HeapOfAnExitedProcessLeavesTheTotal) {
  ScratchDir dir;
  const std::string trace = dir.File("sh.mwt");
  const std::string script = kExitWith + " 0; " + kExitWith + " 0; " + kExitWith + " 0";
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, "/bin/sh", "-c", script});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  json report = ReportJson(trace);
  uint64_t shell_peak = 0, programs = 0;
  for (const json& process : report["processes"]) {
    if (process["command"].get<std::string>().rfind("/bin/sh", 0) == 0) {
      shell_peak = process["peak_heap_bytes"].get<uint64_t>();
    } else {
      EXPECT_EQ(process["peak_heap_bytes"].get<uint64_t>(), 4096u) << process.dump();
      ++programs;
    }
  }
  // The last program may be exec'd by the shell in place of itself (same pid).
  EXPECT_GE(programs, 2u) << report["processes"].dump(1);
  EXPECT_LE(report["peak_heap_bytes"].get<uint64_t>(), shell_peak + 4096)
      << "the heaps of programs that had exited were still counted";
}

// An image exec'd with a cleared environment (env -i drops LD_PRELOAD and memwrap's
// variables) is still recorded: the tracer puts them back at its exec. The heap is the
// sample's, not env's.
TEST(EndToEnd, ImageExecdWithAClearedEnvironmentIsRecorded) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult run =
      RunProgram({kMemwrap, "-q", "-o", trace, "--", "/usr/bin/env", "-i", kPeakPattern});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_EQ(run.err.find("could not put"), std::string::npos) << run.err;
  SampleTruth truth = ParseTruth(run.out);
  ASSERT_GT(truth.peak, 0u) << run.out;
  json report = ReportJson(trace);
  EXPECT_EQ(report["peak_heap_bytes"].get<uint64_t>(), truth.peak);
  ASSERT_NE(SiteNamed(report, "load_table"), nullptr) << report["peak_sites"].dump(1);
  EXPECT_EQ((*SiteNamed(report, "load_table"))["bytes"].get<uint64_t>(),
            truth.sites["load_table"].first);
}

// The program sees the environment it was given: `env` run under memwrap (exec'd by a forked
// child, so the tracer restored memwrap's variables for it) prints exactly what it prints
// without memwrap; a LD_PRELOAD of the program's own keeps its other libraries, and --ltrace's
// LD_AUDIT and MEMWRAP_LTRACE are hidden too. Every image is still recorded: the forked child
// before its exec (it reconnects with the socket name the shim remembered) and the exec'd one.
TEST(EndToEnd, ProgramSeesTheEnvironmentItWasGiven) {
  ScratchDir dir;
  CommandResult plain = RunProgram({"/usr/bin/env"});
  ASSERT_EQ(plain.exit_code(), 0);
  const std::string trace = dir.File("t.mwt");
  CommandResult traced = RunProgram({kMemwrap, "-q", "-o", trace, "--", kForkExec, "/usr/bin/env"});
  ASSERT_EQ(traced.exit_code(), 0) << traced.err;
  EXPECT_EQ(traced.out, plain.out);
  json report = ReportJson(trace);
  ASSERT_EQ(report["processes"].size(), 2u) << report["processes"].dump(1);
  const json& child = report["processes"][1];
  EXPECT_TRUE(child["heap_recorded"].get<bool>());
  CommandResult only = RunProgram({kMemwrap, "report", "--format", "json", "--process",
                                   std::to_string(child["pid"].get<uint64_t>()), trace});
  ASSERT_EQ(only.exit_code(), 0) << only.err;
  json filtered = json::parse(only.out);
  // The forked child's own 2,000 bytes, then env's allocations.
  EXPECT_GT(filtered["totals"]["bytes_allocated"].get<uint64_t>(), 2000u);
  EXPECT_GT(filtered["totals"]["allocations"].get<uint64_t>(), 1u);

  const std::string own = std::string("LD_PRELOAD=") + test_support::BuiltFile("libdl_library.so");
  CommandResult preloaded = RunProgram(
      {kMemwrap, "-q", "-o", dir.File("p.mwt"), "--", "/usr/bin/env", own, "/usr/bin/env"});
  ASSERT_EQ(preloaded.exit_code(), 0) << preloaded.err;
  EXPECT_NE(preloaded.out.find(own + "\n"), std::string::npos) << preloaded.out;
  EXPECT_EQ(preloaded.out.find("memwrap"), std::string::npos) << preloaded.out;

  CommandResult audited = RunProgram(
      {kMemwrap, "-q", "--ltrace", "malloc", "-o", dir.File("a.mwt"), "--", "/usr/bin/env"});
  ASSERT_EQ(audited.exit_code(), 0) << audited.err;
  EXPECT_EQ(audited.out, plain.out);
  json audited_report = ReportJson(dir.File("a.mwt"));
  EXPECT_GT(audited_report["totals"]["allocations"].get<uint64_t>(), 0u);
}

// A program that closes every descriptor (as daemons do), memwrap's socket included, reuses
// the numbers and dup2s onto the socket's: it runs to completion and nothing is lost, whether
// it closes them through libc (the shim keeps its socket) or with a raw system call (the
// collector keeps reading the ring of a process that still maps it). The small ring makes
// the program wait for the collector many times.
TEST(EndToEnd, ProgramThatClosesEveryDescriptorIsStillRecordedInFull) {
  for (std::string mode : {"libc", "raw"}) {
    SCOPED_TRACE(mode);
    ScratchDir dir;
    setenv("MEMWRAP_BUFFER", "65536", 1);  // fills after ~1,500 events
    const std::string trace = dir.File("t.mwt");
    CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, kCloseFds, mode});
    unsetenv("MEMWRAP_BUFFER");
    ASSERT_EQ(run.exit_code(), 0) << run.err;
    EXPECT_EQ(run.err.find("tracing stopped"), std::string::npos) << run.err;
    json report = ReportJson(trace);
    // The program's 200,000 plus stdout's buffer.
    EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), 200001u);
    EXPECT_EQ(report["totals"]["frees"].get<uint64_t>(), 200000u);
    EXPECT_EQ(report["lost_events"].get<uint64_t>(), 0u);
  }
}

// Each distinct stack crosses the ring once; events refer to it by id.
TEST(EndToEnd, EachDistinctStackIsSentOnce) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", trace, kPeakPattern}).exit_code(), 0);
  TraceReader reader(trace);
  Chunk chunk;
  std::set<StackId> defined, used;
  std::set<std::vector<uint64_t>> distinct_frames;
  uint64_t stack_records = 0, allocations = 0;
  while (reader.NextChunk(&chunk) == TraceReader::Status::kChunk) {
    if (chunk.type != ChunkType::kRecords) continue;
    RecordCursor cursor(chunk.data.data(), chunk.data.size());
    RecordView view;
    while (cursor.Next(&view, "test")) {
      if (const auto* stack = view.As<StackRecord>(); stack && view.type == RecordType::kStack) {
        ++stack_records;
        defined.insert(stack->id);
        const auto* frames = reinterpret_cast<const uint64_t*>(view.data + sizeof(*stack));
        distinct_frames.insert(std::vector<uint64_t>(frames, frames + stack->depth));
      } else if (const auto* alloc = view.As<AllocRecord>();
                 alloc && view.type == RecordType::kAlloc) {
        ++allocations;
        used.insert(alloc->stack);
      }
    }
  }
  EXPECT_EQ(stack_records, defined.size()) << "a stack id was sent twice";
  EXPECT_EQ(distinct_frames.size(), defined.size()) << "the same frames got two ids";
  for (StackId id : used) EXPECT_TRUE(defined.count(id)) << "stack " << id << " never sent";
  // parse_records alone makes 100 allocations from one stack.
  EXPECT_GE(allocations, 100u);
  EXPECT_LT(stack_records, 20u);
}

TEST(EndToEnd, DefaultTraceIsNamedAfterProgramAndPid) {
  ScratchDir dir;
  CommandResult run = RunProgram({kMemwrap, "-q", kExitWith, "3"}, dir.path());
  EXPECT_EQ(run.exit_code(), 3) << run.err;
  std::vector<std::string> traces;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    traces.push_back(entry.path().filename().string());
  }
  ASSERT_EQ(traces.size(), 1u);
  json report = ReportJson(dir.File(traces[0]));
  uint64_t pid = report["processes"][0]["pid"].get<uint64_t>();
  EXPECT_EQ(traces[0], "exit_with." + std::to_string(pid) + ".mwt");
}

TEST(EndToEnd, MissingOrNonExecutableProgramFailsLikeAShell) {
  ScratchDir dir;
  CommandResult missing = RunProgram({kMemwrap, dir.File("no-such-program")}, dir.path());
  EXPECT_EQ(missing.exit_code(), 127);
  EXPECT_NE(missing.err.find("no-such-program"), std::string::npos) << missing.err;
  CommandResult not_in_path = RunProgram({kMemwrap, "memwrap-no-such-command-xyz"}, dir.path());
  EXPECT_EQ(not_in_path.exit_code(), 127);
  EXPECT_NE(not_in_path.err.find("command not found"), std::string::npos) << not_in_path.err;

  test_support::WriteFile(dir.File("script.sh"), "#!/bin/sh\nexit 0\n");
  chmod(dir.File("script.sh").c_str(), 0644);  // not executable
  CommandResult denied = RunProgram({kMemwrap, dir.File("script.sh")}, dir.path());
  EXPECT_EQ(denied.exit_code(), 126);
  EXPECT_NE(denied.err.find("Permission denied"), std::string::npos) << denied.err;
  // Exactly one line each, and no trace left behind.
  EXPECT_EQ(std::count(denied.err.begin(), denied.err.end(), '\n'), 1) << denied.err;
  EXPECT_FALSE(test_support::FileExists(dir.File("script.sh.0.mwt")));
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    files += entry.path().extension() == ".mwt";
  }
  EXPECT_EQ(files, 0u);
}

TEST(EndToEnd, ADirectoryAsProgramIsADirectoryLikeUnderAShell) {
  ScratchDir dir;
  mkdir(dir.File("subdir").c_str(), 0755);
  CommandResult run = RunProgram({kMemwrap, dir.File("subdir")}, dir.path());
  EXPECT_EQ(run.exit_code(), 126);
  EXPECT_NE(run.err.find("Is a directory"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    files += entry.path().extension() == ".mwt";
  }
  EXPECT_EQ(files, 0u);
}

TEST(EndToEnd, UnwritableOutputIsAnErrorBeforeTheProgramStarts) {
  ScratchDir dir;
  const std::string marker = dir.File("ran");
  CommandResult run =
      RunProgram({kMemwrap, "-o", dir.File("missing-dir/t.mwt"), "/usr/bin/touch", marker});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_NE(run.err.find("missing-dir/t.mwt"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_FALSE(test_support::FileExists(marker)) << "the program must not have run";
}

// Programs the shim cannot or must not enter run untouched; the report says the heap is
// missing and why, and the exit status still passes through.
TEST(EndToEnd, StaticAndSetuidProgramsRunWithoutTheShimAndTheReportSaysSo) {
  ScratchDir dir;
  const std::string setuid_copy = dir.File("exit_with_setuid");
  std::filesystem::copy_file(kExitWith, setuid_copy);
  chmod(setuid_copy.c_str(), 04755);
  for (auto [program, reason] : {std::pair{kExitWithStatic, std::string("statically linked")},
                                 {setuid_copy, std::string("setuid")}}) {
    const std::string trace = dir.File(std::filesystem::path(program).filename().string() + ".mwt");
    CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, program, "7"});
    EXPECT_EQ(run.exit_code(), 7) << run.err;
    EXPECT_NE(run.err.find(reason), std::string::npos) << run.err;
    json report = ReportJson(trace);
    EXPECT_NE(report["heap_not_recorded"].get<std::string>().find(reason), std::string::npos);
    EXPECT_EQ(report["totals"]["allocations"].get<uint64_t>(), 0u);
    ASSERT_EQ(report["processes"].size(), 1u);
    EXPECT_EQ(report["processes"][0]["exit_code"], 7);
    CommandResult text = RunProgram({kMemwrap, "report", trace});
    EXPECT_NE(text.out.find("was not recorded"), std::string::npos) << text.out;
  }
}

// Without the shim, a static program's mappings come from its memory system calls, which the
// tracer records by default there: the program's own mmaps, munmaps and mremaps exactly, and
// (no shim to tell them apart) its malloc's moves of the break as mappings too.
TEST(EndToEnd, StaticProgramsMappingsComeFromTheirSystemCalls) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  CommandResult run =
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("mappings_static")});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  json truth = json::object();
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    const size_t equals = line.find('=');
    if (line.rfind("expected_", 0) == 0 && equals != std::string::npos) {
      truth[line.substr(9, equals - 9)] = std::stoull(line.substr(equals + 1));
    }
  }
  ASSERT_EQ(truth.size(), 6u) << run.out;
  json report = ReportJson(trace);
  EXPECT_FALSE(report["processes"][0]["heap_recorded"].get<bool>());
  EXPECT_EQ(report["totals"]["mmaps"], truth["mmaps"]);
  EXPECT_EQ(report["totals"]["munmaps"], truth["munmaps"]);
  EXPECT_EQ(report["totals"]["mremaps"], truth["mremaps"]);
  EXPECT_GE(report["totals"]["brks"].get<uint64_t>(), truth["brks"].get<uint64_t>());
  // The peak is at the end: the program's 8 pages of sbrk plus its 4,096 mallocs of 256 bytes
  // (1 MiB and glibc's headers), which a static glibc takes from the break.
  const uint64_t peak = report["peak_mapped_bytes"].get<uint64_t>();
  EXPECT_GE(peak, truth["final_mapped_bytes"].get<uint64_t>() + (1u << 20));
  EXPECT_LE(peak, truth["final_mapped_bytes"].get<uint64_t>() + (2u << 20));
  EXPECT_EQ(report["processes"][0]["peak_mapped_bytes"].get<uint64_t>(), peak);
}

TEST(EndToEnd, LeaksTemporariesAndTopSitesMatchWhatTheProgramDoes) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", trace, kLeaksAndTemporaries}).exit_code(), 0);
  json report = ReportJson(trace);
  EXPECT_EQ(report["leaked_bytes"].get<uint64_t>(), 3000u);
  EXPECT_EQ(report["leaked_blocks"].get<uint64_t>(), 3u);
  ASSERT_EQ(report["leak_sites"].size(), 1u);
  EXPECT_EQ(report["leak_sites"][0]["function"], "leak_three");
  EXPECT_EQ(report["leak_sites"][0]["allocations"].get<uint64_t>(), 3u);
  EXPECT_EQ(report["temporary_allocations"].get<uint64_t>(), 60u);
  ASSERT_GE(report["temporary_sites"].size(), 2u);
  EXPECT_EQ(report["temporary_sites"][0]["function"], "temp_fifty");
  EXPECT_EQ(report["temporary_sites"][0]["temporary_allocations"].get<uint64_t>(), 50u);
  EXPECT_EQ(report["temporary_sites"][1]["function"], "interleaved");
  EXPECT_EQ(report["temporary_sites"][1]["temporary_allocations"].get<uint64_t>(), 10u);
  EXPECT_EQ(report["top_sites_by_calls"][0]["function"], "temp_fifty");
  EXPECT_EQ(report["top_sites_by_calls"][0]["allocations"].get<uint64_t>(), 50u);
  EXPECT_EQ(report["top_sites_by_calls"][0]["bytes_allocated"].get<uint64_t>(), 3200u);
  EXPECT_EQ(report["top_sites_by_bytes"][0]["function"], "temp_fifty");
  EXPECT_EQ(report["top_sites_by_bytes"][1]["function"], "leak_three");

  // A suppression file moves the leak out of leaked_bytes, and says how much it moved.
  test_support::WriteFile(dir.File("supp"), "# known\nleak:leak_*\n");
  CommandResult suppressed = RunProgram(
      {kMemwrap, "report", "--format", "json", "--suppressions", dir.File("supp"), trace});
  ASSERT_EQ(suppressed.exit_code(), 0) << suppressed.err;
  json quiet = json::parse(suppressed.out);
  EXPECT_EQ(quiet["leaked_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(quiet["suppressed_leaked_bytes"].get<uint64_t>(), 3000u);
  EXPECT_TRUE(quiet["leak_sites"].empty());
  EXPECT_EQ(RunProgram({kMemwrap, "report", "--suppressions", dir.File("none"), trace}).exit_code(),
            2);
}

TEST(EndToEnd, PerThreadTotalsAndTheProcessFilter) {
  ScratchDir dir;
  const std::string trace = dir.File("threads.mwt");
  ASSERT_EQ(
      RunProgram({kMemwrap, "-q", "-o", trace, kThreadsAlloc, "4", "100", "64", "10"}).exit_code(),
      0);
  json report = ReportJson(trace);
  int workers = 0;
  for (const json& thread : report["processes"][0]["threads"]) {
    // Each worker: 100 kept blocks and 100 x 10 churned ones, all freed.
    if (thread["allocations"].get<uint64_t>() == 1100u) {
      ++workers;
      EXPECT_EQ(thread["frees"].get<uint64_t>(), 1100u);
    }
  }
  EXPECT_EQ(workers, 4) << report["processes"][0]["threads"].dump(1);

  const std::string tree = dir.File("tree.mwt");
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", tree, kForkExec, kExitWith, "0"}).exit_code(), 0);
  json all = ReportJson(tree);
  ASSERT_EQ(all["processes"].size(), 2u);
  const uint64_t child = all["processes"][1]["pid"].get<uint64_t>();
  CommandResult only = RunProgram(
      {kMemwrap, "report", "--format", "json", "--process", std::to_string(child), tree});
  ASSERT_EQ(only.exit_code(), 0) << only.err;
  json filtered = json::parse(only.out);
  EXPECT_EQ(filtered["process_filter"].get<uint64_t>(), child);
  ASSERT_EQ(filtered["processes"].size(), 1u);
  EXPECT_EQ(filtered["processes"][0]["pid"].get<uint64_t>(), child);
  EXPECT_EQ(filtered["peak_heap_bytes"].get<uint64_t>(), 4096u);
  EXPECT_EQ(filtered["totals"]["bytes_allocated"].get<uint64_t>(), 2000u + 4096u);
}

TEST(EndToEnd, DiffNamesTheSitesThatChangedAndSeveralTracesMerge) {
  ScratchDir dir;
  const std::string a = dir.File("a.mwt"), b = dir.File("b.mwt");
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", a, kPeakPattern}).exit_code(), 0);
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", b, kLeaksAndTemporaries}).exit_code(), 0);
  CommandResult diff = RunProgram({kMemwrap, "diff", "--format", "json", a, b});
  ASSERT_EQ(diff.exit_code(), 0) << diff.err;
  json out = json::parse(diff.out);
  EXPECT_EQ(out["peak_heap_bytes"]["a"].get<int64_t>(), 12000000);
  EXPECT_EQ(out["peak_heap_bytes"]["delta"].get<int64_t>(),
            out["peak_heap_bytes"]["b"].get<int64_t>() - 12000000);
  EXPECT_EQ(out["leaked_bytes"]["delta"].get<int64_t>(), 3000);
  ASSERT_GE(out["sites"].size(), 4u);
  EXPECT_EQ(out["sites"][0]["function"], "load_table");  // the largest change at the peak
  EXPECT_EQ(out["sites"][0]["peak_bytes"]["delta"].get<int64_t>(), -8000000);
  EXPECT_EQ(out["sites"][0]["total_bytes"]["delta"].get<int64_t>(), -8000000);
  bool leak_three = false;
  for (const json& site : out["sites"]) {
    if (site["function"] == "leak_three") {
      leak_three = true;
      EXPECT_EQ(site["peak_bytes"]["delta"].get<int64_t>(), 3000);
    }
  }
  EXPECT_TRUE(leak_three) << out["sites"].dump(1);
  EXPECT_EQ(RunProgram({kMemwrap, "diff", a}).exit_code(), 2);

  CommandResult merged = RunProgram({kMemwrap, "report", "--format", "json", a, b});
  ASSERT_EQ(merged.exit_code(), 0) << merged.err;
  json both = json::parse(merged.out);
  ASSERT_EQ(both["traces"].size(), 2u);
  const uint64_t peak_b = both["traces"][1]["peak_heap_bytes"].get<uint64_t>();
  EXPECT_EQ(both["peak_heap_bytes"]["max"].get<uint64_t>(), 12000000u);
  EXPECT_EQ(both["peak_heap_bytes"]["min"].get<uint64_t>(), peak_b);
  EXPECT_EQ(both["peak_heap_bytes"]["total"].get<uint64_t>(), 12000000u + peak_b);
  EXPECT_DOUBLE_EQ(both["peak_heap_bytes"]["mean"].get<double>(), (12000000.0 + peak_b) / 2);
  EXPECT_EQ(both["leaked_bytes"]["total"].get<uint64_t>(), 3000u);
}

TEST(EndToEnd, AnExistingTraceIsKeptUnlessForced) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  test_support::WriteFile(trace, "precious");
  const std::string marker = dir.File("ran");
  CommandResult refused = RunProgram({kMemwrap, "-o", trace, "/usr/bin/touch", marker});
  EXPECT_EQ(refused.exit_code(), 2);
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_FALSE(test_support::FileExists(marker)) << "the program must not have run";
  EXPECT_EQ(test_support::ReadFile(trace), "precious");
  CommandResult forced = RunProgram({kMemwrap, "--force", "-q", "-o", trace, kExitWith, "0"});
  EXPECT_EQ(forced.exit_code(), 0) << forced.err;
  EXPECT_EQ(ReportJson(trace)["peak_heap_bytes"].get<uint64_t>(), 4096u);
}

TEST(EndToEnd, ReportReadsATruncatedTraceAndRejectsACorruptOne) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", trace, kPeakPattern}).exit_code(), 0);
  std::string data = test_support::ReadFile(trace);

  test_support::WriteFile(dir.File("cut.mwt"), data.substr(0, data.size() - 7));
  CommandResult cut = RunProgram({kMemwrap, "report", "--format", "json", dir.File("cut.mwt")});
  EXPECT_EQ(cut.exit_code(), 0) << cut.err;
  EXPECT_NE(cut.err.find("truncated"), std::string::npos) << cut.err;
  EXPECT_FALSE(json::parse(cut.out)["warnings"].empty());

  std::string damaged = data;
  damaged[damaged.size() / 2] ^= 0x10;
  test_support::WriteFile(dir.File("bad.mwt"), damaged);
  CommandResult bad = RunProgram({kMemwrap, "report", dir.File("bad.mwt")});
  EXPECT_EQ(bad.exit_code(), 2);
  EXPECT_NE(bad.err.find("corrupt at offset"), std::string::npos) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;

  test_support::WriteFile(dir.File("random.mwt"), std::string(4096, '\x7f'));
  CommandResult random = RunProgram({kMemwrap, "report", dir.File("random.mwt")});
  EXPECT_EQ(random.exit_code(), 2);
  EXPECT_NE(random.err.find("not a memwrap trace"), std::string::npos) << random.err;

  CommandResult missing = RunProgram({kMemwrap, "report", dir.File("absent.mwt")});
  EXPECT_EQ(missing.exit_code(), 2);
}

TEST(EndToEnd, HelpDescribesEveryOption) {
  CommandResult help = RunProgram({kMemwrap, "--help"});
  EXPECT_EQ(help.exit_code(), 0);
  for (const char* option : {"--output", "--top", "--quiet", "--help", "memwrap report"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
  CommandResult report_help = RunProgram({kMemwrap, "report", "--help"});
  EXPECT_EQ(report_help.exit_code(), 0);
  for (const char* option : {"--format", "text|json", "--top"}) {
    EXPECT_NE(report_help.out.find(option), std::string::npos) << option;
  }
  EXPECT_EQ(RunProgram({kMemwrap, "--no-such-option", kExitWith}).exit_code(), 2);
  EXPECT_EQ(RunProgram({kMemwrap}).exit_code(), 2);
}

// The exit summary builds only the lines it prints (ReportScope::kRunSummary); they must be the
// peak-site lines of the full report, character for character.
TEST(EndToEnd, ExitSummaryShowsTheReportsPeakSites) {
  auto peak_site_lines = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      // "  #1    12,000,000  99.9%  3 blocks  site": only the peak's lines have a percentage.
      if (line.rfind("  #", 0) == 0 && line.size() > 3 && isdigit(line[3]) &&
          line.find('%') != std::string::npos) {
        lines.push_back(line);
      }
    }
    return lines;
  };
  ScratchDir dir;
  for (const std::string& program : {kPeakPattern, kCppContainers}) {
    const std::string trace = dir.File("summary.mwt");
    CommandResult run = RunProgram({kMemwrap, "run", "--force", "-o", trace, "--", program});
    ASSERT_EQ(run.exit_code(), 0) << run.err;
    CommandResult report = RunProgram({kMemwrap, "report", trace});
    ASSERT_EQ(report.exit_code(), 0) << report.err;
    const std::vector<std::string> summary = peak_site_lines(run.err);
    EXPECT_FALSE(summary.empty()) << run.err;
    EXPECT_EQ(summary, peak_site_lines(report.out)) << run.err << "\n" << report.out;
  }
}

}  // namespace
}  // namespace memwrap
