// Process calls (strace's execve.c, clone.c, wait.c, resource.c, futex.c, prctl.c, ...):
// execve's argv and environment count, clone/clone3 flags, wait statuses, resource limits,
// arch_prctl codes, futex operations, getrandom's bytes, time structures.
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>

#include "text/quoted_bytes.h"
#include "tracer/syscalls/syscall_decoder.h"

namespace memwrap {
namespace {

// argv: ["ls", "-l"], cut after -s elements; envp: 0x7ffe... /* 20 vars */.
std::string Argv(const Call& c, uint64_t address) {
  if (address == 0) return "NULL";
  std::string text = "[";
  for (size_t n = 0;; ++n) {
    uint64_t pointer = 0;
    if (!ReadMemory(c.tid(), address + n * 8, &pointer, sizeof(pointer))) {
      return n == 0 ? FormatHex(address) : text + "...]";
    }
    if (pointer == 0) break;
    if (n >= c.options().string_limit) {
      text += ", ...";
      break;
    }
    text += (n > 0 ? ", " : "") + QuotedString(c.tid(), pointer, c.options().string_limit);
  }
  return text + "]";
}

std::string EnvCount(const Call& c, uint64_t address) {
  if (address == 0) return "NULL";
  size_t n = 0;
  for (;; ++n) {
    uint64_t pointer = 0;
    if (!ReadMemory(c.tid(), address + n * 8, &pointer, sizeof(pointer))) return FormatHex(address);
    if (pointer == 0 || n > 100000) break;
  }
  return FormatHex(address) + " /* " + std::to_string(n) + (n == 1 ? " var" : " vars") + " */";
}

const FlagName kCloneFlags[] = {{CLONE_VM, "CLONE_VM"},
                                {CLONE_FS, "CLONE_FS"},
                                {CLONE_FILES, "CLONE_FILES"},
                                {CLONE_SIGHAND, "CLONE_SIGHAND"},
                                {0x1000, "CLONE_PIDFD"},
                                {CLONE_PTRACE, "CLONE_PTRACE"},
                                {CLONE_VFORK, "CLONE_VFORK"},
                                {CLONE_PARENT, "CLONE_PARENT"},
                                {CLONE_THREAD, "CLONE_THREAD"},
                                {CLONE_NEWNS, "CLONE_NEWNS"},
                                {CLONE_SYSVSEM, "CLONE_SYSVSEM"},
                                {CLONE_SETTLS, "CLONE_SETTLS"},
                                {CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"},
                                {CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"},
                                {CLONE_UNTRACED, "CLONE_UNTRACED"},
                                {CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"},
                                {0x02000000, "CLONE_NEWCGROUP"},
                                {CLONE_NEWUTS, "CLONE_NEWUTS"},
                                {CLONE_NEWIPC, "CLONE_NEWIPC"},
                                {CLONE_NEWUSER, "CLONE_NEWUSER"},
                                {CLONE_NEWPID, "CLONE_NEWPID"},
                                {CLONE_NEWNET, "CLONE_NEWNET"},
                                {CLONE_IO, "CLONE_IO"},
                                {0x100000000ull, "CLONE_CLEAR_SIGHAND"},
                                {0x200000000ull, "CLONE_INTO_CGROUP"},
                                {0x400000000ull, "CLONE_NEWTIME"}};

void Clone(Call& c) {
  const uint64_t flags = c.arg(0) & ~uint64_t(0xff);
  if (c.entering()) {
    const int signal = int(c.arg(0) & 0xff);
    c.Arg("child_stack=" + FormatAddress(c.arg(1)));
    std::string text = "flags=";
    if (flags != 0) {
      text += FormatFlags(flags, kCloneFlags, "0");
      if (signal != 0) text += "|" + SignalName(signal);
    } else {
      text += signal != 0 ? SignalName(signal) : "0";
    }
    c.Arg(text);
    if ((flags &
         (CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_SETTLS)) != 0) {
      c.ResultAtExit();  // strace prints the ", " of what follows at the exit
    }
    return;
  }
  if (flags & (CLONE_PARENT_SETTID | 0x1000)) {
    int value = 0;
    c.Arg(std::string(flags & CLONE_PARENT_SETTID ? "parent_tid=" : "parent_tidptr=") +
          (!c.failed() && ReadMemory(c.tid(), c.arg(2), &value, sizeof(value))
               ? "[" + std::to_string(value) + "]"
               : FormatAddress(c.arg(2))));
  }
  if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
    c.Arg("child_tidptr=" + FormatAddress(c.arg(3)));
  if (flags & CLONE_SETTLS) c.Arg("tls=" + FormatAddress(c.arg(4)));
}

void Clone3(Call& c) {
  struct {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
  } args{};
  const size_t size = size_t(std::min<uint64_t>(c.arg(1), sizeof(args)));
  const bool readable = c.arg(0) != 0 && size >= 64 && ReadMemory(c.tid(), c.arg(0), &args, size);
  if (c.entering()) {
    if (!readable) {
      c.Pointer(0);
      c.Ulong(1);
      return;
    }
    std::string text = "{flags=" + FormatFlags(args.flags, kCloneFlags, "0");
    if (args.flags & 0x1000) text += ", pidfd=" + FormatHex(args.pidfd);
    if (args.flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
      text += ", child_tid=" + FormatHex(args.child_tid);
    if (args.flags & CLONE_PARENT_SETTID) text += ", parent_tid=" + FormatHex(args.parent_tid);
    text += ", exit_signal=" +
            (args.exit_signal == 0 ? std::string("0") : SignalName(int(args.exit_signal)));
    text += ", stack=" + FormatHex(args.stack) + ", stack_size=" + FormatHex(args.stack_size);
    if (args.flags & CLONE_SETTLS) text += ", tls=" + FormatHex(args.tls);
    c.Arg(text + "}");
    c.state().saved[0] = args.flags;
    c.ResultAtExit();
    return;
  }
  const uint64_t flags = c.state().saved[0];
  if (!c.failed() && (flags & (CLONE_PARENT_SETTID | 0x1000))) {
    std::string text = " => {";
    int value = 0;
    if (flags & 0x1000) {
      text += "pidfd=" + (ReadMemory(c.tid(), args.pidfd, &value, sizeof(value))
                              ? "[" + std::to_string(value) + "]"
                              : FormatHex(args.pidfd));
    }
    if (flags & CLONE_PARENT_SETTID) {
      text += std::string(flags & 0x1000 ? ", " : "") + "parent_tid=" +
              (ReadMemory(c.tid(), args.parent_tid, &value, sizeof(value))
                   ? "[" + std::to_string(value) + "]"
                   : FormatHex(args.parent_tid));
    }
    c.Append(text + "}");
  }
  c.Ulong(1);
}

std::string WaitStatus(int status) {
  std::string text;
  if (WIFSTOPPED(status)) {
    text = "{WIFSTOPPED(s) && WSTOPSIG(s) == " + SignalName(WSTOPSIG(status)) + "}";
    if (status >> 16) text += " | " + FormatHex(uint32_t(status) & ~0xffffu);
  } else if (WIFSIGNALED(status)) {
    text = "{WIFSIGNALED(s) && WTERMSIG(s) == " + SignalName(WTERMSIG(status)) +
           (WCOREDUMP(status) ? " && WCOREDUMP(s)" : "") + "}";
  } else if (WIFEXITED(status)) {
    text = "{WIFEXITED(s) && WEXITSTATUS(s) == " + std::to_string(WEXITSTATUS(status)) + "}";
  } else if (WIFCONTINUED(status)) {
    text = "{WIFCONTINUED(s)}";
  } else {
    text = FormatHex(uint32_t(status));
  }
  return "[" + text + "]";
}

std::string WaitOptions(uint64_t value) {
  static const FlagName kNames[] = {{WNOHANG, "WNOHANG"}, {WUNTRACED, "WUNTRACED"},
                                    {WEXITED, "WEXITED"}, {WCONTINUED, "WCONTINUED"},
                                    {WNOWAIT, "WNOWAIT"}, {__WNOTHREAD, "__WNOTHREAD"},
                                    {__WALL, "__WALL"},   {__WCLONE, "__WCLONE"}};
  return FormatFlags(value & 0xffffffffu, kNames, "0");
}

std::string Timeval(const timeval& tv) {
  return "{tv_sec=" + std::to_string(tv.tv_sec) + ", tv_usec=" + std::to_string(tv.tv_usec) + "}";
}

std::string Rusage(const Call& c, uint64_t address) {
  if (address == 0) return "NULL";
  rusage ru{};
  if (c.failed() || !ReadMemory(c.tid(), address, &ru, sizeof(ru))) return FormatHex(address);
  return "{ru_utime=" + Timeval(ru.ru_utime) + ", ru_stime=" + Timeval(ru.ru_stime) + ", ...}";
}

void Wait4(Call& c) {
  if (c.entering()) {
    c.Int(0);
    c.DecodeAtExit();
    return;
  }
  int status = 0;
  if (c.arg(1) == 0) {
    c.Arg("NULL");
  } else if (c.failed() || c.result() == 0 ||
             !ReadMemory(c.tid(), c.arg(1), &status, sizeof(status))) {
    c.Pointer(1);
  } else {
    c.Arg(WaitStatus(status));
  }
  c.Arg(WaitOptions(c.arg(2)));
  c.Arg(Rusage(c, c.arg(3)));
}

std::string Resource(uint64_t value) {
  static const FlagName kNames[] = {
      {RLIMIT_CPU, "RLIMIT_CPU"},           {RLIMIT_FSIZE, "RLIMIT_FSIZE"},
      {RLIMIT_DATA, "RLIMIT_DATA"},         {RLIMIT_STACK, "RLIMIT_STACK"},
      {RLIMIT_CORE, "RLIMIT_CORE"},         {RLIMIT_RSS, "RLIMIT_RSS"},
      {RLIMIT_NPROC, "RLIMIT_NPROC"},       {RLIMIT_NOFILE, "RLIMIT_NOFILE"},
      {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},   {RLIMIT_AS, "RLIMIT_AS"},
      {RLIMIT_LOCKS, "RLIMIT_LOCKS"},       {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
      {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"}, {RLIMIT_NICE, "RLIMIT_NICE"},
      {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},     {RLIMIT_RTTIME, "RLIMIT_RTTIME"}};
  return FormatValue(value & 0xffffffffu, kNames, "RLIMIT_");
}

std::string Rlimit(const Call& c, uint64_t address, const char* infinity) {
  if (address == 0) return "NULL";
  uint64_t limits[2];
  if (!ReadMemory(c.tid(), address, limits, sizeof(limits))) return FormatHex(address);
  auto one = [&](uint64_t v) -> std::string {
    if (v == ~0ull) return infinity;
    if (v > 1024 && v % 1024 == 0) return std::to_string(v / 1024) + "*1024";
    return std::to_string(v);
  };
  return "{rlim_cur=" + one(limits[0]) + ", rlim_max=" + one(limits[1]) + "}";
}

std::string ArchPrctlCode(uint64_t value) {
  static const FlagName kNames[] = {{0x1001, "ARCH_SET_GS"},
                                    {0x1002, "ARCH_SET_FS"},
                                    {0x1003, "ARCH_GET_FS"},
                                    {0x1004, "ARCH_GET_GS"},
                                    {0x1011, "ARCH_GET_CPUID"},
                                    {0x1012, "ARCH_SET_CPUID"},
                                    {0x1021, "ARCH_GET_XCOMP_SUPP"},
                                    {0x1022, "ARCH_GET_XCOMP_PERM"},
                                    {0x1023, "ARCH_REQ_XCOMP_PERM"},
                                    {0x1024, "ARCH_GET_XCOMP_GUEST_PERM"},
                                    {0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"},
                                    {0x2001, "ARCH_MAP_VDSO_X32"},
                                    {0x2002, "ARCH_MAP_VDSO_32"},
                                    {0x2003, "ARCH_MAP_VDSO_64"}};
  return FormatValue(value & 0xffffffffu, kNames, "ARCH_");
}

void ArchPrctl(Call& c) {
  const uint32_t code = uint32_t(c.arg(0));
  if (c.entering()) {
    c.Arg(ArchPrctlCode(code));
    if (code == 0x1003 || code == 0x1004 || code == 0x1021 || code == 0x1022 || code == 0x1024) {
      c.DecodeAtExit();
      return;
    }
    if (code == 0x1011) return;
    if (code == 0x1012 || code == 0x1023 || code == 0x1025) {
      c.Ulong(1);
    } else {
      c.Hex(1);
    }
    return;
  }
  uint64_t value = 0;
  if (c.failed() || !ReadMemory(c.tid(), c.arg(1), &value, sizeof(value))) {
    c.Pointer(1);
  } else {
    c.Arg("[" + FormatHex(value) + "]");
  }
}

std::string Timespec(const Call& c, uint64_t address) {
  if (address == 0) return "NULL";
  timespec ts{};
  if (!ReadMemory(c.tid(), address, &ts, sizeof(ts))) return FormatHex(address);
  return "{tv_sec=" + std::to_string(ts.tv_sec) + ", tv_nsec=" + std::to_string(ts.tv_nsec) + "}";
}

std::string ClockId(uint64_t value) {
  static const FlagName kNames[] = {{CLOCK_REALTIME, "CLOCK_REALTIME"},
                                    {CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
                                    {CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"},
                                    {CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"},
                                    {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
                                    {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
                                    {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"},
                                    {CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
                                    {8, "CLOCK_REALTIME_ALARM"},
                                    {9, "CLOCK_BOOTTIME_ALARM"},
                                    {11, "CLOCK_TAI"}};
  return FormatValue(value & 0xffffffffu, kNames, nullptr);
}

std::string FutexOp(uint64_t value) {
  static const char* const kOps[] = {
      "FUTEX_WAIT",           "FUTEX_WAKE",        "FUTEX_FD",          "FUTEX_REQUEUE",
      "FUTEX_CMP_REQUEUE",    "FUTEX_WAKE_OP",     "FUTEX_LOCK_PI",     "FUTEX_UNLOCK_PI",
      "FUTEX_TRYLOCK_PI",     "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
      "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2"};
  const uint32_t op = uint32_t(value);
  const uint32_t cmd = op & FUTEX_CMD_MASK;
  std::string text = cmd < std::size(kOps) ? kOps[cmd] : FormatHex(cmd);
  if (op & FUTEX_PRIVATE_FLAG) text += "_PRIVATE";
  if (op & FUTEX_CLOCK_REALTIME) text += "|FUTEX_CLOCK_REALTIME";
  return text;
}

void Futex(Call& c) {
  c.Pointer(0);
  c.Arg(FutexOp(c.arg(1)));
  const uint32_t cmd = uint32_t(c.arg(1)) & FUTEX_CMD_MASK;
  auto bitset = [&](uint64_t v) {
    return uint32_t(v) == FUTEX_BITSET_MATCH_ANY ? std::string("FUTEX_BITSET_MATCH_ANY")
                                                 : FormatHex(uint32_t(v));
  };
  switch (cmd) {
    case FUTEX_WAIT:
      c.Unsigned(2);
      c.Arg(Timespec(c, c.arg(3)));
      break;
    case FUTEX_WAIT_BITSET:
      c.Unsigned(2);
      c.Arg(Timespec(c, c.arg(3)));
      c.Arg(bitset(c.arg(5)));
      break;
    case FUTEX_WAKE:
      c.Unsigned(2);
      break;
    case FUTEX_WAKE_BITSET:
      c.Unsigned(2);
      c.Arg(bitset(c.arg(5)));
      break;
    case FUTEX_REQUEUE:
      c.Unsigned(2);
      c.Unsigned(3);
      c.Pointer(4);
      break;
    case FUTEX_CMP_REQUEUE:
    case FUTEX_CMP_REQUEUE_PI:
      c.Unsigned(2);
      c.Unsigned(3);
      c.Pointer(4);
      c.Unsigned(5);
      break;
    case FUTEX_WAKE_OP:
      c.Unsigned(2);
      c.Unsigned(3);
      c.Pointer(4);
      c.Hex(5);
      break;
    case FUTEX_LOCK_PI:
    case 13:
      c.Arg(Timespec(c, c.arg(3)));
      break;
    case FUTEX_UNLOCK_PI:
    case FUTEX_TRYLOCK_PI:
      break;
    case FUTEX_WAIT_REQUEUE_PI:
      c.Unsigned(2);
      c.Arg(Timespec(c, c.arg(3)));
      c.Pointer(4);
      break;
    default:
      c.Hex(2);
      c.Hex(3);
      c.Hex(4);
      c.Hex(5);
      break;
  }
}

std::string PrctlOption(uint64_t value) {
  static const FlagName kNames[] = {{PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG"},
                                    {PR_GET_PDEATHSIG, "PR_GET_PDEATHSIG"},
                                    {PR_GET_DUMPABLE, "PR_GET_DUMPABLE"},
                                    {PR_SET_DUMPABLE, "PR_SET_DUMPABLE"},
                                    {PR_SET_NAME, "PR_SET_NAME"},
                                    {PR_GET_NAME, "PR_GET_NAME"},
                                    {PR_GET_SECCOMP, "PR_GET_SECCOMP"},
                                    {PR_SET_SECCOMP, "PR_SET_SECCOMP"},
                                    {PR_CAPBSET_READ, "PR_CAPBSET_READ"},
                                    {PR_CAPBSET_DROP, "PR_CAPBSET_DROP"},
                                    {PR_SET_CHILD_SUBREAPER, "PR_SET_CHILD_SUBREAPER"},
                                    {PR_GET_CHILD_SUBREAPER, "PR_GET_CHILD_SUBREAPER"},
                                    {PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS"},
                                    {PR_GET_NO_NEW_PRIVS, "PR_GET_NO_NEW_PRIVS"},
                                    {PR_SET_PTRACER, "PR_SET_PTRACER"},
                                    {PR_SET_VMA, "PR_SET_VMA"},
                                    {PR_SET_THP_DISABLE, "PR_SET_THP_DISABLE"},
                                    {PR_GET_THP_DISABLE, "PR_GET_THP_DISABLE"},
                                    {PR_SET_TIMERSLACK, "PR_SET_TIMERSLACK"},
                                    {PR_GET_TIMERSLACK, "PR_GET_TIMERSLACK"},
                                    {PR_SET_KEEPCAPS, "PR_SET_KEEPCAPS"},
                                    {PR_GET_KEEPCAPS, "PR_GET_KEEPCAPS"}};
  return FormatValue(value & 0xffffffffu, kNames, "PR_");
}

void Prctl(Call& c) {
  const uint32_t option = uint32_t(c.arg(0));
  if (c.entering()) {
    c.Arg(PrctlOption(option));
    switch (option) {
      case PR_SET_NAME:
        c.String(1);
        return;
      case PR_GET_NAME:
      case PR_GET_PDEATHSIG:
        c.DecodeAtExit();
        return;
      case PR_SET_PDEATHSIG:
        c.Arg(c.arg(1) == 0 ? "0" : SignalName(int(c.arg(1))));
        return;
      case PR_GET_DUMPABLE:
      case PR_GET_SECCOMP:
      case PR_GET_CHILD_SUBREAPER:
      case PR_GET_NO_NEW_PRIVS:
      case PR_GET_THP_DISABLE:
      case PR_GET_TIMERSLACK:
      case PR_GET_KEEPCAPS:
        return;
      case PR_SET_DUMPABLE:
      case PR_SET_CHILD_SUBREAPER:
      case PR_SET_KEEPCAPS:
      case PR_CAPBSET_READ:
      case PR_CAPBSET_DROP:
        c.Ulong(1);
        return;
      case PR_SET_NO_NEW_PRIVS:
      case PR_SET_THP_DISABLE:
        c.Ulong(1);
        c.Ulong(2);
        c.Ulong(3);
        c.Ulong(4);
        return;
      default:
        c.Hex(1);
        c.Hex(2);
        c.Hex(3);
        c.Hex(4);
        return;
    }
  }
  if (option == PR_GET_NAME) {
    if (c.failed())
      c.Pointer(1);
    else
      c.String(1);
  } else {
    int value = 0;
    c.Arg(!c.failed() && ReadMemory(c.tid(), c.arg(1), &value, sizeof(value))
              ? "[" + (value == 0 ? std::string("0") : SignalName(value)) + "]"
              : FormatAddress(c.arg(1)));
  }
}

// A utsname field up to its NUL, never past the array.
template <size_t N>
std::string_view UtsField(const char (&field)[N]) {
  return std::string_view(field, strnlen(field, N));
}

void Uname(Call& c) {
  if (EnterWithNothing(c)) return;
  utsname u{};
  if (c.failed() || !ReadMemory(c.tid(), c.arg(0), &u, sizeof(u))) {
    c.Pointer(0);
    return;
  }
  c.Arg("{sysname=\"" + QuoteBytes(UtsField(u.sysname), QuoteStyle::kStrace) + "\", nodename=\"" +
        QuoteBytes(UtsField(u.nodename), QuoteStyle::kStrace) + "\", ...}");
}

// Programs and processes: exec, clone, exit, wait.
constexpr NamedDecoder kLifecycleDecoders[] = {
    {"execve",
     [](Call& c) {
       c.Path(0);
       c.Arg(Argv(c, c.arg(1)));
       c.Arg(EnvCount(c, c.arg(2)));
     }},
    {"execveat",
     [](Call& c) {
       static const FlagName kFlags[] = {{AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"},
                                         {AT_EMPTY_PATH, "AT_EMPTY_PATH"}};
       c.DirFd(0);
       c.Path(1);
       c.Arg(Argv(c, c.arg(2)));
       c.Arg(EnvCount(c, c.arg(3)));
       c.Arg(FormatFlags(c.arg(4) & 0xffffffffu, kFlags, "0"));
     }},
    {"clone", Clone},
    {"clone3", Clone3},
    {"fork", [](Call&) {}},
    {"vfork", [](Call&) {}},
    {"exit",
     [](Call& c) {
       c.Int(0);
       c.SetResultFormat(ResultFormat::kNone);
     }},
    {"exit_group",
     [](Call& c) {
       c.Int(0);
       c.SetResultFormat(ResultFormat::kNone);
     }},
    {"wait4", Wait4},
    {"waitid",
     [](Call& c) {
       static const FlagName kTypes[] = {
           {P_ALL, "P_ALL"}, {P_PID, "P_PID"}, {P_PGID, "P_PGID"}, {3, "P_PIDFD"}};
       if (c.entering()) {
         c.Arg(FormatValue(c.arg(0) & 0xffffffffu, kTypes, "P_"));
         c.Int(1);
         c.DecodeAtExit();
         return;
       }
       siginfo_t info{};
       c.Arg(c.arg(2) == 0 ? "NULL"
             : !c.failed() && ReadMemory(c.tid(), c.arg(2), &info, sizeof(info))
                 ? FormatSiginfo(&info)
                 : FormatHex(c.arg(2)));
       c.Arg(WaitOptions(c.arg(3)));
       c.Arg(Rusage(c, c.arg(4)));
     }},
};

// Limits, thread setup, randomness, futexes, prctl, uname.
constexpr NamedDecoder kProcessSetupDecoders[] = {
    {"prlimit64",
     [](Call& c) {
       if (c.entering()) {
         c.Int(0);
         c.Arg(Resource(c.arg(1)));
         c.Arg(Rlimit(c, c.arg(2), "RLIM64_INFINITY"));
         c.DecodeAtExit();
         return;
       }
       c.Arg(c.failed() && c.arg(3) != 0 ? FormatHex(c.arg(3))
                                         : Rlimit(c, c.arg(3), "RLIM64_INFINITY"));
     }},
    {"getrlimit",
     [](Call& c) {
       if (c.entering()) {
         c.Arg(Resource(c.arg(0)));
         c.DecodeAtExit();
         return;
       }
       c.Arg(c.failed() ? FormatHex(c.arg(1)) : Rlimit(c, c.arg(1), "RLIM_INFINITY"));
     }},
    {"setrlimit",
     [](Call& c) {
       c.Arg(Resource(c.arg(0)));
       c.Arg(Rlimit(c, c.arg(1), "RLIM_INFINITY"));
     }},
    {"arch_prctl", ArchPrctl},
    {"set_tid_address", [](Call& c) { c.Pointer(0); }},
    {"set_robust_list",
     [](Call& c) {
       c.Pointer(0);
       c.Ulong(1);
     }},
    {"rseq",
     [](Call& c) {
       c.Pointer(0);
       c.Hex(1);
       c.Int(2);
       c.Hex(3);
     }},
    {"getrandom",
     [](Call& c) {
       static const FlagName kFlags[] = {
           {1, "GRND_NONBLOCK"}, {2, "GRND_RANDOM"}, {4, "GRND_INSECURE"}};
       if (EnterWithNothing(c)) return;
       c.BufferOut(0, /*hex=*/true);
       c.Ulong(1);
       c.Arg(FormatFlags(c.arg(2) & 0xffffffffu, kFlags, "0"));
     }},
    {"futex", Futex},
    {"prctl", Prctl},
    {"uname", Uname},
};

// Sleeps, clocks, usage, affinity, and process groups and ids.
constexpr NamedDecoder kTimeAndIdDecoders[] = {
    {"nanosleep",
     [](Call& c) {
       if (c.entering()) {
         c.Arg(Timespec(c, c.arg(0)));
         c.DecodeAtExit();
         return;
       }
       c.Arg(c.failed() && c.arg(1) != 0 ? Timespec(c, c.arg(1)) : FormatAddress(c.arg(1)));
     }},
    {"clock_nanosleep",
     [](Call& c) {
       if (c.entering()) {
         c.Arg(ClockId(c.arg(0)));
         c.Arg(c.arg(1) == 1 ? "TIMER_ABSTIME" : std::to_string(c.int_arg(1)));
         c.Arg(Timespec(c, c.arg(2)));
         c.DecodeAtExit();
         return;
       }
       c.Arg(c.failed() && c.arg(3) != 0 ? Timespec(c, c.arg(3)) : FormatAddress(c.arg(3)));
     }},
    {"clock_gettime",
     [](Call& c) {
       if (c.entering()) {
         c.Arg(ClockId(c.arg(0)));
         c.DecodeAtExit();
         return;
       }
       c.Arg(c.failed() ? FormatAddress(c.arg(1)) : Timespec(c, c.arg(1)));
     }},
    {"clock_getres",
     [](Call& c) {
       if (c.entering()) {
         c.Arg(ClockId(c.arg(0)));
         c.DecodeAtExit();
         return;
       }
       c.Arg(c.failed() ? FormatAddress(c.arg(1)) : Timespec(c, c.arg(1)));
     }},
    {"getrusage",
     [](Call& c) {
       static const FlagName kWho[] = {
           {0, "RUSAGE_SELF"}, {uint32_t(-1), "RUSAGE_CHILDREN"}, {1, "RUSAGE_THREAD"}};
       if (c.entering()) {
         c.Arg(FormatValue(c.arg(0) & 0xffffffffu, kWho, nullptr));
         c.DecodeAtExit();
         return;
       }
       c.Arg(Rusage(c, c.arg(1)));
     }},
    {"sched_getaffinity",
     [](Call& c) {
       if (c.entering()) {
         c.Int(0);
         c.Ulong(1);
         c.DecodeAtExit();
         return;
       }
       if (c.failed()) {
         c.Pointer(2);
         return;
       }
       std::string text = "[";
       const size_t bytes = size_t(std::min<int64_t>(c.result(), 128));
       uint8_t mask[128] = {};
       if (!ReadMemory(c.tid(), c.arg(2), mask, bytes)) {
         c.Pointer(2);
         return;
       }
       bool first = true;
       for (size_t bit = 0; bit < bytes * 8; ++bit) {
         if (mask[bit / 8] & (1u << (bit % 8))) {
           text += (first ? "" : ", ") + std::to_string(bit);
           first = false;
         }
       }
       c.Arg(text + "]");
     }},
    {"setpgid",
     [](Call& c) {
       c.Int(0);
       c.Int(1);
     }},
    {"getpgid", [](Call& c) { c.Int(0); }},
    {"getsid", [](Call& c) { c.Int(0); }},
    {"setuid", [](Call& c) { c.Int(0); }},
    {"setgid", [](Call& c) { c.Int(0); }},
};

const std::map<std::string, SyscallDecoderFn>& Decoders() {
  static const std::map<std::string, SyscallDecoderFn> kDecoders =
      DecodersByName({kLifecycleDecoders, kProcessSetupDecoders, kTimeAndIdDecoders});
  return kDecoders;
}

}  // namespace

SyscallDecoderFn ProcessDecoder(const std::string& name) {
  auto it = Decoders().find(name);
  return it == Decoders().end() ? nullptr : it->second;
}

}  // namespace memwrap
