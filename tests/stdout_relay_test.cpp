// memwrap --stdout and broken pipes (tracer/stdout_relay.h, tracer/broken_pipe.h): memwrap's
// own output failing never costs the trace and never changes how the program ends, and a
// killed memwrap leaves the program's output flowing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kLines = test_support::BuiltFile("stdout_lines");
// 10,000 lines of about 100 bytes: far more than a pipe holds, so a writer whose reader is
// gone must meet the broken pipe before it is done.
constexpr int kLineCount = 10000;

// Starts argv with its stdout on `out` and its stderr on `err`.
pid_t Spawn(const std::vector<std::string>& argv, int out, int err) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out, STDOUT_FILENO);
    if (err >= 0) dup2(err, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Reads one line from `fd` byte by byte (so nothing after it is taken from the pipe).
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

std::string ReadAll(int fd) {
  std::string text;
  char buffer[65536];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, size_t(n));
  return text;
}

// The program's status when run as `PROGRAM | head -1`, with or without memwrap before it.
int StatusUnderHead(const std::vector<std::string>& argv, const std::string& go, int err) {
  int pipe_fds[2];
  EXPECT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);  // only the child's stdout holds it
  pid_t pid = Spawn(argv, pipe_fds[1], err);
  close(pipe_fds[1]);
  EXPECT_EQ(ReadLine(pipe_fds[0]).rfind("line 1 ", 0), 0u);
  close(pipe_fds[0]);  // head -1 is done
  test_support::WriteFile(go, "");
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  unlink(go.c_str());
  return status;
}

TEST(StdoutRelay, AClosedStdoutEndsTheProgramAsWithoutMemwrapAndTheTraceIsWhole) {
  ScratchDir dir;
  const std::string go = dir.File("go"), marker = dir.File("done"), trace = dir.File("t.mwt");
  const int plain = StatusUnderHead({kLines, std::to_string(kLineCount), go, marker}, go, -1);
  ASSERT_TRUE(WIFSIGNALED(plain) && WTERMSIG(plain) == SIGPIPE) << "without memwrap: " << plain;

  const int err = open(dir.File("err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int wrapped = StatusUnderHead(
      {kMemwrap, "--stdout", "-o", trace, "--", kLines, std::to_string(kLineCount), go, marker}, go,
      err);
  close(err);
  const std::string stderr_text = test_support::ReadFile(dir.File("err"));
  // memwrap ends as the program did: killed by SIGPIPE, the program's own (not memwrap's:
  // memwrap printed its summary and wrote the trace to the end).
  EXPECT_TRUE(WIFSIGNALED(wrapped) && WTERMSIG(wrapped) == SIGPIPE) << wrapped;
  EXPECT_FALSE(test_support::FileExists(marker));
  EXPECT_NE(stderr_text.find("peak"), std::string::npos) << stderr_text;
  CommandResult report = RunProgram({kMemwrap, "report", "--format", "json", trace});
  ASSERT_EQ(report.exit_code(), 0) << report.err;
  EXPECT_EQ(report.err, "");  // no warning: the trace is whole
  json parsed = json::parse(report.out);
  ASSERT_EQ(parsed["processes"].size(), 1u) << report.out;
  EXPECT_EQ(parsed["processes"][0]["term_signal"], SIGPIPE) << parsed["processes"][0].dump();
  EXPECT_EQ(parsed["totals"]["allocations"].get<uint64_t>(), 100u);
  // The check gate judges only whole traces (an incomplete one is exit 2): it judges this
  // one, and fails it for the program's death.
  CommandResult check = RunProgram({kMemwrap, "check", "--max-peak-heap", "1MiB", trace});
  EXPECT_EQ(check.exit_code(), 1) << check.out << check.err;
  EXPECT_NE(check.out.find("killed by signal 13"), std::string::npos) << check.out;
}

TEST(StdoutRelay, AfterMemwrapIsKilledTheProgramsOutputStillFlows) {
  ScratchDir dir;
  const std::string go = dir.File("go"), marker = dir.File("done"), trace = dir.File("t.mwt");
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
  pid_t memwrap = Spawn({kMemwrap, "-q", "--stdout", "-o", trace, "--", kLines,
                         std::to_string(kLineCount), go, marker},
                        pipe_fds[1], -1);
  close(pipe_fds[1]);
  ASSERT_EQ(ReadLine(pipe_fds[0]).rfind("line 1 ", 0), 0u);
  kill(memwrap, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(memwrap, &status, 0), memwrap);
  test_support::WriteFile(go, "");
  // Every later line arrives, and the program runs to its end (end of file: the relay ended
  // with the program's pipe).
  const std::string rest = ReadAll(pipe_fds[0]);
  close(pipe_fds[0]);
  EXPECT_EQ(std::count(rest.begin(), rest.end(), '\n'), kLineCount - 1);
  EXPECT_TRUE(test_support::FileExists(marker));
}

}  // namespace
}  // namespace memwrap
