// ltracedrv -p: the library calls a running process's main program makes through its PLT,
// seen with breakpoints, as ltrace sees them (docs/ltrace.md, "-p: attaching").
//
// How, in ptrace terms (the process is traced by a ProcessTree with this as its observer, every
// thread and child followed, so that no thread ever meets an int3 untraced):
//  * an int3 (0xcc) replaces the first byte of each selected PLT stub (tracer/plt_stubs.h).
//    At a hit the thread's argument registers and its return address (the word at rsp) are
//    taken, and the stub's one instruction, `jmp *slot(%rip)`, is done here: rip is set to the
//    slot's value. So an entry breakpoint never leaves memory and no thread ever has to step
//    over it (ltrace takes it out, single-steps and puts it back, stopping the other threads).
//  * an int3 at the return address catches the return (rax). It is shared by every call in
//    progress that returns there (threads, recursion) and taken out when none is left; while it
//    must stay, the returning thread steps over it alone (single-step with the byte restored).
//    A return through that address by another thread in that instruction's time is missed: its
//    call is then shown unfinished (found when its thread's stack has moved past it).
//  * memory is written through /proc/PID/mem, which needs no thread stopped.
//  * a forked child gets the original bytes back in its copy of the memory; a vfork child
//    (same memory) is handled like a thread; after an exec the breakpoints are gone with the
//    old image and nothing more is traced in that process.
//  * on detach every byte is restored before any thread is let go, a thread stopped just after
//    an int3 gets its rip moved back onto the original instruction, and a SIGTRAP of ours still
//    pending in a thread is taken (ProcessTree::DetachAll, HoldsPendingTrap): the process runs
//    on exactly as before.
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tracer/plt_stubs.h"
#include "tracer/process_tree.h"

namespace memwrap {

// One call, as the breakpoints see it.
struct PltCall {
  pid_t pid = 0;
  pid_t tid = 0;
  const std::string* function = nullptr;  // the stub's name (lives as long as the tracer)
  uint64_t slot = 0;                      // the GOT slot's address (its value: the function called)
  uint64_t args[6] = {};                  // rdi, rsi, rdx, rcx, r8, r9 at entry
  uint64_t result = 0;                    // rax at return
  uint64_t caller = 0;                    // return address
  uint64_t entry_ns = 0;                  // CLOCK_MONOTONIC
  uint64_t exit_ns = 0;
  bool returned = false;    // false: unfinished (or entry-only)
  bool entry_only = false;  // shown at entry by design (never returns, or returns twice)
  uint32_t depth = 0;       // traced calls of the thread in progress around this one
  std::string texts[7];     // filled by the PltCallObserver (strings it read)
  uint16_t text_args = 0;
};

class PltCallObserver {
 public:
  virtual ~PltCallObserver() = default;
  // At entry, the thread stopped: its input memory (strings) can be read.
  virtual void OnCallEntry(PltCall* call) { (void)call; }
  // At return (the thread stopped: output memory can be read), or when the call is known
  // never to return here (call->returned false), or at entry for an entry-only call.
  virtual void OnCall(PltCall* call) = 0;
};

class PltBreakpoints : public TraceObserver {
 public:
  // entry_only(name): calls shown at entry, with no return breakpoint (exit, longjmp, execve,
  // vfork...: a frame that returns twice or never).
  PltBreakpoints(PltCallObserver* calls, std::function<bool(const std::string&)> entry_only);
  ~PltBreakpoints() override;

  // Puts a breakpoint on each stub of `pid`'s main program that `selected` keeps. Every
  // thread of `pid` must be traced already. "" or a one-line reason; *count: breakpoints put.
  std::string Insert(pid_t pid, const PltStubs& stubs, uint64_t bias,
                     const std::function<bool(const std::string&)>& selected, size_t* count);

  TrapAction OnTrap(pid_t pid, pid_t tid) override;
  void BeforeDetach() override;
  bool HoldsPendingTrap(pid_t pid, pid_t tid) override;
  void OnProcessStart(pid_t pid, pid_t ppid) override;
  void OnExec(pid_t pid) override;
  void OnThreadExiting(pid_t pid, pid_t tid) override;
  void OnProcessExit(pid_t pid, int wait_status, const struct rusage& usage,
                     uint64_t hwm_kib) override;

  // The wait status of the traced process when it ended while traced, or -1.
  int exit_status() const { return exit_status_; }

 private:
  struct Site {
    uint8_t original = 0;
    bool armed = false;     // 0xcc in memory now
    int entry = -1;         // index in stubs_ for an entry breakpoint
    uint32_t returns = 0;   // calls in progress that return here
    uint32_t stepping = 0;  // threads stepping over it (the byte restored meanwhile)
  };
  struct Frame {
    PltCall call;
    uint64_t rsp = 0;  // at entry: the return address's place
  };
  struct Thread {
    std::vector<Frame> frames;
    uint64_t stepping_over = 0;  // a site's address while single-stepping over it
    bool stale_trap = false;     // while detaching: its pending SIGTRAP is ours, already undone
  };

  bool SharesMemory(pid_t pid) const { return pid == pid_ || vfork_children_.count(pid) != 0; }
  void Sync(uint64_t address, Site* site);
  bool Write(uint64_t address, uint8_t byte);
  bool Read(uint64_t address, void* out, size_t size) const;
  void Entry(pid_t pid, pid_t tid, Thread* thread, const Site& site, user_regs_struct* regs);
  void Return(pid_t tid, Thread* thread, uint64_t address, uint64_t rsp, uint64_t rax);
  // Ends (unfinished) the thread's frames from `first` up, and releases their return sites.
  void Abandon(Thread* thread, size_t first);
  void Release(uint64_t return_address);
  void Forget();

  PltCallObserver* calls_;
  std::function<bool(const std::string&)> entry_only_;
  pid_t pid_ = 0;
  int mem_fd_ = -1;                 // /proc/PID/mem
  std::vector<PltStub> stubs_;      // at run-time addresses
  std::map<uint64_t, Site> sites_;  // by address; never erased (a late trap must find its site)
  std::map<pid_t, Thread> threads_;
  std::set<pid_t> vfork_children_;
  bool detaching_ = false;
  int exit_status_ = -1;
};

}  // namespace memwrap
