// memwrap watch against known truth: tests/programs/flight_pattern.c makes 1,000 allocations
// of 1,000 bytes in early_keep, 200,000 pairs of 64 bytes in churn, one of 5,000,000 bytes in
// big_step, and marks "tick", "tick", "done". watch must print exactly the events a filter
// selects, each with its site, and end like the program.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::ReadFile;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kPattern = test_support::BuiltFile("flight_pattern");
const std::string kWaitsForGo = test_support::BuiltFile("waits_for_go");

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The JSON lines watch wrote for `filter`, the program exiting with `exit_code`.
std::vector<json> Watch(const ScratchDir& dir, const std::string& filter, int exit_code = 0) {
  const std::string out = dir.File("watch.jsonl");
  CommandResult run = RunProgram({kMemwrap, "watch", "--filter", filter, "--format", "jsonl", "-o",
                                  out, "--force", "--", kPattern, std::to_string(exit_code)});
  EXPECT_EQ(run.exit_code(), exit_code) << run.err;
  std::vector<json> events;
  for (const std::string& line : Lines(ReadFile(out))) events.push_back(json::parse(line));
  return events;
}

TEST(Watch, PrintsExactlyTheEventsAFilterSelects) {
  ScratchDir dir;
  // The one allocation above 1 MiB, with its site.
  std::vector<json> big = Watch(dir, "size > 1MiB");
  ASSERT_EQ(big.size(), 1u);
  EXPECT_EQ(big[0]["kind"], "alloc");
  EXPECT_EQ(big[0]["size"], 5000000);
  EXPECT_EQ(big[0]["function"], "big_step");
  EXPECT_NE(big[0]["file"].get<std::string>().find("flight_pattern.c"), std::string::npos);
  EXPECT_EQ(big[0]["module"], "flight_pattern");
  // early_keep's 1,000 allocations, every one of 1,000 bytes.
  std::vector<json> early = Watch(dir, "top.function == early_keep");
  ASSERT_EQ(early.size(), 1000u);
  for (const json& event : early) {
    EXPECT_EQ(event["kind"], "alloc");
    EXPECT_EQ(event["size"], 1000);
  }
  // The marks, in order; times only grow.
  std::vector<json> marks = Watch(dir, "kind == mark");
  ASSERT_EQ(marks.size(), 3u);
  EXPECT_EQ(marks[0]["mark"], "tick");
  EXPECT_EQ(marks[1]["mark"], "tick");
  EXPECT_EQ(marks[2]["mark"], "done");
  EXPECT_LE(marks[0]["time_ns"].get<uint64_t>(), marks[1]["time_ns"].get<uint64_t>());
  EXPECT_LE(marks[1]["time_ns"].get<uint64_t>(), marks[2]["time_ns"].get<uint64_t>());
  // churn's 200,000 allocations of 64 bytes and their frees, which have no size.
  EXPECT_EQ(Watch(dir, "kind == alloc and size == 64 and function ~ \"churn\"").size(), 200000u);
  // The program's exit status passes through.
  EXPECT_EQ(Watch(dir, "size > 100GiB", 3).size(), 0u);
}

TEST(Watch, TextLinesNameTheSite) {
  ScratchDir dir;
  CommandResult run = RunProgram({kMemwrap, "watch", "--filter", "size >= 5000000", kPattern});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  // On standard error, after nothing else memwrap says (the program prints nothing).
  std::vector<std::string> lines = Lines(run.err);
  ASSERT_EQ(lines.size(), 1u) << run.err;
  EXPECT_NE(lines[0].find(" alloc 5000000 0x"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(" big_step ("), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("flight_pattern.c:"), std::string::npos) << lines[0];
}

TEST(Watch, ABadFilterIsRefusedWithItsColumn) {
  CommandResult run = RunProgram({kMemwrap, "watch", "--filter", "size > lots", kPattern});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_NE(run.err.find("memwrap watch: --filter size > lots: column 8: expected a size"),
            std::string::npos)
      << run.err;
  run = RunProgram({kMemwrap, "watch", "--format", "xml", kPattern});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_NE(run.err.find("--format xml: must be text or jsonl"), std::string::npos) << run.err;
}

// The program a `memwrap run` started (its child), once it runs.
pid_t ProgramOf(pid_t memwrap) {
  for (int i = 0; i < 6000; ++i) {
    std::error_code error;
    for (const auto& task :
         std::filesystem::directory_iterator("/proc/" + std::to_string(memwrap) + "/task", error)) {
      std::ifstream file(task.path() / "children");
      for (pid_t child = 0; file >> child;) {
        auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(child) + "/exe", error);
        if (!error && exe.filename() == "waits_for_go") return child;
      }
    }
    usleep(10'000);
  }
  return 0;
}

// memwrap watch -p PID, from another process, prints exactly the recording's events from the
// moment it attached: waits_for_go makes its 7 allocations of 100 bytes (each freed) only once
// the watcher is there, and the recording's trace holds the same events.
TEST(Watch, FollowsARecordingFromOutside) {
  ScratchDir dir;
  const std::string go = dir.File("go");
  pid_t run = fork();
  if (run == 0) {
    execl(kMemwrap.c_str(), kMemwrap.c_str(), "run", "-q", "--allow-watch", "-o",
          dir.File("run.mwt").c_str(), "--", kWaitsForGo.c_str(), dir.File("socket").c_str(),
          go.c_str(), "7", nullptr);
    _exit(127);
  }
  const pid_t program = ProgramOf(run);
  ASSERT_NE(program, 0) << "the program never started";
  // The program runs a little before memwrap offers the recording: wait for its socket.
  const std::string socket = "@memwrap-watch-" + std::to_string(program);
  for (int i = 0; i < 6000 && ReadFile("/proc/net/unix").find(socket) == std::string::npos; ++i) {
    usleep(10'000);
  }
  const std::string out = dir.File("watch.jsonl");
  pid_t watch = fork();
  if (watch == 0) {
    execl(kMemwrap.c_str(), kMemwrap.c_str(), "watch", "-p", std::to_string(program).c_str(),
          "--format", "jsonl", "--filter", "kind == alloc or kind == free", "-o", out.c_str(),
          nullptr);
    _exit(127);
  }
  // The watcher is served once it has had the time origin: give it the time to connect.
  usleep(500'000);
  test_support::WriteFile(go, "");
  int status = 0;
  ASSERT_EQ(waitpid(run, &status, 0), run);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_EQ(waitpid(watch, &status, 0), watch);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the recording's end ends the watch";
  std::vector<json> events;
  for (const std::string& line : Lines(ReadFile(out))) events.push_back(json::parse(line));
  ASSERT_EQ(events.size(), 14u) << ReadFile(out);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["kind"], i % 2 == 0 ? "alloc" : "free") << i;
    EXPECT_EQ(events[i]["pid"], program);
    if (i % 2 == 0) {
      EXPECT_EQ(events[i]["size"], 100);
      EXPECT_EQ(events[i]["function"], "main") << "symbolized from what came before it attached";
    }
  }
}

// fork_exec's child allocates 2,000 bytes, then becomes flight_pattern, whose stack ids start
// over: each event names its own image's function.
TEST(Watch, NamesEachImageOwnFunctionsAcrossExec) {
  ScratchDir dir;
  const std::string out = dir.File("exec.jsonl");
  CommandResult run =
      RunProgram({kMemwrap, "watch", "--filter", "size == 5000000 or size == 2000", "--format",
                  "jsonl", "-o", out, "--", test_support::BuiltFile("fork_exec"), kPattern, "0"});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  std::vector<json> events;
  for (const std::string& line : Lines(ReadFile(out))) events.push_back(json::parse(line));
  ASSERT_EQ(events.size(), 2u) << ReadFile(out);
  EXPECT_EQ(events[0]["size"], 2000);
  EXPECT_EQ(events[0]["module"], "fork_exec");
  EXPECT_EQ(events[1]["size"], 5000000);
  EXPECT_EQ(events[1]["function"], "big_step");
  EXPECT_EQ(events[1]["module"], "flight_pattern");
}

TEST(Watch, SaysWhenNoRecordingOffersItself) {
  CommandResult watch = RunProgram({kMemwrap, "watch", "-p", std::to_string(getpid())});
  EXPECT_EQ(watch.exit_code(), 1);
  EXPECT_NE(watch.err.find("no recording of pid " + std::to_string(getpid()) + " to watch"),
            std::string::npos)
      << watch.err;
}

}  // namespace
}  // namespace memwrap
