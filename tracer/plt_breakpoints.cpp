#include "tracer/plt_breakpoints.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <unistd.h>

#include "memwrap/monotonic_clock.h"
#include "procfs/proc_files.h"

namespace memwrap {
namespace {

constexpr uint8_t kInt3 = 0xcc;

// Whether thread `tid` has a SIGTRAP pending (SigPnd of /proc/TID/status, a hex mask).
bool TrapPending(pid_t tid) {
  char text[4096];
  size_t length = 0;
  if (!ReadProcSnapshot(ProcPath(tid, "status"), text, sizeof(text), &length)) return false;
  const char* pending = ProcField(text, "SigPnd");
  const unsigned long long mask = pending != nullptr ? strtoull(pending, nullptr, 16) : 0;
  return (mask & (1ull << (SIGTRAP - 1))) != 0;
}

// Whether two processes share one address space (vfork, clone(CLONE_VM)).
bool SameMemory(pid_t a, pid_t b) {
  return syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0) == 0;
}

int OpenMemory(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/mem", pid);
  return open(path, O_RDWR | O_CLOEXEC);
}

}  // namespace

PltBreakpoints::PltBreakpoints(PltCallObserver* calls,
                               std::function<bool(const std::string&)> entry_only)
    : calls_(calls), entry_only_(std::move(entry_only)) {}

PltBreakpoints::~PltBreakpoints() {
  if (mem_fd_ >= 0) close(mem_fd_);
}

std::string PltBreakpoints::Insert(pid_t pid, const PltStubs& stubs, uint64_t bias,
                                   const std::function<bool(const std::string&)>& selected,
                                   size_t* count) {
  *count = 0;
  pid_ = pid;
  mem_fd_ = OpenMemory(pid);
  if (mem_fd_ < 0) return std::string("cannot open its memory: ") + strerror(errno);
  for (const PltStub& stub : stubs.stubs) {
    if (selected(stub.name)) stubs_.push_back({stub.stub + bias, stub.slot + bias, stub.name});
  }
  for (size_t i = 0; i < stubs_.size(); ++i) {
    Site site;
    if (!Read(stubs_[i].stub, &site.original, 1)) {
      return "cannot read its PLT at 0x" + std::to_string(stubs_[i].stub);
    }
    if (site.original == kInt3) continue;  // someone else's breakpoint (a debugger's)
    site.entry = int(i);
    auto [it, added] = sites_.emplace(stubs_[i].stub, site);
    if (added) Sync(it->first, &it->second);
    if (it->second.armed) ++*count;
  }
  return "";
}

bool PltBreakpoints::Write(uint64_t address, uint8_t byte) {
  return mem_fd_ >= 0 && pwrite(mem_fd_, &byte, 1, off_t(address)) == 1;
}

bool PltBreakpoints::Read(uint64_t address, void* out, size_t size) const {
  return mem_fd_ >= 0 && pread(mem_fd_, out, size, off_t(address)) == ssize_t(size);
}

// Puts the byte in memory that the site's state asks for.
void PltBreakpoints::Sync(uint64_t address, Site* site) {
  const bool wanted = !detaching_ && site->stepping == 0 && (site->entry >= 0 || site->returns > 0);
  if (wanted == site->armed) return;
  // A failed write (the process is gone) leaves the state as it was: nothing runs there.
  if (Write(address, wanted ? kInt3 : site->original)) site->armed = wanted;
}

TrapAction PltBreakpoints::OnTrap(pid_t pid, pid_t tid) {
  if (!SharesMemory(pid)) return TrapAction::kNotMine;
  Thread& thread = threads_[tid];
  siginfo_t info{};
  if (ptrace(PTRACE_GETSIGINFO, tid, nullptr, &info) != 0) return TrapAction::kNotMine;
  if (thread.stepping_over != 0) {
    // The step over a return breakpoint is done (or was cut short by a signal, which the
    // thread was resumed with: this is its next trap): put it back if it is still wanted.
    auto site = sites_.find(thread.stepping_over);
    thread.stepping_over = 0;
    if (site != sites_.end()) {
      --site->second.stepping;
      Sync(site->first, &site->second);
    }
    if (info.si_code != SI_KERNEL) return TrapAction::kResume;
  }
  if (thread.stale_trap) {  // rip was moved back already (HoldsPendingTrap)
    thread.stale_trap = false;
    return TrapAction::kResume;
  }
  if (info.si_code != SI_KERNEL) return TrapAction::kNotMine;  // int3 reports SI_KERNEL
  user_regs_struct regs{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) return TrapAction::kNotMine;
  const uint64_t address = regs.rip - 1;
  auto found = sites_.find(address);
  // Not ours: the program's own int3. A site that was armed when the thread hit it and is not
  // now is still found here (sites are never erased).
  if (found == sites_.end()) return TrapAction::kNotMine;
  Site& site = found->second;
  if (detaching_) {
    regs.rip = address;  // the original instruction, restored, runs again
    ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
    return TrapAction::kResume;
  }
  if (site.entry >= 0) {
    Entry(pid, tid, &thread, site, &regs);
    ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
    return TrapAction::kResume;
  }
  Return(tid, &thread, address, regs.rsp, regs.rax);
  regs.rip = address;
  ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
  if (site.returns > 0) {
    // Other calls still return here: step over it with the byte restored meanwhile.
    ++site.stepping;
    Sync(address, &site);
    thread.stepping_over = address;
    return TrapAction::kStep;
  }
  Sync(address, &site);
  return TrapAction::kResume;
}

void PltBreakpoints::Entry(pid_t pid, pid_t tid, Thread* thread, const Site& site,
                           user_regs_struct* regs) {
  const PltStub& stub = stubs_[size_t(site.entry)];
  uint64_t return_address = 0;
  uint64_t target = 0;
  Read(regs->rsp, &return_address, 8);
  if (!Read(stub.slot, &target, 8)) target = 0;
  // Calls whose return address's place is at or above this one's have ended unseen (left by
  // longjmp, or their return was missed).
  size_t live = thread->frames.size();
  while (live > 0 && thread->frames[live - 1].rsp <= regs->rsp) --live;
  Abandon(thread, live);
  Frame frame;
  PltCall& call = frame.call;
  call.pid = pid;
  call.tid = tid;
  call.function = &stub.name;
  call.slot = stub.slot;
  const uint64_t args[6] = {regs->rdi, regs->rsi, regs->rdx, regs->rcx, regs->r8, regs->r9};
  memcpy(call.args, args, sizeof(args));
  call.caller = return_address;
  call.entry_ns = MonotonicNs();
  call.depth = uint32_t(thread->frames.size());
  frame.rsp = regs->rsp;
  calls_->OnCallEntry(&call);
  // The stub's own instruction, done here: jmp *slot.
  regs->rip = target;
  if (entry_only_(stub.name)) {
    call.entry_only = true;
    calls_->OnCall(&call);
    return;
  }
  auto [it, added] = sites_.emplace(return_address, Site{});
  Site& returns = it->second;
  if (added && !Read(return_address, &returns.original, 1)) {
    sites_.erase(it);  // not readable: nothing can return there; the call is shown unfinished
    call.returned = false;
    calls_->OnCall(&call);
    return;
  }
  ++returns.returns;
  Sync(return_address, &returns);
  thread->frames.push_back(std::move(frame));
}

void PltBreakpoints::Return(pid_t tid, Thread* thread, uint64_t address, uint64_t rsp,
                            uint64_t rax) {
  (void)tid;
  // The call returning here: the one whose return address's place rsp has just passed.
  for (size_t i = thread->frames.size(); i-- > 0;) {
    Frame& frame = thread->frames[i];
    if (frame.call.caller != address || frame.rsp + 8 != rsp) continue;
    Abandon(thread, i + 1);  // deeper calls left without returning (longjmp)
    PltCall call = std::move(frame.call);
    thread->frames.pop_back();
    call.result = rax;
    call.exit_ns = MonotonicNs();
    call.returned = true;
    Release(address);
    calls_->OnCall(&call);
    return;
  }
}

void PltBreakpoints::Abandon(Thread* thread, size_t first) {
  while (thread->frames.size() > first) {
    PltCall call = std::move(thread->frames.back().call);
    thread->frames.pop_back();
    Release(call.caller);
    call.returned = false;
    calls_->OnCall(&call);
  }
}

void PltBreakpoints::Release(uint64_t return_address) {
  auto it = sites_.find(return_address);
  if (it == sites_.end() || it->second.returns == 0) return;
  --it->second.returns;
  Sync(it->first, &it->second);
}

void PltBreakpoints::BeforeDetach() {
  // The calls in progress will never be seen to return: shown unfinished.
  for (auto& [tid, thread] : threads_) Abandon(&thread, 0);
  detaching_ = true;
  for (auto& [address, site] : sites_) Sync(address, &site);
}

bool PltBreakpoints::HoldsPendingTrap(pid_t pid, pid_t tid) {
  if (!SharesMemory(pid) || !TrapPending(tid)) return false;
  Thread& thread = threads_[tid];
  if (thread.stepping_over != 0) {
    thread.stale_trap = true;  // the end of its step: nothing to undo
    return true;
  }
  user_regs_struct regs{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) return false;
  if (sites_.count(regs.rip - 1) == 0) return false;  // the program's own SIGTRAP
  regs.rip -= 1;
  ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
  thread.stale_trap = true;
  return true;
}

void PltBreakpoints::OnProcessStart(pid_t pid, pid_t ppid) {
  if (pid_ == 0 || pid == pid_ || !SharesMemory(ppid)) return;
  if (SameMemory(pid, pid_)) {
    vfork_children_.insert(pid);  // it meets the breakpoints: handled like a thread
    return;
  }
  // A forked child: its copy of the memory gets the original bytes back before it runs.
  const int fd = OpenMemory(pid);
  if (fd < 0) return;
  for (const auto& [address, site] : sites_) {
    if (site.armed) pwrite(fd, &site.original, 1, off_t(address));
  }
  close(fd);
}

void PltBreakpoints::OnExec(pid_t pid) {
  if (vfork_children_.erase(pid) != 0) return;  // its own memory now; the parent's is intact
  if (pid == pid_) Forget();                    // the breakpoints went with the old image
}

void PltBreakpoints::OnThreadExiting(pid_t pid, pid_t tid) {
  if (!SharesMemory(pid)) return;
  auto it = threads_.find(tid);
  if (it == threads_.end()) return;
  Abandon(&it->second, 0);
  threads_.erase(it);
}

void PltBreakpoints::OnProcessExit(pid_t pid, int wait_status, const struct rusage& usage,
                                   uint64_t hwm_kib) {
  (void)usage, (void)hwm_kib;
  vfork_children_.erase(pid);
  if (pid != pid_) return;
  exit_status_ = wait_status;
  Forget();
}

// The process's memory is gone (exit) or replaced (exec): nothing to restore.
void PltBreakpoints::Forget() {
  if (mem_fd_ >= 0) close(mem_fd_);  // first: no byte is written from here on
  mem_fd_ = -1;
  for (auto& [tid, thread] : threads_) Abandon(&thread, 0);
  threads_.clear();
  sites_.clear();
  // stubs_ stays: the calls shown name their function through it.
}

}  // namespace memwrap
