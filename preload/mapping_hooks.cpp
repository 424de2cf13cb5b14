// The interposed mapping functions: mmap, mmap64, munmap, mremap, brk, sbrk. mmap, munmap and
// mremap are made as raw system calls, which is all glibc's wrappers do (the shim cannot ask
// glibc for them by name before it is initialised, and must not call itself). brk and sbrk
// go to glibc's own functions: glibc keeps the current break in a variable of its own.
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/shim.h"

using memwrap::shim::Active;
using memwrap::shim::CallerContext;

namespace {

void* RawMmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  // glibc's mmap64 refuses an offset that is not page-aligned before the kernel does.
  if ((offset & 4095) != 0) {
    errno = EINVAL;
    return MAP_FAILED;
  }
  return reinterpret_cast<void*>(syscall(SYS_mmap, addr, length, prot, flags, fd, offset));
}

// A munmap the kernel will refuse (EINVAL) unmaps nothing and is not recorded.
bool ValidUnmap(void* addr, size_t length) {
  return length != 0 && (reinterpret_cast<uintptr_t>(addr) & 4095) == 0;
}

template <class F>
F NextDefinition(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

__attribute__((visibility("default"), noinline)) void* mmap(void* addr, size_t length, int prot,
                                                            int flags, int fd, off_t offset) {
  void* result = RawMmap(addr, length, prot, flags, fd, offset);
  if (result != MAP_FAILED && Active()) {
    memwrap::shim::RecordMmap(result, length, prot, flags, MEMWRAP_CALLER_CONTEXT());
  }
  return result;
}

__attribute__((visibility("default"), noinline)) void* mmap64(void* addr, size_t length, int prot,
                                                              int flags, int fd, off_t offset) {
  void* result = RawMmap(addr, length, prot, flags, fd, offset);
  if (result != MAP_FAILED && Active()) {
    memwrap::shim::RecordMmap(result, length, prot, flags, MEMWRAP_CALLER_CONTEXT());
  }
  return result;
}

__attribute__((visibility("default"), noinline)) int munmap(void* addr, size_t length) {
  // Before the call: once the range is gone another thread may map it again (as with free).
  if (Active() && ValidUnmap(addr, length)) memwrap::shim::RecordMunmap(addr, length);
  return int(syscall(SYS_munmap, addr, length));
}

__attribute__((visibility("default"), noinline)) void* mremap(void* old_addr, size_t old_length,
                                                              size_t new_length, int flags, ...) {
  void* new_addr_hint = nullptr;
  if (flags & MREMAP_FIXED) {
    va_list args;
    va_start(args, flags);
    new_addr_hint = va_arg(args, void*);
    va_end(args);
  }
  const bool traced = Active();
  if (traced) memwrap::shim::RecordMremapBegin(old_addr, old_length, flags);
  void* result = reinterpret_cast<void*>(
      syscall(SYS_mremap, old_addr, old_length, new_length, flags, new_addr_hint));
  if (traced) {
    memwrap::shim::RecordMremapEnd(old_addr, old_length, result == MAP_FAILED ? nullptr : result,
                                   new_length, flags, MEMWRAP_CALLER_CONTEXT());
  }
  return result;
}

__attribute__((visibility("default"), noinline)) int brk(void* addr) {
  static auto real = NextDefinition<int (*)(void*)>("brk");
  static auto real_sbrk = NextDefinition<void* (*)(intptr_t)>("sbrk");
  if (real == nullptr || real_sbrk == nullptr) {
    errno = ENOMEM;
    return -1;
  }
  void* before = real_sbrk(0);
  int result = real(addr);
  if (result == 0 && Active()) {
    memwrap::shim::RecordBrk(before, real_sbrk(0), MEMWRAP_CALLER_CONTEXT());
  }
  return result;
}

__attribute__((visibility("default"), noinline)) void* sbrk(intptr_t increment) {
  static auto real = NextDefinition<void* (*)(intptr_t)>("sbrk");
  if (real == nullptr) {
    errno = ENOMEM;
    return reinterpret_cast<void*>(-1);
  }
  void* before = real(increment);
  if (before != reinterpret_cast<void*>(-1) && increment != 0 && Active()) {
    memwrap::shim::RecordBrk(before, static_cast<char*>(before) + increment,
                             MEMWRAP_CALLER_CONTEXT());
  }
  return before;
}

}  // extern "C"
