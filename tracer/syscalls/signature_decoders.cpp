// Typed arguments for the calls that have no decoder of their own: a short signature per call
// (the kernel's prototype, reduced to how strace shows each kind of argument), so that no call
// of the table is shown as raw hex words.
//
//   d int   u unsigned int   l long   L unsigned long   x hex   p address (NULL or 0x...)
//   f descriptor (-y: with its path)   D directory descriptor (AT_FDCWD)   P path
//   s string (cut at -s)   S signal   o mode (octal)   c clock id
//   > before a letter: an output argument, printed when the call returns ([N] for d, else
//     the address)
// A trailing "=f" shows the result as a descriptor, "=x" in hex.
#include <stdio.h>

#include <map>
#include <string>

#include "tracer/syscalls/syscall_decoder.h"

namespace memwrap {
namespace {

// Each call's typed signature, as DecodeBySignature reads it.
struct NamedSignature {
  const char* name;
  const char* signature;
};
constexpr NamedSignature kSignatureTable[] = {
    {"select", "dpppp"},
    {"pselect6", "dpppppp"},
    {"sched_yield", ""},
    {"shmget", "dLx"},
    {"shmctl", "ddp"},
    {"getitimer", "d>p"},
    {"setitimer", "dp>p"},
    {"getpid", ""},
    {"semget", "ddx"},
    {"semop", "dpu"},
    {"semctl", "dddx"},
    {"msgget", "dx"},
    {"msgsnd", "dpLx"},
    {"msgrcv", "d>pLlx"},
    {"msgctl", "ddp"},
    {"gettimeofday", ">p>p"},
    {"sysinfo", ">p"},
    {"times", ">p"},
    {"ptrace", "ddpp"},
    {"getuid", ""},
    {"syslog", "dpd"},
    {"getgid", ""},
    {"geteuid", ""},
    {"getegid", ""},
    {"getppid", ""},
    {"getpgrp", ""},
    {"setsid", ""},
    {"setreuid", "dd"},
    {"setregid", "dd"},
    {"getgroups", "d>p"},
    {"setgroups", "dp"},
    {"setresuid", "ddd"},
    {"getresuid", ">d>d>d"},
    {"setresgid", "ddd"},
    {"getresgid", ">d>d>d"},
    {"setfsuid", "d"},
    {"setfsgid", "d"},
    {"capget", "p>p"},
    {"capset", "pp"},
    {"rt_sigtimedwait", "p>ppL"},
    {"rt_sigqueueinfo", "dSp"},
    {"utime", "Pp"},
    {"uselib", "P"},
    {"personality", "x"},
    {"ustat", "u>p"},
    {"sysfs", "dLL"},
    {"getpriority", "dd"},
    {"setpriority", "ddd"},
    {"sched_setparam", "dp"},
    {"sched_getparam", "d>p"},
    {"sched_setscheduler", "ddp"},
    {"sched_getscheduler", "d"},
    {"sched_get_priority_max", "d"},
    {"sched_get_priority_min", "d"},
    {"sched_rr_get_interval", "d>p"},
    {"munlockall", ""},
    {"vhangup", ""},
    {"modify_ldt", "dpL"},
    {"pivot_root", "PP"},
    {"_sysctl", "p"},
    {"adjtimex", "p"},
    {"sync", ""},
    {"acct", "P"},
    {"settimeofday", "pp"},
    {"mount", "sPsxp"},
    {"umount2", "Px"},
    {"swapon", "Px"},
    {"swapoff", "P"},
    {"reboot", "xxxp"},
    {"sethostname", "sL"},
    {"setdomainname", "sL"},
    {"iopl", "d"},
    {"ioperm", "LLd"},
    {"init_module", "pLs"},
    {"delete_module", "sx"},
    {"quotactl", "xsdp"},
    {"gettid", ""},
    {"readahead", "flL"},
    {"time", ">p"},
    {"sched_setaffinity", "dLp"},
    {"set_thread_area", "p"},
    {"get_thread_area", "p"},
    {"io_setup", "u>p"},
    {"io_destroy", "x"},
    {"io_getevents", "xll>pp"},
    {"io_submit", "xlp"},
    {"io_cancel", "xp>p"},
    {"lookup_dcookie", "x>pL"},
    {"epoll_create", "d=f"},
    {"remap_file_pages", "pLxLx"},
    {"restart_syscall", ""},
    {"semtimedop", "dpup"},
    {"timer_create", "cp>p"},
    {"timer_settime", "dxp>p"},
    {"timer_gettime", "d>p"},
    {"timer_getoverrun", "d"},
    {"timer_delete", "d"},
    {"clock_settime", "cp"},
    {"epoll_wait", "f>pdd"},
    {"epoll_ctl", "fdfp"},
    {"utimes", "Pp"},
    {"mbind", "pLdpLx"},
    {"set_mempolicy", "dpL"},
    {"get_mempolicy", ">p>pLpx"},
    {"mq_open", "sxop=f"},
    {"mq_unlink", "s"},
    {"mq_timedsend", "fpLup"},
    {"mq_timedreceive", "f>pL>pp"},
    {"mq_notify", "fp"},
    {"mq_getsetattr", "fp>p"},
    {"kexec_load", "LLpx"},
    {"add_key", "ssbLd"},
    {"request_key", "sssd"},
    {"keyctl", "dLLLL"},
    {"ioprio_set", "ddd"},
    {"ioprio_get", "dd"},
    {"inotify_init", "=f"},
    {"inotify_rm_watch", "fd"},
    {"migrate_pages", "dLpp"},
    {"mknodat", "DPox"},
    {"futimesat", "DPp"},
    {"ppoll", "pupp"},
    {"unshare", "x"},
    {"get_robust_list", "d>p>p"},
    {"splice", "fpfpLx"},
    {"tee", "ffLx"},
    {"sync_file_range", "fllx"},
    {"vmsplice", "fpLx"},
    {"move_pages", "dLpp>px"},
    {"epoll_pwait", "f>pddpL"},
    {"signalfd", "fpL=f"},
    {"timerfd_create", "cx=f"},
    {"eventfd", "u=f"},
    {"fallocate", "fdll"},
    {"timerfd_settime", "fxp>p"},
    {"timerfd_gettime", "f>p"},
    {"signalfd4", "fpLx=f"},
    {"eventfd2", "ux=f"},
    {"epoll_create1", "x=f"},
    {"inotify_init1", "x=f"},
    {"rt_tgsigqueueinfo", "ddSp"},
    {"perf_event_open", "pddfx=f"},
    {"recvmmsg", "f>pux>p"},
    {"fanotify_init", "xx=f"},
    {"fanotify_mark", "fxxDP"},
    {"name_to_handle_at", "DP>p>px"},
    {"open_by_handle_at", "fpx=f"},
    {"clock_adjtime", "cp"},
    {"sendmmsg", "fpux"},
    {"setns", "fx"},
    {"getcpu", ">d>dp"},
    {"process_vm_readv", "dpLpLL"},
    {"process_vm_writev", "dpLpLL"},
    {"kcmp", "dddLL"},
    {"finit_module", "fsx"},
    {"sched_setattr", "dpx"},
    {"sched_getattr", "d>pux"},
    {"seccomp", "dxp"},
    {"kexec_file_load", "ffLsx"},
    {"bpf", "dpu"},
    {"userfaultfd", "x=f"},
    {"membarrier", "dxd"},
    {"copy_file_range", "fpfpLx"},
    {"preadv2", "f>pLllx"},
    {"pwritev2", "fpLllx"},
    {"pkey_alloc", "xx"},
    {"pkey_free", "d"},
    {"io_pgetevents", "xll>ppp"},
    {"io_uring_setup", "up=f"},
    {"io_uring_enter", "fuuxpL"},
    {"io_uring_register", "fupu"},
    {"open_tree", "DPx=f"},
    {"move_mount", "DPDPx"},
    {"fsopen", "sx=f"},
    {"fsconfig", "fdspd"},
    {"fsmount", "fxx=f"},
    {"fspick", "DPx=f"},
    {"pidfd_open", "dx=f"},
    {"close_range", "uux"},
    {"pidfd_getfd", "ffx=f"},
    {"process_madvise", "fpLdx"},
    {"epoll_pwait2", "f>pdppL"},
    {"mount_setattr", "DPxpL"},
    {"quotactl_fd", "fxdp"},
    {"landlock_create_ruleset", "pLx=f"},
    {"landlock_add_rule", "fdpx"},
    {"landlock_restrict_self", "fx"},
    {"memfd_secret", "x=f"},
    {"process_mrelease", "fx"},
    {"futex_waitv", "pux>pc"},
    {"set_mempolicy_home_node", "LLLx"},
    {"create_module", "sL"},
    {"get_kernel_syms", "p"},
    {"query_module", "sdpLp"},
    {"nfsservctl", "dpp"},
    {"getpmsg", "xxxxx"},
    {"putpmsg", "xxxxx"},
    {"afs_syscall", "xxxxx"},
    {"tuxcall", "xxx"},
    {"security", "xxx"},
    {"epoll_ctl_old", "xxxx"},
    {"epoll_wait_old", "xxxx"},
    {"vserver", "xxxxx"},
};

const std::map<std::string, const char*>& Signatures() {
  static const std::map<std::string, const char*> kSignatures = [] {
    std::map<std::string, const char*> signatures;
    for (const NamedSignature& entry : kSignatureTable)
      signatures.emplace(entry.name, entry.signature);
    return signatures;
  }();
  return kSignatures;
}

// One argument of kind `kind` ('b': a buffer, shown as an address).
void Print(Call& call, char kind, int i, bool output) {
  if (output) {
    if (kind == 'd') {
      int value = 0;
      if (!call.failed() && call.arg(i) != 0 &&
          ReadMemory(call.tid(), call.arg(i), &value, sizeof(value))) {
        call.Arg("[" + std::to_string(value) + "]");
        return;
      }
    }
    call.Pointer(i);
    return;
  }
  switch (kind) {
    case 'd':
      call.Int(i);
      break;
    case 'u':
      call.Unsigned(i);
      break;
    case 'l':
      call.Long(i);
      break;
    case 'L':
      call.Ulong(i);
      break;
    case 'f':
      call.Fd(i);
      break;
    case 'D':
      call.DirFd(i);
      break;
    case 'P':
      call.Path(i);
      break;
    case 's':
      call.String(i);
      break;
    case 'S':
      call.Arg(call.int_arg(i) == 0 ? "0" : SignalName(call.int_arg(i)));
      break;
    case 'o': {
      char text[32];
      snprintf(text, sizeof(text), "%#03o", unsigned(call.arg(i)));
      call.Arg(text);
      break;
    }
    case 'c':
      call.Int(i);
      break;
    case 'p':
    case 'b':
      call.Pointer(i);
      break;
    default:
      call.Hex(i);
      break;
  }
}

}  // namespace

bool DecodeBySignature(Call& call, const std::string& name) {
  auto it = Signatures().find(name);
  if (it == Signatures().end()) return false;
  const std::string signature = it->second;
  const size_t equals = signature.find('=');
  const std::string kinds = signature.substr(0, equals);
  if (equals != std::string::npos && call.entering()) {
    const char result = signature[equals + 1];
    call.SetResultFormat(result == 'f' ? ResultFormat::kFd : ResultFormat::kHex);
  }
  // Entry: the arguments up to the first output one; exit: the rest.
  int index = 0;
  size_t at = 0;
  if (call.exiting()) {
    index = call.state().resume;
    at = size_t(call.state().saved[3]);
  }
  for (; at < kinds.size() && index < 6; ++at, ++index) {
    const bool output = kinds[at] == '>';
    if (output) {
      if (call.entering()) {
        call.state().resume = index;
        call.state().saved[3] = at;
        call.DecodeAtExit();
        return true;
      }
      ++at;
      if (at >= kinds.size()) break;
    }
    Print(call, kinds[at], index, output);
  }
  return true;
}

}  // namespace memwrap
