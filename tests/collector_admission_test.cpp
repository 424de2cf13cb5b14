// The collector takes only the processes its memwrap follows (tracer/collector/peer_admission.h): a
// stranger who connects is hung up on before anything is read, unanswered, and a shim started
// outside the recording with its MEMWRAP_SOCKET runs untraced and is not in the trace.
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
constexpr uid_t kNobody = 65534;
constexpr long kAllocations = 1000;

pid_t Spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

bool WaitForFile(const std::string& path) {
  const timespec pause{0, 10'000'000};
  for (int i = 0; i < 6000; ++i) {  // a minute at most
    if (test_support::FileExists(path)) return true;
    nanosleep(&pause, nullptr);
  }
  return false;
}

// What a stranger running as `uid` gets when it connects to the collector `name` and waits
// for anything: "hung up" (end of file, no byte), "answered", or why it could not connect.
std::string StrangerConnects(const std::string& name, uid_t uid) {
  int report[2];
  if (pipe(report) != 0) return "pipe failed";
  pid_t child = fork();
  if (child == 0) {
    close(report[0]);
    auto say = [&](const char* what) {
      ssize_t ignored = write(report[1], what, strlen(what));
      (void)ignored;
      _exit(0);
    };
    if (uid != getuid() && (setgroups(0, nullptr) != 0 || setgid(uid) != 0 || setuid(uid) != 0)) {
      say("cannot change user");
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path + 1, name.data(), name.size());
    socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) say("cannot connect");
    // Sends nothing and waits (at most 30 s) for whatever the collector does.
    timeval timeout{30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char byte;
    ssize_t got = recv(fd, &byte, 1, 0);
    say(got == 0 ? "hung up" : got > 0 ? "answered" : "no end of file within 30 s");
  }
  close(report[1]);
  std::string said;
  char buffer[64];
  ssize_t n;
  while ((n = read(report[0], buffer, sizeof(buffer))) > 0) said.append(buffer, size_t(n));
  close(report[0]);
  waitpid(child, nullptr, 0);
  return said;
}

TEST(CollectorAdmission, StrangersAreHungUpOnAndTheirShimsAreNotInTheTrace) {
  if (getuid() != 0) GTEST_SKIP() << "needs root, to act as another user (nobody)";
  ScratchDir dir;
  const std::string socket_file = dir.File("socket"), go = dir.File("go");
  const std::string trace = dir.File("t.mwt");
  pid_t memwrap = Spawn({kMemwrap, "-q", "-o", trace, "--", test_support::BuiltFile("waits_for_go"),
                         socket_file, go, std::to_string(kAllocations)});
  // A failed assertion must not leave memwrap and the program waiting for `go` forever.
  struct LetItGo {
    std::string go;
    pid_t memwrap;
    ~LetItGo() {
      if (!test_support::FileExists(go)) test_support::WriteFile(go, "");
      if (waitpid(memwrap, nullptr, WNOHANG) == 0) {
        kill(memwrap, SIGKILL);
        waitpid(memwrap, nullptr, 0);
      }
    }
  } let_it_go{go, memwrap};
  ASSERT_TRUE(WaitForFile(socket_file));
  const std::string name = test_support::ReadFile(socket_file);
  ASSERT_FALSE(name.empty());

  // Another user, and this user outside the recording: hung up on, never answered (a
  // collector that read their hello first would have stalled on them, then answered 0).
  EXPECT_EQ(StrangerConnects(name, kNobody), "hung up");
  EXPECT_EQ(StrangerConnects(name, getuid()), "hung up");
  // Shims started with the recording's variables, by nobody and by this user: untraced, with
  // one line, and the program's run is its own.
  for (const std::vector<std::string>& prefix :
       {std::vector<std::string>{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                 "--clear-groups"},
        std::vector<std::string>{}}) {
    std::vector<std::string> argv = prefix;
    for (const std::string& arg :
         {std::string("/usr/bin/env"),
          "LD_PRELOAD=" + std::string(test_support::BuiltFile("libmemwrap_preload.so")),
          "MEMWRAP_SOCKET=" + name, std::string(test_support::BuiltFile("exit_with")),
          std::string("7")}) {
      argv.push_back(arg);
    }
    CommandResult stranger = RunProgram(argv);
    EXPECT_EQ(stranger.exit_code(), 7) << stranger.err;
    EXPECT_NE(stranger.err.find("did not accept this process"), std::string::npos) << stranger.err;
  }

  test_support::WriteFile(go, "");
  int status = 0;
  ASSERT_EQ(waitpid(memwrap, &status, 0), memwrap);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  CommandResult report = RunProgram({kMemwrap, "report", "--format", "json", trace});
  ASSERT_EQ(report.exit_code(), 0) << report.err;
  json parsed = json::parse(report.out);
  ASSERT_EQ(parsed["processes"].size(), 1u) << report.out;  // the program only
  EXPECT_EQ(parsed["processes"][0]["exit_code"], 0);
  EXPECT_EQ(parsed["totals"]["allocations"].get<uint64_t>(), uint64_t(kAllocations)) << report.out;
}

}  // namespace
}  // namespace memwrap
