// WaitWaker: ends the tracer thread's blocking wait4 from a signal handler, at no cost per
// ptrace stop.
//
// The tracer's loop blocks in wait4(-1) and must still wake for its timer ticks and for a
// detach request. A signal that interrupts wait4 (EINTR) would have to be blocked everywhere
// else in the loop, or its other system calls could fail with EINTR; unblocking it around each
// wait costs two rt_sigprocmask calls per ptrace stop (~0.5 us of a 13 us stop here). Instead,
// the wake signal keeps SA_RESTART and stays unblocked, and its handler stops this tiny child
// process (kill(SIGSTOP) is async-signal-safe): the stop is a state change of a child, which
// wait4(-1, __WALL | WUNTRACED) reports like any ptrace stop. The loop then continues the child.
// A stop that arrives while the loop is busy stays pending until the next wait4: nothing is
// lost, with no race between checking a flag and starting to wait.
#pragma once

#include <sys/types.h>

namespace memwrap {

class WaitWaker {
 public:
  WaitWaker() = default;
  ~WaitWaker() { Stop(); }
  WaitWaker(const WaitWaker&) = delete;
  WaitWaker& operator=(const WaitWaker&) = delete;

  // Forks the child: in its own session (no terminal signals reach it), with no file descriptor
  // of memwrap's open (it must not hold a pipe's write end, a socket or the trace), killed when
  // its parent thread ends. False if it could not be started.
  bool Start();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // True if `pid` is the child, after acting on its status: a stop is continued (ready for the
  // next wake); an unexpected death (someone killed it) leaves the waker not running.
  bool Consume(pid_t pid, int status);

  // Kills and reaps the child.
  void Stop();

 private:
  pid_t pid_ = 0;
};

// The running waker's pid, for the signal handler that wakes the loop (0: none).
extern volatile pid_t g_wait_waker_pid;

}  // namespace memwrap
