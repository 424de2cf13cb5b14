#include "tracer/exit_status.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace memwrap {

void ExitLikeProgram(int wait_status) {
  fflush(stdout);
  fflush(stderr);
  if (WIFEXITED(wait_status)) _exit(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    // The program already dumped core if it was going to; memwrap must not add a second one.
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    raise(sig);
    _exit(128 + sig);  // a signal that does not kill (SIGCHLD...) cannot end a program anyway
  }
  _exit(1);
}

}  // namespace memwrap
