#include "preload/shim_memory.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memwrap/own_memory.h"

namespace memwrap::shim {
namespace {

constexpr size_t kMarker = kOwnRegionMarkerBytes;

size_t WholePages(size_t bytes) {
  return (bytes + 4095) & ~size_t{4095};
}

bool Failed(long result) {
  return result < 0 && result > -4096;
}

}  // namespace

void* MapShimMemory(size_t bytes) {
  const size_t length = WholePages(bytes);
  // One reservation for marker and region, so that nothing can come between them.
  long base = syscall(SYS_mmap, nullptr, kMarker + length, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (Failed(base)) return nullptr;
  // The marker replaces the reservation's first page. Mapping a memfd far beyond its (zero)
  // size is allowed; only touching it would fault, and PROT_NONE is never touched.
  long fd = syscall(SYS_memfd_create, kOwnRegionMarker, MFD_CLOEXEC);
  if (!Failed(fd)) {
    syscall(SYS_mmap, base, kMarker, PROT_NONE, MAP_PRIVATE | MAP_FIXED, fd, length);
    syscall(SYS_close, fd);  // the mapping keeps the file
  }
  return reinterpret_cast<void*>(base + long(kMarker));
}

void UnmapShimMemory(void* memory, size_t bytes) {
  if (memory == nullptr) return;
  syscall(SYS_munmap, static_cast<char*>(memory) - kMarker, kMarker + WholePages(bytes));
}

}  // namespace memwrap::shim
