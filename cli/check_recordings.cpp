#include "cli/check_recordings.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "memwrap/exit_codes.h"

namespace memwrap {
namespace fs = std::filesystem;
namespace {

// How long a run told to stop may take to end before its processes are killed.
constexpr int kStopGraceMs = 5000;

volatile sig_atomic_t g_stop_signal = 0;  // the first stop signal received, 0 if none
volatile sig_atomic_t g_run = 0;          // pid of the memwrap run under way, 0 if none

void OnStopSignal(int sig) {
  if (g_stop_signal == 0) g_stop_signal = sig;
  // memwrap run ignores SIGINT (a terminal sends it to the program itself) and passes
  // SIGTERM on to the program: SIGTERM ends the run whichever signal stopped us.
  if (g_run > 0) kill(pid_t(g_run), SIGTERM);
}

constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

// Every process below `pid` (threads' children included), deepest last.
void CollectDescendants(pid_t pid, std::vector<pid_t>* out) {
  std::error_code error;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    std::ifstream children(task.path() / "children");
    pid_t child = 0;
    while (children >> child) {
      out->push_back(child);
      CollectDescendants(child, out);
    }
  }
}

// Waits for the run `child`; once a stop signal came, gives it kStopGraceMs to end, then
// kills its program and descendants (memwrap run then ends as its program did), and at last
// memwrap run itself.
void WaitForRun(pid_t child, int* wait_status) {
  int waited_ms = 0;
  for (;;) {
    const int flags = g_stop_signal != 0 ? WNOHANG : 0;
    const pid_t got = waitpid(child, wait_status, flags);
    if (got == child) return;
    if (got < 0 && errno != EINTR) return;
    if (g_stop_signal == 0) continue;
    if (waited_ms == kStopGraceMs || waited_ms == 2 * kStopGraceMs) {
      std::vector<pid_t> below;
      CollectDescendants(child, &below);
      for (pid_t pid : below) kill(pid, SIGKILL);
      if (waited_ms == 2 * kStopGraceMs) kill(child, SIGKILL);
    }
    usleep(10'000);
    waited_ms += 10;
  }
}

}  // namespace

CheckRecordings::CheckRecordings(const std::vector<std::string>& program,
                                 const std::string& keep_path)
    : program_(program), keep_path_(keep_path) {
  // Beside the kept trace: rename(2) cannot cross file systems, and /tmp is often another.
  const fs::path keep_dir = keep_path.empty() ? fs::path(".") : fs::path(keep_path).parent_path();
  std::string pattern =
      ((keep_dir.empty() ? fs::path(".") : keep_dir) / ".memwrap-check-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a scratch directory for the runs ('" + pattern +
                             "'): " + strerror(errno));
  }
  scratch_ = pattern;
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);  // no SA_RESTART: the wait for a run comes back at once
  for (int sig : kStopSignals) sigaction(sig, &action, nullptr);
}

CheckRecordings::~CheckRecordings() {
  std::error_code ignored;
  fs::remove_all(scratch_, ignored);
  for (int sig : kStopSignals) signal(sig, SIG_DFL);
  DieIfStopped();
}

void CheckRecordings::DieIfStopped() {
  const int sig = g_stop_signal;
  if (sig == 0) return;
  std::error_code ignored;
  fs::remove_all(scratch_, ignored);
  fflush(stdout);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(sig);
  _exit(128 + sig);
}

std::string CheckRecordings::Record(unsigned number, int* wait_status) {
  const std::string trace = scratch_ + "/run." + std::to_string(number) + ".mwt";
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) throw std::runtime_error("cannot find the memwrap executable");
  self[n] = '\0';
  // memwrap itself, so each run is an ordinary `memwrap run`.
  std::vector<std::string> argv = {self, "run", "-q", "--force", "-o", trace, "--"};
  argv.insert(argv.end(), program_.begin(), program_.end());
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  DieIfStopped();
  pid_t child = fork();
  if (child < 0) throw std::runtime_error(std::string("fork: ") + strerror(errno));
  if (child == 0) {
    execv(self, args.data());
    _exit(kExitNotFound);
  }
  g_run = child;
  if (g_stop_signal != 0) kill(child, SIGTERM);  // stopped between fork and here
  *wait_status = 0;
  WaitForRun(child, wait_status);
  g_run = 0;
  DieIfStopped();
  return trace;
}

std::string CheckRecordings::Keep(const std::string& trace, unsigned number,
                                  const std::string& pid) {
  std::string path = keep_path_;
  if (path.empty()) {
    path = fs::path(program_.front()).filename().string() + "." +
           (pid.empty() ? "check-run-" + std::to_string(number) : pid) + ".mwt";
  }
  std::error_code error;
  fs::rename(trace, path, error);
  if (error) {
    throw std::runtime_error("cannot keep the trace of run " + std::to_string(number) + " as '" +
                             path + "': " + error.message());
  }
  return path;
}

}  // namespace memwrap
