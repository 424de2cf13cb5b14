#include "tracer/wait_waker.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace memwrap {

volatile pid_t g_wait_waker_pid = 0;

namespace {

// Runs in the child of a possibly multi-threaded process: system calls only.
[[noreturn]] void BeWaker(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);  // the parent ended before the line above
  prctl(PR_SET_NAME, "memwrap-waker");
  // It must run the moment it is signalled, or a busy machine delays every tick by a time
  // slice: real-time priority where allowed (it only ever sleeps), else the highest nice.
  struct sched_param param {};
  param.sched_priority = 1;
  if (sched_setscheduler(0, SCHED_FIFO, &param) != 0) setpriority(PRIO_PROCESS, 0, -20);
  setsid();
  syscall(SYS_close_range, 3u, ~0u, 0u);
  struct sigaction defaults {};
  defaults.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &defaults, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (;;) pause();
}

}  // namespace

bool WaitWaker::Start() {
  if (pid_ > 0) return true;
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) return false;
  if (child == 0) BeWaker(parent);
  pid_ = child;
  g_wait_waker_pid = child;
  return true;
}

bool WaitWaker::Consume(pid_t pid, int status) {
  if (pid_ <= 0 || pid != pid_) return false;
  if (WIFSTOPPED(status)) {
    kill(pid_, SIGCONT);
  } else if (WIFEXITED(status) || WIFSIGNALED(status)) {
    g_wait_waker_pid = 0;
    pid_ = 0;
  }
  return true;
}

void WaitWaker::Stop() {
  if (pid_ <= 0) return;
  g_wait_waker_pid = 0;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, __WALL) < 0 && errno == EINTR) {
  }
  pid_ = 0;
}

}  // namespace memwrap
