// close, close_range, closefrom, dup2 and dup3: the shim's socket to the collector must
// survive programs that close every descriptor (daemons, Python's os.closerange, shells
// before exec) or dup2 onto its number. The socket sits at a high number
// (shim_link/collector_link.h), out of the way of the program's own descriptors:
// - closing it, alone or in a range, leaves it open and tells the program it was closed (the
//   number stays taken, which a program only notices if it asks for that exact number again);
// - dup2/dup3 onto it first move the socket to another number, then do what the program asked.
// A raw system call bypasses these; then the collector still reads the ring
// (tracer/collector/ring_mapping_check.h), and the shim stops only if the collector stops reading.
#include <dlfcn.h>
#include <errno.h>
#include <linux/close_range.h>
#include <unistd.h>

#include "preload/shim.h"

namespace {

template <class F>
F Next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

bool IsShimSocket(int fd) {
  return fd >= 0 && fd == memwrap::shim::ShimSocket();
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int close(int fd) {
  static auto real = Next<int (*)(int)>("close");
  if (IsShimSocket(fd)) return 0;
  return real(fd);
}

__attribute__((visibility("default"))) int close_range(unsigned int first, unsigned int last,
                                                       int flags) {
  static auto real = Next<int (*)(unsigned int, unsigned int, int)>("close_range");
  if (real == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  const int shim = memwrap::shim::ShimSocket();
  // Marking close-on-exec changes nothing for the socket, which has the flag already.
  if (shim < 0 || (flags & CLOSE_RANGE_CLOEXEC) != 0 || unsigned(shim) < first ||
      unsigned(shim) > last) {
    return real(first, last, flags);
  }
  int result = 0;
  if (unsigned(shim) > first) result = real(first, unsigned(shim) - 1, flags);
  if (result == 0 && unsigned(shim) < last) result = real(unsigned(shim) + 1, last, flags);
  return result;
}

__attribute__((visibility("default"))) void closefrom(int lowest) {
  static auto real = Next<void (*)(int)>("closefrom");
  const int shim = memwrap::shim::ShimSocket();
  if (shim >= 0 && lowest <= shim) {
    // Below the socket one by one would be slow for a large gap; close_range does it at once.
    if (lowest < shim) close_range(unsigned(lowest < 0 ? 0 : lowest), unsigned(shim) - 1, 0);
    lowest = shim + 1;
  }
  if (real != nullptr) real(lowest);
}

__attribute__((visibility("default"))) int dup2(int old_fd, int new_fd) {
  static auto real = Next<int (*)(int, int)>("dup2");
  if (IsShimSocket(new_fd) && old_fd != new_fd) memwrap::shim::MoveShimSocket();
  return real(old_fd, new_fd);
}

__attribute__((visibility("default"))) int dup3(int old_fd, int new_fd, int flags) {
  static auto real = Next<int (*)(int, int, int)>("dup3");
  if (IsShimSocket(new_fd) && old_fd != new_fd) memwrap::shim::MoveShimSocket();
  return real(old_fd, new_fd, flags);
}

}  // extern "C"
