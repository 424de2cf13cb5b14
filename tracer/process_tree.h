// The ptrace half of the tracer: follows a process tree (every process and thread it creates)
// from one thread, the one that seized or attached it -- the kernel only accepts ptrace calls
// from the tracer thread.
//
// What it does, in kernel terms:
//  * tracees are PTRACE_SEIZEd with TRACESYSGOOD|TRACEEXEC|TRACEEXIT (+ CLONE|FORK|VFORK to
//    follow, + SECCOMP when a seccomp filter selects the calls that stop). No EXITKILL: if
//    memwrap dies, the program carries on.
//  * the loop blocks in wait4(-1, __WALL) (as strace does: no SIGCHLD handler, no extra
//    syscall per stop), after polling for the stop for a few microseconds while stops come
//    quickly (wait_spin.h: waking an idle CPU costs more than the stop); a POSIX timer with
//    absolute deadlines interrupts it with a signal meant for the tracer thread only. Each
//    wakeup first collects every pending wait status (wait4 WNOHANG) and only then handles
//    them, so a busy thread cannot starve the others.
//  * signals are delivered unchanged; group-stops are kept with PTRACE_LISTEN (the process
//    stays stopped until SIGCONT, as without memwrap); a non-leader thread's exec (the kernel
//    gives it the leader's tid) and a child whose first stop comes before its parent's fork
//    event (or after the parent died) are expected.
//  * the loop ends when no tracee is left, or when Detach() was asked for.
//
// What it does not do: it knows nothing of what a system call means. It reports each selected
// call (PTRACE_GET_SYSCALL_INFO) and each process start / exec / exit to a TraceObserver.
//
// Hooks for periodic work on stopped threads (a stack sampler): SetTimer() runs a callback on
// a drift-free timer; WhenStopped(tid, fn) interrupts a thread (PTRACE_INTERRUPT), runs fn
// while it is in a ptrace-stop and resumes it as it was.
#pragma once

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tracer/exec_environment.h"

#include "tracer/syscalls/syscall_selection.h"
#include "tracer/wait_spin.h"
#include "tracer/wait_waker.h"

namespace memwrap {

// How a process's system calls stop it.
enum class SyscallStops {
  kNone,     // never: lifecycle events only (the shim records what matters)
  kSeccomp,  // only the calls the inherited seccomp filter traps (PTRACE_EVENT_SECCOMP)
  kAll,      // every call (PTRACE_SYSCALL); the selection is applied here
};

// What the tracer does with a thread stopped by a SIGTRAP that is not a system-call stop
// (TraceObserver::OnTrap).
enum class TrapAction {
  kNotMine,  // the program's own SIGTRAP: delivered unchanged
  kResume,   // the observer's (a breakpoint it handled): resumed without the signal
  kStep,     // the observer's, and the thread must execute one instruction (PTRACE_SINGLESTEP)
             // before it reports again
};

struct SyscallEvent {
  pid_t pid = 0;  // thread group
  pid_t tid = 0;
  uint32_t number = 0;
  bool i386 = false;  // a 32-bit call (int $0x80, or a 32-bit process): i386 numbering
  uint64_t instruction_pointer = 0;  // after the call instruction
  uint64_t args[6] = {};
  int64_t result = 0;     // -errno on failure
  uint64_t entry_ns = 0;  // CLOCK_MONOTONIC at the entry stop
  uint64_t exit_ns = 0;   // at the exit stop; 0 when unfinished
  bool finished = true;   // false: the thread died in the call (exit, exit_group, execve by
                          // another thread) or was detached in it
};

class TraceObserver {
 public:
  virtual ~TraceObserver() = default;
  // A selected system call starts; the thread is stopped at its entry, so its input memory
  // (paths, execve's arguments) can still be read.
  virtual void OnSyscallEntry(const SyscallEvent& event) { (void)event; }
  // A selected system call returned (or will never return: event.finished == false).
  virtual void OnSyscall(const SyscallEvent& event) { (void)event; }
  // After a syscall stop reported above, once its thread runs again: for work that need not
  // keep the tracee waiting.
  virtual void AfterResume() {}
  // A new process (fork, vfork, clone without CLONE_THREAD), or the one seized or attached.
  virtual void OnProcessStart(pid_t pid, pid_t ppid) { (void)pid, (void)ppid; }
  // A thread is traced from now on (every thread, the first of each process included) / is
  // gone (reaped, with its wait status; for a process's leader, right before OnProcessExit).
  virtual void OnThreadStart(pid_t pid, pid_t tid) { (void)pid, (void)tid; }
  virtual void OnThreadEnd(pid_t pid, pid_t tid, int wait_status) {
    (void)pid, (void)tid, (void)wait_status;
  }
  // A signal is about to be delivered to thread `tid` of `pid` (it is passed on unchanged).
  virtual void OnSignal(pid_t pid, pid_t tid, int signal) { (void)pid, (void)tid, (void)signal; }
  // Thread `tid` of `pid` stopped with a SIGTRAP signal (an int3 or the end of a single-step,
  // not a system-call stop): the observer says whether it caused it. Also asked while Run()
  // detaches, after BeforeDetach(): then kStep is not allowed.
  virtual TrapAction OnTrap(pid_t pid, pid_t tid) {
    (void)pid, (void)tid;
    return TrapAction::kNotMine;
  }
  // Run() is about to detach from every tracee (RequestDetach), while all are still traced:
  // the last moment to undo changes made to their memory (breakpoints).
  virtual void BeforeDetach() {}
  // While detaching: thread `tid` is stopped and about to be detached. True if it must run on
  // until its next stop first (a SIGTRAP of the observer's is pending in it, which would kill
  // it once detached; that stop then goes to OnTrap).
  virtual bool HoldsPendingTrap(pid_t pid, pid_t tid) {
    (void)pid, (void)tid;
    return false;
  }
  // `pid` runs a new program (its executable is /proc/PID/exe now).
  virtual void OnExec(pid_t pid) { (void)pid; }
  // Thread `tid` of `pid` is stopped at its exit (PTRACE_EVENT_EXIT): its process's memory and
  // files still exist; the last thread's going on closes them (and the shim's socket).
  virtual void OnThreadExiting(pid_t pid, pid_t tid) { (void)pid, (void)tid; }
  // A process ended. `hwm_kib`: VmHWM of its last image read at PTRACE_EVENT_EXIT (exact peak
  // RSS), 0 if it could not be read. `usage` is wait4's.
  virtual void OnProcessExit(pid_t pid, int wait_status, const struct rusage& usage,
                             uint64_t hwm_kib) {
    (void)pid, (void)wait_status, (void)usage, (void)hwm_kib;
  }
};

struct ProcessTreeOptions {
  SyscallSelection selection;                  // calls reported to the observer
  SyscallStops stops = SyscallStops::kNone;    // for the first process; children inherit
  bool follow = true;                          // follow forks and threads (strace -f)
  uint64_t wait_spin_ns = kDefaultWaitSpinNs;  // polling before blocking (wait_spin.h); 0: none
  // memwrap's variables, put back at each exec of an image that lacks them (exec_environment.h)
  ExecEnvironment exec_environment;
};

// Construct it on the thread that will make every ptrace call, after forking the program: it
// blocks its wake-up signal (a real-time signal) in this thread, and a child forked later would
// inherit that mask.
class ProcessTree {
 public:
  ProcessTree(TraceObserver* observer, ProcessTreeOptions options);
  ~ProcessTree();
  ProcessTree(const ProcessTree&) = delete;
  ProcessTree& operator=(const ProcessTree&) = delete;

  // Seizes a child that has not exec'd yet (tracer/launcher.h). Its calls are reported from its
  // execve on (what it does before is memwrap's own code). "" or the reason it failed.
  std::string SeizeChild(pid_t pid);
  // Seizes a running process and all its threads. "" or the reason.
  std::string Attach(pid_t pid);

  // Runs until no tracee is left or Detach() took effect. Returns the wait status of the first
  // process (seized child), or -1 when it was not observed (attached, or detached first).
  int Run();

  // Async-signal-safe: makes Run() detach from every tracee (each left running, or stopped if
  // it was in a group-stop) and return.
  void RequestDetach();

  // A process's stops from now on (a process found to be one the shim cannot enter).
  void SetStops(pid_t pid, SyscallStops stops);

  // Calls `tick` every `period_ns` on a timer with absolute deadlines. Call before Run().
  void SetTimer(uint64_t period_ns, std::function<void(uint64_t now_ns)> tick);
  // Interrupts `tid` and calls `fn(tid)` at its next ptrace-stop (before it is resumed).
  // False if `tid` is not a tracee.
  bool WhenStopped(pid_t tid, std::function<void(pid_t)> fn);
  // Thread ids currently traced, by process.
  std::map<pid_t, std::vector<pid_t>> Threads() const;

 private:
  struct Thread;
  struct Process;

  Thread* FindOrAdopt(pid_t tid);
  Thread& AddThread(pid_t tid, pid_t pid, pid_t ppid);
  void Handle(pid_t tid, int status, const struct rusage& usage);
  void HandleExit(Thread& thread, int status, const struct rusage& usage);
  void HandleSyscallStop(Thread& thread);
  void HandleNewChild(Thread& parent, pid_t child);
  void HandleExec(Thread& thread);
  void Resume(Thread& thread, int signal);
  void RunPendingCallbacks(Thread& thread);
  void DetachAll();
  void ReportUnfinished(Thread& thread);
  bool AnyTraceeLeft() const;

  TraceObserver* observer_;
  ProcessTreeOptions options_;
  unsigned ptrace_options_ = 0;
  std::map<pid_t, std::unique_ptr<Thread>> threads_;
  std::map<pid_t, std::unique_ptr<Process>> processes_;
  pid_t first_pid_ = -1;
  int first_status_ = -1;
  bool first_is_child_ = false;
  timer_t timer_{};
  bool timer_created_ = false;
  std::function<void(uint64_t)> tick_;
  WaitWaker waker_;  // ends the blocking wait for ticks and detach requests
  WaitSpin spin_;    // whether the next wait polls first
};

}  // namespace memwrap
