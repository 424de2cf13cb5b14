#include "tracer/process_tree.h"
#include "memwrap/monotonic_clock.h"
#include "procfs/proc_files.h"
#include "tracer/syscalls/syscall_table.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <set>

namespace memwrap {
namespace {

// The loop's wake-up signal: sent by its timer and by RequestDetach to the tracer thread only.
// Its handler sets a flag and stops the WaitWaker child, whose stop ends the loop's wait4
// (wait_waker.h); the signal then stays unblocked, with SA_RESTART, so no call of the tracer
// thread sees EINTR because of it. Without a waker (it could not be started, or was killed),
// the signal is blocked in that thread except while it waits in wait4, which it interrupts
// (EINTR). One ProcessTree at a time.
int WakeSignal() {
  return SIGRTMIN + 2;
}
volatile sig_atomic_t g_tick_pending = 0;
volatile sig_atomic_t g_detach_requested = 0;
pid_t g_tracer_tid = 0;

void OnWakeSignal(int) {
  const int saved_errno = errno;
  g_tick_pending = 1;
  const pid_t waker = g_wait_waker_pid;
  if (waker > 0) kill(waker, SIGSTOP);
  errno = saved_errno;
}

// restart: SA_RESTART (waker mode) or not (the wait is ended by EINTR).
void InstallWakeHandler(bool restart) {
  struct sigaction action {};
  action.sa_handler = OnWakeSignal;
  action.sa_flags = restart ? SA_RESTART : 0;
  sigemptyset(&action.sa_mask);
  sigaction(WakeSignal(), &action, nullptr);
}

void SetWakeSignalBlocked(bool blocked) {
  sigset_t wake;
  sigemptyset(&wake);
  sigaddset(&wake, WakeSignal());
  pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &wake, nullptr);
}

// How often the waker mode checks that some tracee still exists: there, wait4 never fails with
// ECHILD (the waker is a child), which otherwise ends the loop should a tracee vanish unseen.
constexpr uint64_t kVanishCheckNs = 1'000'000'000;

// A "Key:\tvalue" line of /proc/TID/status; false if absent (gone, or a zombie's VmHWM).
bool StatusField(pid_t tid, const char* key, long* value) {
  char text[4096];
  size_t length = 0;
  if (!ReadProcSnapshot(ProcPath(tid, "status"), text, sizeof(text), &length)) return false;
  const char* field = ProcField(text, key);
  if (field == nullptr) return false;
  *value = strtol(field, nullptr, 10);
  return true;
}

bool IsGroupStopSignal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

// Whether system call `number` of `arch` is execve or execveat (numbers from the one table).
bool IsExec(uint32_t number, SyscallArch arch) {
  static const int kExecve[2] = {SyscallNumber("execve"),
                                 SyscallNumber("execve", SyscallArch::kI386)};
  static const int kExecveat[2] = {SyscallNumber("execveat"),
                                   SyscallNumber("execveat", SyscallArch::kI386)};
  const int i = arch == SyscallArch::kI386 ? 1 : 0;
  return int(number) == kExecve[i] || int(number) == kExecveat[i];
}

}  // namespace

struct ProcessTree::Thread {
  pid_t tid = 0;
  pid_t pid = 0;
  Process* process = nullptr;  // owned by processes_, which outlives its threads
  bool in_syscall = false;     // between a reported call's entry and its exit
  SyscallEvent call;
  std::vector<std::function<void(pid_t)>> on_stop;
};

struct ProcessTree::Process {
  pid_t pid = 0;
  SyscallStops stops = SyscallStops::kNone;
  bool reporting = true;  // false for a seized child until its execve: memwrap's own code
  uint64_t hwm_kib = 0;
};

ProcessTree::ProcessTree(TraceObserver* observer, ProcessTreeOptions options)
    : observer_(observer), options_(std::move(options)), spin_(options_.wait_spin_ns) {
  ptrace_options_ = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
  if (options_.follow) {
    ptrace_options_ |= PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
  }
  if (options_.stops == SyscallStops::kSeccomp) ptrace_options_ |= PTRACE_O_TRACESECCOMP;
  g_detach_requested = 0;
  g_tick_pending = 0;
  g_tracer_tid = pid_t(syscall(SYS_gettid));
  SetWakeSignalBlocked(true);
  InstallWakeHandler(false);
}

ProcessTree::~ProcessTree() {
  if (timer_created_) timer_delete(timer_);
  waker_.Stop();
  g_tracer_tid = 0;
}

void ProcessTree::RequestDetach() {
  g_detach_requested = 1;
  if (g_tracer_tid != 0) syscall(SYS_tgkill, getpid(), g_tracer_tid, WakeSignal());
}

ProcessTree::Thread& ProcessTree::AddThread(pid_t tid, pid_t pid, pid_t ppid) {
  auto& thread = threads_[tid];
  const bool new_thread = !thread;
  if (!thread) thread = std::make_unique<Thread>();
  thread->tid = tid;
  thread->pid = pid;
  auto& process = processes_[pid];
  if (!process) {
    process = std::make_unique<Process>();
    process->pid = pid;
    // Children inherit how their parent stops (a seccomp filter is inherited too).
    auto parent = processes_.find(ppid);
    process->stops = parent != processes_.end() ? parent->second->stops : options_.stops;
    observer_->OnProcessStart(pid, ppid);
  }
  thread->process = process.get();
  if (new_thread) observer_->OnThreadStart(pid, tid);
  return *thread;
}

ProcessTree::Thread* ProcessTree::FindOrAdopt(pid_t tid) {
  auto it = threads_.find(tid);
  if (it != threads_.end()) return it->second.get();
  // A new tracee whose first stop came before its parent's fork/clone event (or whose parent
  // is already gone): the kernel attached it, /proc says whose it is.
  long tgid = tid, ppid = 0;
  StatusField(tid, "Tgid", &tgid);
  StatusField(tid, "PPid", &ppid);
  return &AddThread(tid, pid_t(tgid), pid_t(ppid));
}

std::string ProcessTree::SeizeChild(pid_t pid) {
  if (ptrace(PTRACE_SEIZE, pid, nullptr, (void*)(uintptr_t)ptrace_options_) != 0) {
    return std::string("ptrace(PTRACE_SEIZE): ") + strerror(errno);
  }
  first_pid_ = pid;
  first_is_child_ = true;
  AddThread(pid, pid, getpid());
  processes_[pid]->reporting = false;
  // PTRACE_SYSCALL only takes effect from a stop: make one now.
  if (options_.stops == SyscallStops::kAll) ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr);
  return "";
}

std::string ProcessTree::Attach(pid_t pid) {
  first_pid_ = pid;
  first_is_child_ = false;
  long ppid = 0;
  if (!StatusField(pid, "PPid", &ppid)) return "no such process";
  long tgid = pid;
  if (StatusField(pid, "Tgid", &tgid) && tgid != pid) {
    return "is a thread of process " + std::to_string(tgid) + "; give that pid";
  }
  // Threads may start while we attach: list them again until no new one shows up.
  std::set<pid_t> seized;
  for (int round = 0; round < 100; ++round) {
    bool found_new = false;
    std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* tasks = opendir(dir.c_str());
    if (tasks == nullptr) break;
    while (dirent* entry = readdir(tasks)) {
      pid_t tid = pid_t(atoi(entry->d_name));
      if (tid <= 0 || seized.count(tid) != 0) continue;
      seized.insert(tid);
      found_new = true;
      if (ptrace(PTRACE_SEIZE, tid, nullptr, (void*)(uintptr_t)ptrace_options_) != 0) {
        if (tid == pid) {
          closedir(tasks);
          return std::string("ptrace(PTRACE_SEIZE): ") + strerror(errno);
        }
        continue;  // the thread ended meanwhile
      }
      AddThread(tid, pid, pid_t(ppid));
      if (options_.stops == SyscallStops::kAll) ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
    }
    closedir(tasks);
    if (!found_new) break;
  }
  return "";
}

void ProcessTree::SetStops(pid_t pid, SyscallStops stops) {
  auto it = processes_.find(pid);
  if (it != processes_.end()) it->second->stops = stops;
}

void ProcessTree::SetTimer(uint64_t period_ns, std::function<void(uint64_t)> tick) {
  if (period_ns == 0) return;
  tick_ = std::move(tick);
  // A POSIX timer that signals this thread: it interrupts the loop's blocking wait4, which
  // a timerfd could not (waiting on both would cost an epoll_wait and a SIGCHLD handler per
  // ptrace stop).
  sigevent event{};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = WakeSignal();
  event._sigev_un._tid = pid_t(syscall(SYS_gettid));
  if (timer_create(CLOCK_MONOTONIC, &event, &timer_) != 0) return;
  timer_created_ = true;
  // Absolute deadlines: the kernel keeps the period however late the loop handles a tick.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  itimerspec spec{};
  spec.it_interval.tv_sec = time_t(period_ns / 1000000000);
  spec.it_interval.tv_nsec = long(period_ns % 1000000000);
  spec.it_value = now;
  spec.it_value.tv_nsec += spec.it_interval.tv_nsec;
  spec.it_value.tv_sec += spec.it_interval.tv_sec + spec.it_value.tv_nsec / 1000000000;
  spec.it_value.tv_nsec %= 1000000000;
  timer_settime(timer_, TIMER_ABSTIME, &spec, nullptr);
}

bool ProcessTree::WhenStopped(pid_t tid, std::function<void(pid_t)> fn) {
  auto it = threads_.find(tid);
  if (it == threads_.end()) return false;
  it->second->on_stop.push_back(std::move(fn));
  ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
  return true;
}

std::map<pid_t, std::vector<pid_t>> ProcessTree::Threads() const {
  std::map<pid_t, std::vector<pid_t>> by_process;
  for (const auto& [tid, thread] : threads_) by_process[thread->pid].push_back(tid);
  return by_process;
}

int ProcessTree::Run() {
  struct Pending {
    pid_t tid;
    int status;
    struct rusage usage;
  };
  std::vector<Pending> batch;
  // Without the waker (it could not start, or was killed), the fallback: the wake signal
  // blocked except around each wait, which it interrupts. WUNTRACED: the waker is a plain
  // child, whose stop is reported only with it. Tracees are reported the same with or without
  // it (for a tracer that is also the real parent, the kernel reports only the ptrace stop).
  bool masked = false;
  int wait_flags = __WALL | WUNTRACED;
  auto use_masking = [&] {
    masked = true;
    wait_flags = __WALL;
    SetWakeSignalBlocked(true);
    InstallWakeHandler(false);
  };
  if (waker_.Start()) {
    InstallWakeHandler(true);
    SetWakeSignalBlocked(false);
  } else {
    use_masking();
  }
  uint64_t next_vanish_check = 0;
  while (!threads_.empty()) {
    if (g_tick_pending) {
      g_tick_pending = 0;
      const uint64_t now = MonotonicNs();
      if (tick_) tick_(now);
      if (!masked && now >= next_vanish_check) {
        next_vanish_check = now + kVanishCheckNs;
        if (!AnyTraceeLeft()) break;
      }
    }
    if (g_detach_requested) {
      waker_.Stop();  // DetachAll waits for any child: only tracees may be left
      DetachAll();
      break;
    }
    // Wait for one status (a tick or a detach may end the wait: the waker's stop, or EINTR)...
    batch.clear();
    Pending pending{};
    pid_t tid = -1;
    int wait_errno = EINTR;  // as if a tick had cut the wait short, when there was none
    if (masked) SetWakeSignalBlocked(false);  // a pending tick is handled right here
    if (!g_tick_pending && !g_detach_requested) {
      const uint64_t began = MonotonicNs();
      const uint64_t window = spin_.window_ns(began);
      tid = 0;
      while (window != 0 && tid == 0 && !g_tick_pending && !g_detach_requested &&
             MonotonicNs() - began < window) {
        tid = wait4(-1, &pending.status, wait_flags | WNOHANG, &pending.usage);
      }
      if (tid == 0 && !g_tick_pending && !g_detach_requested) {
        tid = wait4(-1, &pending.status, wait_flags, &pending.usage);
      }
      if (tid < 0) wait_errno = errno;
      if (tid == 0) tid = -1;  // a tick or a detach came while polling: EINTR, as set above
      if (tid > 0) spin_.Ended(MonotonicNs() - began);
    }
    if (masked) SetWakeSignalBlocked(true);
    if (tid < 0) {
      if (wait_errno == ECHILD) break;  // every tracee is gone
      continue;                         // EINTR: a tick or a detach
    }
    pending.tid = tid;
    batch.push_back(pending);
    // ...then, for fairness, collect every other pending status before acting on any (their
    // threads are stopped meanwhile): one busy thread cannot starve the others.
    for (;;) {
      tid = wait4(-1, &pending.status, wait_flags | WNOHANG, &pending.usage);
      if (tid <= 0) break;
      pending.tid = tid;
      batch.push_back(pending);
    }
    for (const Pending& p : batch) {
      if (waker_.Consume(p.tid, p.status)) {
        if (!masked && !waker_.running()) use_masking();  // killed by someone
        continue;
      }
      Handle(p.tid, p.status, p.usage);
    }
  }
  waker_.Stop();
  use_masking();  // back to the constructor's state: the signal blocked, no SA_RESTART
  return first_status_;
}

bool ProcessTree::AnyTraceeLeft() const {
  // kill(TID, 0) finds any thread by its id; ESRCH only once it has been reaped.
  for (const auto& [tid, thread] : threads_) {
    if (kill(tid, 0) == 0 || errno != ESRCH) return true;
  }
  return false;
}

void ProcessTree::Handle(pid_t tid, int status, const struct rusage& usage) {
  if (WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_EXEC) {
    // A non-leader thread's exec: the kernel gave it the leader's tid; its state moves there.
    unsigned long former = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former);
    auto it = threads_.find(pid_t(former));
    if (pid_t(former) != tid && it != threads_.end()) {
      std::unique_ptr<Thread> moved = std::move(it->second);
      threads_.erase(it);
      moved->tid = tid;
      moved->call.tid = tid;
      threads_[tid] = std::move(moved);
    }
  }
  Thread& thread = *FindOrAdopt(tid);
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    HandleExit(thread, status, usage);
    return;
  }
  if (!WIFSTOPPED(status)) return;
  const int sig = WSTOPSIG(status);
  const int event = status >> 16;
  RunPendingCallbacks(thread);
  switch (event) {
    case 0:
      if (sig == SIGTRAP) {
        switch (observer_->OnTrap(thread.pid, tid)) {
          case TrapAction::kResume:
            Resume(thread, 0);
            return;
          case TrapAction::kStep:
            ptrace(PTRACE_SINGLESTEP, tid, nullptr, nullptr);
            return;
          case TrapAction::kNotMine:
            break;
        }
      }
      if (sig == (SIGTRAP | 0x80)) {
        HandleSyscallStop(thread);
        Resume(thread, 0);
        observer_->AfterResume();
      } else {
        observer_->OnSignal(thread.pid, tid, sig);
        Resume(thread, sig);  // a signal for the tracee: delivered unchanged
      }
      return;
    case PTRACE_EVENT_SECCOMP:
      HandleSyscallStop(thread);
      Resume(thread, 0);
      observer_->AfterResume();
      return;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE: {
      unsigned long child = 0;
      if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child) == 0 && child != 0) {
        HandleNewChild(thread, pid_t(child));
      }
      Resume(thread, 0);
      return;
    }
    case PTRACE_EVENT_EXEC:
      HandleExec(thread);
      Resume(thread, 0);
      return;
    case PTRACE_EVENT_EXIT: {
      // The last moment the address space exists: its VmHWM is the exact peak RSS.
      long hwm = 0;
      Process& process = *thread.process;
      if (StatusField(tid, "VmHWM", &hwm) && uint64_t(hwm) > process.hwm_kib) {
        process.hwm_kib = uint64_t(hwm);
      }
      if (thread.in_syscall) ReportUnfinished(thread);  // exit / exit_group never return
      observer_->OnThreadExiting(thread.pid, tid);
      Resume(thread, 0);
      return;
    }
    case PTRACE_EVENT_STOP:
      if (IsGroupStopSignal(sig)) {
        // A group-stop: stay stopped (as the program asked) but keep reporting events.
        ptrace(PTRACE_LISTEN, tid, nullptr, nullptr);
      } else {
        Resume(thread, 0);  // a new tracee's first stop, or our PTRACE_INTERRUPT
      }
      return;
    default:
      Resume(thread, 0);
      return;
  }
}

void ProcessTree::RunPendingCallbacks(Thread& thread) {
  if (thread.on_stop.empty()) return;
  auto callbacks = std::move(thread.on_stop);
  thread.on_stop.clear();
  for (auto& callback : callbacks) callback(thread.tid);
}

void ProcessTree::Resume(Thread& thread, int signal) {
  const Process& process = *thread.process;
  const bool syscall_stops = process.stops == SyscallStops::kAll ||
                             (process.stops == SyscallStops::kSeccomp && thread.in_syscall);
  // ESRCH: the tracee was killed meanwhile; its exit status follows.
  ptrace(syscall_stops ? PTRACE_SYSCALL : PTRACE_CONT, thread.tid, nullptr,
         (void*)(uintptr_t)signal);
}

void ProcessTree::HandleSyscallStop(Thread& thread) {
  __ptrace_syscall_info info{};
  if (ptrace(PTRACE_GET_SYSCALL_INFO, thread.tid, (void*)sizeof(info), &info) <= 0) return;
  Process& process = *thread.process;
  const uint64_t now = MonotonicNs();
  if (info.op == PTRACE_SYSCALL_INFO_ENTRY || info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
    // The seccomp member has the same leading layout as the entry member (nr, args).
    const uint32_t number = uint32_t(info.entry.nr);
    const bool i386 = info.arch == AUDIT_ARCH_I386;
    if (!process.reporting) {
      const bool exec = IsExec(number, i386 ? SyscallArch::kI386 : SyscallArch::kX86_64);
      if (!exec) return;
      process.reporting = true;  // the program starts with its execve
    }
    if (i386 ? !options_.selection.HasI386(number) : !options_.selection.Has(number)) return;
    thread.in_syscall = true;
    thread.call = SyscallEvent{};
    thread.call.pid = thread.pid;
    thread.call.tid = thread.tid;
    thread.call.number = number;
    thread.call.i386 = i386;
    thread.call.instruction_pointer = info.instruction_pointer;
    for (int i = 0; i < 6; ++i) thread.call.args[i] = info.entry.args[i];
    thread.call.entry_ns = now;
    observer_->OnSyscallEntry(thread.call);
    return;
  }
  if (info.op == PTRACE_SYSCALL_INFO_EXIT && thread.in_syscall) {
    thread.in_syscall = false;
    thread.call.result = info.exit.rval;
    thread.call.exit_ns = now;
    thread.call.finished = true;
    observer_->OnSyscall(thread.call);
  }
}

void ProcessTree::ReportUnfinished(Thread& thread) {
  thread.in_syscall = false;
  thread.call.finished = false;
  thread.call.exit_ns = 0;
  thread.call.result = 0;
  observer_->OnSyscall(thread.call);
}

void ProcessTree::HandleNewChild(Thread& parent, pid_t child) {
  if (threads_.count(child) != 0) return;  // its first stop came first
  long tgid = child;
  StatusField(child, "Tgid", &tgid);
  const pid_t pid = pid_t(tgid);
  AddThread(child, pid, pid == parent.pid ? 0 : parent.pid);
}

void ProcessTree::HandleExec(Thread& thread) {
  // Before the new image runs anything: an image exec'd without memwrap's variables gets them
  // back, so that the shim is preloaded into it too.
  if (RestoreAtExec(thread.tid, options_.exec_environment) == RestoreResult::kFailed) {
    fprintf(stderr,
            "memwrap: could not put memwrap's variables back into the environment of process "
            "%d's new image (exec'd without them): its heap is not recorded\n",
            int(thread.pid));
  }
  Process& process = *thread.process;
  process.reporting = true;
  process.hwm_kib = 0;  // a new address space
  // Every other thread of the process is gone (the kernel reports their exits, except the
  // old leader's when a non-leader exec'd: its tid now belongs to this thread).
  observer_->OnExec(thread.pid);
}

void ProcessTree::HandleExit(Thread& thread, int status, const struct rusage& usage) {
  if (thread.in_syscall) ReportUnfinished(thread);
  const pid_t tid = thread.tid;
  const pid_t pid = thread.pid;
  observer_->OnThreadEnd(pid, tid, status);
  threads_.erase(tid);
  // The kernel reports a leader's death after all its threads': that is the process's end.
  if (tid != pid) return;
  auto it = processes_.find(pid);
  const uint64_t hwm = it != processes_.end() ? it->second->hwm_kib : 0;
  observer_->OnProcessExit(pid, status, usage, hwm);
  if (pid == first_pid_ && first_is_child_) first_status_ = status;
  if (it != processes_.end()) processes_.erase(it);
  // The kernel reports the leader last, so no thread of the process should be left; one that
  // is (it cannot normally happen) is forgotten with its process, and adopted anew if it ever
  // reports again.
  for (auto t = threads_.begin(); t != threads_.end();) {
    t = t->second->pid == pid ? threads_.erase(t) : std::next(t);
  }
}

void ProcessTree::DetachAll() {
  observer_->BeforeDetach();
  for (const auto& [tid, thread] : threads_) ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
  while (!threads_.empty()) {
    int status = 0;
    struct rusage usage {};
    pid_t tid = wait4(-1, &status, __WALL, &usage);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    Thread& thread = *FindOrAdopt(tid);
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      HandleExit(thread, status, usage);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    const int sig = WSTOPSIG(status);
    const int event = status >> 16;
    int deliver = 0;
    if (event == 0 && sig != (SIGTRAP | 0x80)) deliver = sig;  // not ours to swallow
    if (event == 0 && sig == SIGTRAP &&
        observer_->OnTrap(thread.pid, tid) != TrapAction::kNotMine) {
      deliver = 0;  // the observer's breakpoint, undone
    } else if (deliver == 0 && observer_->HoldsPendingTrap(thread.pid, tid)) {
      // Its SIGTRAP comes at its next stop (the kernel reports our interrupt first).
      ptrace(PTRACE_CONT, tid, nullptr, nullptr);
      continue;
    }
    if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
      unsigned long child = 0;
      // The new child is attached too: wait for its first stop and let it go as well.
      if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child) == 0 && child != 0) {
        HandleNewChild(thread, pid_t(child));
        ptrace(PTRACE_INTERRUPT, pid_t(child), nullptr, nullptr);
      }
    }
    if (thread.in_syscall) ReportUnfinished(thread);
    ptrace(PTRACE_DETACH, tid, nullptr, (void*)(uintptr_t)deliver);
    threads_.erase(tid);
  }
  threads_.clear();
  processes_.clear();
}

}  // namespace memwrap
