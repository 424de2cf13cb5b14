// prctl and syscall, interposed to see a program enter seccomp (PR_SET_SECCOMP, strict or filter
// mode). In strict mode only read, write, _exit and sigreturn remain; a filter may forbid any call.
// The shim then must make no system call on the program's behalf: before the program's
// prctl runs, the calling thread's id and stack cache are set up, and recording switches to
// its system-call-free ways (shim.h, PrepareForSeccomp). The call itself goes to the kernel
// unchanged.
//
// syscall(), interposed too, for SYS_seccomp: libseccomp's seccomp_load and programs that
// install a filter themselves call the seccomp system call through it.
//
// Not seen: a seccomp system call made without libc's syscall() (inline assembly, a static
// helper). The shim's steady state makes no system call anyway; what remains then is once per
// thread (its id, its stack cache), a full ring (futex) and the libunwind fallback.
#include <errno.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/shim.h"

namespace {

// The system call itself, as glibc's syscall() makes it (x86-64: the number in rax, six
// arguments in rdi, rsi, rdx, r10, r8, r9; rcx and r11 clobbered by the instruction), with its
// error convention: -1 and errno for results from -4095 to -1.
long RawSystemCall(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  long result;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  if (result < 0 && result > -4096) {
    errno = int(-result);
    return -1;
  }
  return result;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int prctl(int option, ...) {
  va_list args;
  va_start(args, option);
  const unsigned long arg2 = va_arg(args, unsigned long);
  const unsigned long arg3 = va_arg(args, unsigned long);
  const unsigned long arg4 = va_arg(args, unsigned long);
  const unsigned long arg5 = va_arg(args, unsigned long);
  va_end(args);
  const bool strict = option == PR_SET_SECCOMP && arg2 == SECCOMP_MODE_STRICT;
  if (option == PR_SET_SECCOMP) memwrap::shim::PrepareForSeccomp(strict);
  // glibc's prctl is this system call and nothing else (errno set the same way).
  const long result =
      RawSystemCall(SYS_prctl, long(option), long(arg2), long(arg3), long(arg4), long(arg5), 0);
  if (strict && result != 0) memwrap::shim::SeccompStrictFailed();
  return int(result);
}

extern "C" __attribute__((visibility("default"))) long syscall(long number, ...) {
  va_list args;
  va_start(args, number);
  long a[6];
  for (long& argument : a) argument = va_arg(args, long);
  va_end(args);
  // Only the operations that enter seccomp (not SECCOMP_GET_ACTION_AVAIL and the like).
  const bool entering =
      number == SYS_seccomp && (a[0] == SECCOMP_SET_MODE_STRICT || a[0] == SECCOMP_SET_MODE_FILTER);
  const bool strict = entering && a[0] == SECCOMP_SET_MODE_STRICT;
  if (entering) memwrap::shim::PrepareForSeccomp(strict);
  const long result = RawSystemCall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (strict && result != 0) memwrap::shim::SeccompStrictFailed();
  return result;
}
