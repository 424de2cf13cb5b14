#include "real_allocator.h"

#include <dlfcn.h>
#include <stdint.h>

extern "C" {
// Weak: present in glibc (GLIBC_2.2.5), absent elsewhere.
void* __libc_malloc(size_t) __attribute__((weak));
void __libc_free(void*) __attribute__((weak));
void* __libc_calloc(size_t, size_t) __attribute__((weak));
void* __libc_realloc(void*, size_t) __attribute__((weak));
void* __libc_memalign(size_t, size_t) __attribute__((weak));
void* __libc_valloc(size_t) __attribute__((weak));
void* __libc_pvalloc(size_t) __attribute__((weak));
}

namespace memwrap::shim {
namespace {

// Bootstrap pool for allocations made by dlsym while we resolve the real functions.
alignas(16) unsigned char g_pool[16 * 1024];
size_t g_pool_used = 0;  // only touched before resolution completes (single-threaded startup)

void* PoolAlloc(size_t n) {
  n = (n + 15) & ~size_t{15};
  if (n > sizeof(g_pool) - g_pool_used) return nullptr;
  void* p = g_pool + g_pool_used;
  g_pool_used += n;
  return p;
}
void* PoolMalloc(size_t n) { return PoolAlloc(n); }
void* PoolCalloc(size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) return nullptr;
  return PoolAlloc(total);  // the pool is static storage: already zero
}
void* PoolRealloc(void*, size_t) { return nullptr; }
void PoolFree(void*) {}
void* PoolMemalign(size_t, size_t) { return nullptr; }
void* PoolValloc(size_t) { return nullptr; }

template <class F>
F Lookup(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

RealAllocator Resolve() {
  if (__libc_malloc && __libc_free && __libc_calloc && __libc_realloc && __libc_memalign &&
      __libc_valloc && __libc_pvalloc) {
    return {__libc_malloc,   __libc_free,   __libc_calloc, __libc_realloc,
            __libc_memalign, __libc_valloc, __libc_pvalloc};
  }
  static RealAllocator bootstrap{PoolMalloc,   PoolFree,   PoolCalloc, PoolRealloc,
                                 PoolMemalign, PoolValloc, PoolValloc};
  static bool resolving = false;
  if (resolving) return bootstrap;  // dlsym re-entered us: serve it from the pool
  resolving = true;
  RealAllocator real{
      Lookup<void* (*)(size_t)>("malloc"),           Lookup<void (*)(void*)>("free"),
      Lookup<void* (*)(size_t, size_t)>("calloc"),   Lookup<void* (*)(void*, size_t)>("realloc"),
      Lookup<void* (*)(size_t, size_t)>("memalign"), Lookup<void* (*)(size_t)>("valloc"),
      Lookup<void* (*)(size_t)>("pvalloc"),
  };
  resolving = false;
  if (!real.malloc || !real.free || !real.calloc || !real.realloc || !real.memalign ||
      !real.valloc || !real.pvalloc) {
    return bootstrap;
  }
  return real;
}

}  // namespace

const RealAllocator& Real() {
  static RealAllocator real = Resolve();  // -fno-threadsafe-statics: first call is at startup
  return real;
}

void* RealAlignedAlloc(size_t alignment, size_t size) {
  using AlignedAlloc = void* (*)(size_t, size_t);
  static AlignedAlloc aligned_alloc = nullptr;
  static bool looked_up = false;
  if (!looked_up) {
    aligned_alloc = Lookup<AlignedAlloc>("aligned_alloc");
    looked_up = true;
  }
  return aligned_alloc != nullptr ? aligned_alloc(alignment, size) : Real().memalign(alignment, size);
}

bool IsBootstrapBlock(const void* p) {
  auto addr = reinterpret_cast<uintptr_t>(p);
  auto begin = reinterpret_cast<uintptr_t>(g_pool);
  return addr >= begin && addr < begin + sizeof(g_pool);
}

}  // namespace memwrap::shim
