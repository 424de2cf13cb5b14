// The recording session on its own: a launched program run to its end, a process attached to
// and let go, and the errors that must leave nothing behind (cli/recording_session.h).
#include "cli/recording_session.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "analyzer/trace_stream.h"
#include "memwrap/exit_codes.h"
#include "tests/test_support.h"
#include "tracefile/trace_reader.h"

namespace memwrap {
namespace {

using test_support::ScratchDir;
using test_support::WriteFile;

const char* const kExitWith = test_support::BuiltFile("exit_with");
constexpr uint64_t kTickNs = 10'000'000;

SessionInfo SessionInfoOf(const std::string& trace) {
  TraceReader reader(trace);
  TraceStream stream(&reader);
  return stream.session_info();
}

TEST(RecordingSession, LaunchedProgramRunsToItsEndIntoTheTrace) {
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  RecordingSession session("test");
  session.Launch(kExitWith, {kExitWith, "7"}, CurrentEnvironment());
  ASSERT_TRUE(session.OpenTrace(trace, TraceWriter::Existing::kRefuse,
                                {{"command", JoinCommand({kExitWith, "7"})}}));
  session.StartCollector(0);
  TraceRecorder& recorder = session.MakeRecorder(ShimPresence::kNone, 0);
  session.Follow(&recorder, ProcessTreeOptions{});
  ASSERT_EQ(session.Trace(), "");
  int ticks = 0;
  const ProgramEnd end = session.Run(kTickNs, [&ticks](uint64_t) { ++ticks; });
  session.FinishTrace();
  EXPECT_EQ(end.exec_error, 0);
  ASSERT_TRUE(WIFEXITED(end.status));
  EXPECT_EQ(WEXITSTATUS(end.status), 7);
  EXPECT_EQ(SessionInfoOf(trace).at("command"), std::string(kExitWith) + " 7");
}

TEST(RecordingSession, ExecFailuresAreTheShellsExitCodes) {
  ScratchDir dir;
  struct Case {
    std::string path;
    int exit_code;
  };
  for (const Case& c :
       {Case{dir.File("missing"), kExitNotFound}, Case{dir.path(), kExitCannotExecute}}) {
    RecordingSession session("test");
    session.Launch(c.path, {c.path}, CurrentEnvironment());
    const ProgramEnd end = session.RunUntraced();
    ASSERT_NE(end.exec_error, 0) << c.path;
    EXPECT_EQ(session.ExecFailed(c.path, end.exec_error), c.exit_code) << c.path;
  }
}

TEST(RecordingSession, TraceThatCannotBeWrittenAbandonsTheProgram) {
  ScratchDir dir;
  const std::string trace = dir.File("exists.mwt");
  WriteFile(trace, "not mine");
  RecordingSession session("test");
  session.Launch(kExitWith, {kExitWith, "0"}, CurrentEnvironment());
  const pid_t pid = session.pid();
  EXPECT_FALSE(session.OpenTrace(trace, TraceWriter::Existing::kRefuse, {}));
  EXPECT_EQ(kill(pid, 0), -1);  // killed and reaped, never run
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(test_support::ReadFile(trace), "not mine");
}

TEST(RecordingSession, AttachedProcessRunsOnAfterTheDuration) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl(kExitWith, kExitWith, "wait", static_cast<char*>(nullptr));
    _exit(127);
  }
  {
    RecordingSession session("test");
    session.AttachTo(child);
    TraceObserver observer;
    session.Follow(&observer, ProcessTreeOptions{});
    ASSERT_EQ(session.Trace(), "");
    const ProgramEnd end = session.Run(
        kTickNs, [](uint64_t) {}, 100'000'000);
    EXPECT_EQ(end.status, -1);  // detached, not ended
    session.FinishTrace();
  }
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, WNOHANG), 0);  // still running, not stopped by us
  kill(child, SIGKILL);
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(RecordingSession, ProgramNotRunnableIsTheShellsExitCode) {
  EXPECT_EQ(ProgramNotRunnable("test", "nothing", ENOENT), kExitNotFound);
  EXPECT_EQ(ProgramNotRunnable("test", "a-directory", EACCES), kExitCannotExecute);
}

}  // namespace
}  // namespace memwrap
