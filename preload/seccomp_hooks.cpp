// prctl, interposed to see a program enter seccomp (PR_SET_SECCOMP, strict or filter mode).
// In strict mode only read, write, _exit and sigreturn remain; a filter may forbid any call.
// The shim then must make no system call on the program's behalf: before the program's
// prctl runs, the calling thread's id and stack cache are set up, and recording switches to
// its system-call-free ways (shim.h, PrepareForSeccomp). The call itself goes to the kernel
// unchanged.
//
// Not seen: a filter installed with a raw seccomp system call (libseccomp's seccomp_load
// uses syscall(SYS_seccomp) when the kernel has it). The shim's steady state makes no system
// call anyway; what remains then is once per thread (its id, its stack cache), a full ring
// (futex) and the libunwind fallback.
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

extern "C" __attribute__((visibility("default"))) int prctl(int option, ...) {
  va_list args;
  va_start(args, option);
  const unsigned long arg2 = va_arg(args, unsigned long);
  const unsigned long arg3 = va_arg(args, unsigned long);
  const unsigned long arg4 = va_arg(args, unsigned long);
  const unsigned long arg5 = va_arg(args, unsigned long);
  va_end(args);
  if (option == PR_SET_SECCOMP) memwrap::shim::PrepareForSeccomp();
  // glibc's prctl is this system call and nothing else (errno set the same way).
  return int(syscall(SYS_prctl, option, arg2, arg3, arg4, arg5));
}
