// Signals (strace's signal.c, printsiginfo.c): names (SIGTERM, SIGRT_1), sets ([CHLD USR1],
// ~[RTMIN] when most are set), struct sigaction, rt_sigprocmask's how, the mask restored by
// rt_sigreturn, and the siginfo of a delivered signal.
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include <algorithm>
#include <map>
#include <string>

#include "tracer/syscalls/syscall_decoder.h"

namespace memwrap {
namespace {

const char* const kSignalNames[] = {
    "0",        "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP",   "SIGABRT",
    "SIGBUS",   "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV", "SIGUSR2",   "SIGPIPE",
    "SIGALRM",  "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",   "SIGTSTP",
    "SIGTTIN",  "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
    "SIGWINCH", "SIGIO",   "SIGPWR",    "SIGSYS",  "SIGRTMIN"};

// The kernel's struct sigaction on x86_64.
struct KernelSigaction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

std::string SigactionAt(pid_t tid, uint64_t address) {
  if (address == 0) return "NULL";
  KernelSigaction action{};
  if (!ReadMemory(tid, address, &action, sizeof(action))) return FormatHex(address);
  static const FlagName kFlags[] = {
      {0x04000000, "SA_RESTORER"},  {0x08000000, "SA_ONSTACK"},     {0x10000000, "SA_RESTART"},
      {0x20000000, "SA_INTERRUPT"}, {0x40000000, "SA_NODEFER"},     {0x80000000, "SA_RESETHAND"},
      {SA_SIGINFO, "SA_SIGINFO"},   {SA_NOCLDSTOP, "SA_NOCLDSTOP"}, {SA_NOCLDWAIT, "SA_NOCLDWAIT"}};
  std::string handler = action.handler == 0   ? "SIG_DFL"
                        : action.handler == 1 ? "SIG_IGN"
                                              : FormatHex(action.handler);
  std::string text = "{sa_handler=" + handler + ", sa_mask=" +
                     FormatSignalSet(reinterpret_cast<const uint8_t*>(&action.mask), 8) +
                     ", sa_flags=" + FormatFlags(action.flags & 0xffffffffu, kFlags, "0");
  if (action.flags & 0x04000000) text += ", sa_restorer=" + FormatHex(action.restorer);
  return text + "}";
}

std::string SignalArg(uint64_t value) {
  const int32_t signal = int32_t(uint32_t(value));
  if (signal == 0) return "0";
  if (signal < 0 || signal > 64) return std::to_string(signal);
  return SignalName(signal);
}

void SigprocmaskHow(Call& c) {
  static const FlagName kNames[] = {
      {SIG_BLOCK, "SIG_BLOCK"}, {SIG_UNBLOCK, "SIG_UNBLOCK"}, {SIG_SETMASK, "SIG_SETMASK"}};
  c.Arg(FormatValue(c.arg(0) & 0xffffffffu, kNames, "SIG_"));
}

std::string SetArg(const Call& c, int i) {
  if (c.arg(i) == 0) return "NULL";
  return SignalSetAt(c.tid(), c.arg(i),
                     size_t(std::min<uint64_t>(c.arg(i + 1 < 6 ? i + 1 : i), 8)));
}

// rt_sigreturn's frame: the ucontext right at the stack pointer; its uc_sigmask after
// uc_flags, uc_link, uc_stack and the 256-byte sigcontext.
void Sigreturn(Call& c) {
  user_regs_struct regs{};
  if (ptrace(PTRACE_GETREGS, c.tid(), nullptr, &regs) != 0) return;
  uint64_t mask = 0;
  if (!ReadMemory(c.tid(), regs.rsp + 8 + 8 + 24 + 256, &mask, sizeof(mask))) return;
  c.Arg("{mask=" + FormatSignalSet(reinterpret_cast<const uint8_t*>(&mask), 8) + "}");
}

constexpr NamedDecoder kSignalDecoders[] = {
    {"rt_sigaction",
     [](Call& c) {
       if (c.entering()) {
         c.Arg(SignalArg(c.arg(0)));
         c.Arg(SigactionAt(c.tid(), c.arg(1)));
         c.DecodeAtExit();
         return;
       }
       c.Arg(c.failed() && c.arg(2) != 0 ? FormatHex(c.arg(2)) : SigactionAt(c.tid(), c.arg(2)));
       c.Ulong(3);
     }},
    {"rt_sigprocmask",
     [](Call& c) {
       if (c.entering()) {
         SigprocmaskHow(c);
         c.Arg(c.arg(1) == 0
                   ? "NULL"
                   : SignalSetAt(c.tid(), c.arg(1), size_t(std::min<uint64_t>(c.arg(3), 8))));
         c.DecodeAtExit();
         return;
       }
       c.Arg(c.arg(2) == 0 ? "NULL"
             : c.failed()
                 ? FormatHex(c.arg(2))
                 : SignalSetAt(c.tid(), c.arg(2), size_t(std::min<uint64_t>(c.arg(3), 8))));
       c.Ulong(3);
     }},
    {"rt_sigreturn", Sigreturn},
    {"rt_sigsuspend",
     [](Call& c) {
       c.Arg(SetArg(c, 0));
       c.Ulong(1);
     }},
    {"rt_sigpending",
     [](Call& c) {
       if (EnterWithNothing(c)) return;
       c.Arg(c.failed() ? FormatHex(c.arg(0)) : SetArg(c, 0));
       c.Ulong(1);
     }},
    {"kill",
     [](Call& c) {
       c.Int(0);
       c.Arg(SignalArg(c.arg(1)));
     }},
    {"tkill",
     [](Call& c) {
       c.Int(0);
       c.Arg(SignalArg(c.arg(1)));
     }},
    {"tgkill",
     [](Call& c) {
       c.Int(0);
       c.Int(1);
       c.Arg(SignalArg(c.arg(2)));
     }},
    {"pidfd_send_signal",
     [](Call& c) {
       c.Fd(0);
       c.Arg(SignalArg(c.arg(1)));
       c.Pointer(2);
       c.Unsigned(3);
     }},
    {"alarm", [](Call& c) { c.Unsigned(0); }},
    {"pause", [](Call&) {}},
    {"sigaltstack",
     [](Call& c) {
       auto stack = [&](uint64_t address) -> std::string {
         if (address == 0) return "NULL";
         stack_t s{};
         if (!ReadMemory(c.tid(), address, &s, sizeof(s))) return FormatHex(address);
         static const FlagName kNames[] = {{SS_ONSTACK, "SS_ONSTACK"},
                                           {SS_DISABLE, "SS_DISABLE"},
                                           {0x80000000u, "SS_AUTODISARM"}};
         return "{ss_sp=" + FormatAddress(uint64_t(uintptr_t(s.ss_sp))) +
                ", ss_flags=" + FormatFlags(uint32_t(s.ss_flags), kNames, "0") +
                ", ss_size=" + std::to_string(s.ss_size) + "}";
       };
       if (c.entering()) {
         c.Arg(stack(c.arg(0)));
         c.DecodeAtExit();
         return;
       }
       c.Arg(c.failed() && c.arg(1) != 0 ? FormatHex(c.arg(1)) : stack(c.arg(1)));
     }},
};

const std::map<std::string, SyscallDecoderFn>& Decoders() {
  static const std::map<std::string, SyscallDecoderFn> kDecoders =
      DecodersByName({kSignalDecoders});
  return kDecoders;
}

std::string CodeName(int signo, int code) {
  static const FlagName kGeneric[] = {{0, "SI_USER"},
                                      {0x80, "SI_KERNEL"},
                                      {uint32_t(-1), "SI_QUEUE"},
                                      {uint32_t(-2), "SI_TIMER"},
                                      {uint32_t(-3), "SI_MESGQ"},
                                      {uint32_t(-4), "SI_ASYNCIO"},
                                      {uint32_t(-5), "SI_SIGIO"},
                                      {uint32_t(-6), "SI_TKILL"},
                                      {uint32_t(-7), "SI_DETHREAD"},
                                      {uint32_t(-60), "SI_ASYNCNL"}};
  for (const FlagName& name : kGeneric) {
    if (uint32_t(code) == name.bits) return name.name;
  }
  if (code > 0) {
    static const char* const kChld[] = {"CLD_EXITED",  "CLD_KILLED",  "CLD_DUMPED",
                                        "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"};
    static const char* const kSegv[] = {"SEGV_MAPERR",  "SEGV_ACCERR",  "SEGV_BNDERR",
                                        "SEGV_PKUERR",  "SEGV_ACCADI",  "SEGV_ADIDERR",
                                        "SEGV_ADIPERR", "SEGV_MTEAERR", "SEGV_MTESERR"};
    static const char* const kBus[] = {"BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR",
                                       "BUS_MCEERR_AO"};
    static const char* const kIll[] = {"ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR",
                                       "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG",
                                       "ILL_COPROC", "ILL_BADSTK", "ILL_BADIADDR"};
    static const char* const kFpe[] = {"FPE_INTDIV", "FPE_INTOVF",  "FPE_FLTDIV", "FPE_FLTOVF",
                                       "FPE_FLTUND", "FPE_FLTRES",  "FPE_FLTINV", "FPE_FLTSUB",
                                       "FPE_FLTUNK", "FPE_CONDTRAP"};
    static const char* const kTrap[] = {"TRAP_BRKPT",  "TRAP_TRACE", "TRAP_BRANCH",
                                        "TRAP_HWBKPT", "TRAP_UNK",   "TRAP_PERF"};
    static const char* const kPoll[] = {"POLL_IN",  "POLL_OUT", "POLL_MSG",
                                        "POLL_ERR", "POLL_PRI", "POLL_HUP"};
    auto pick = [&](const char* const* names, size_t count) -> std::string {
      return size_t(code) <= count ? names[code - 1] : std::to_string(code);
    };
    switch (signo) {
      case SIGCHLD:
        return pick(kChld, std::size(kChld));
      case SIGSEGV:
        return pick(kSegv, std::size(kSegv));
      case SIGBUS:
        return pick(kBus, std::size(kBus));
      case SIGILL:
        return pick(kIll, std::size(kIll));
      case SIGFPE:
        return pick(kFpe, std::size(kFpe));
      case SIGTRAP:
        return pick(kTrap, std::size(kTrap));
      case SIGIO:
        return pick(kPoll, std::size(kPoll));
      case SIGSYS:
        if (code == 1) return "SYS_SECCOMP";
        break;
      default:
        break;
    }
  }
  return std::to_string(code);
}

}  // namespace

std::string SignalName(int signal) {
  if (signal >= 0 && signal < int(std::size(kSignalNames))) return kSignalNames[signal];
  if (signal > 32 && signal <= 64) return "SIGRT_" + std::to_string(signal - 32);
  return std::to_string(signal);
}

std::string FormatSignalSet(const uint8_t* bytes, size_t size) {
  uint64_t mask = 0;
  memcpy(&mask, bytes, std::min<size_t>(size, sizeof(mask)));
  const size_t bits = std::min<size_t>(size, 8) * 8;
  const int count = __builtin_popcountll(mask);
  std::string text = "[";
  if (size_t(count) > bits / 2) {
    text = "~[";
    mask = ~mask;
    if (bits < 64) mask &= (1ull << bits) - 1;
  }
  bool first = true;
  for (size_t bit = 0; bit < bits; ++bit) {
    if (!(mask & (1ull << bit))) continue;
    std::string name = SignalName(int(bit + 1));
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    text += (first ? "" : " ") + name;
    first = false;
  }
  return text + "]";
}

std::string SignalSetAt(pid_t tid, uint64_t address, size_t size) {
  uint8_t bytes[8] = {};
  if (size == 0 || !ReadMemory(tid, address, bytes, size)) return FormatHex(address);
  return FormatSignalSet(bytes, size);
}

std::string FormatSiginfo(const void* data) {
  const siginfo_t& info = *static_cast<const siginfo_t*>(data);
  const int code = info.si_code;
  std::string text =
      "{si_signo=" + SignalName(info.si_signo) + ", si_code=" + CodeName(info.si_signo, code);
  if (info.si_errno != 0) text += ", si_errno=" + std::to_string(info.si_errno);
  auto pid_uid = [&] {
    text += ", si_pid=" + std::to_string(info.si_pid) + ", si_uid=" + std::to_string(info.si_uid);
  };
  auto value = [&] {
    text += ", si_int=" + std::to_string(info.si_value.sival_int) +
            ", si_ptr=" + FormatAddress(uint64_t(uintptr_t(info.si_value.sival_ptr)));
  };
  if (code == SI_USER || code == SI_TKILL) {
    pid_uid();
  } else if (code == SI_QUEUE || code == SI_MESGQ) {
    pid_uid();
    value();
  } else if (code == SI_TIMER) {
    text += ", si_timerid=" + FormatHex(uint32_t(info.si_timerid)) +
            ", si_overrun=" + std::to_string(info.si_overrun);
    value();
  } else if (code > 0 || code == SI_KERNEL) {
    switch (info.si_signo) {
      case SIGCHLD:
        if (code > 0) {
          pid_uid();
          text += ", si_status=" + (code == CLD_EXITED ? std::to_string(info.si_status)
                                                       : SignalName(info.si_status));
          text += ", si_utime=" + std::to_string(info.si_utime) +
                  ", si_stime=" + std::to_string(info.si_stime);
        }
        break;
      case SIGSEGV:
      case SIGBUS:
      case SIGILL:
      case SIGFPE:
      case SIGTRAP:
        text += ", si_addr=" + FormatAddress(uint64_t(uintptr_t(info.si_addr)));
        break;
      case SIGIO:
        if (code > 0)
          text +=
              ", si_band=" + std::to_string(info.si_band) + ", si_fd=" + std::to_string(info.si_fd);
        break;
      case SIGSYS:
        if (code > 0) {
          text += ", si_call_addr=" + FormatAddress(uint64_t(uintptr_t(info.si_call_addr))) +
                  ", si_syscall=" + std::to_string(info.si_syscall) +
                  ", si_arch=" + FormatHex(info.si_arch);
        }
        break;
      default:
        break;
    }
  }
  return text + "}";
}

SyscallDecoderFn SignalDecoder(const std::string& name) {
  auto it = Decoders().find(name);
  return it == Decoders().end() ? nullptr : it->second;
}

}  // namespace memwrap
