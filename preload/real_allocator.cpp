#include "real_allocator.h"

#include <dlfcn.h>
#include <stdint.h>

extern "C" {
// Weak: present in glibc (GLIBC_2.2.5), absent elsewhere.
void* __libc_malloc(size_t) __attribute__((weak));
void __libc_free(void*) __attribute__((weak));
void* __libc_calloc(size_t, size_t) __attribute__((weak));
void* __libc_realloc(void*, size_t) __attribute__((weak));
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

RealAllocator Resolve() {
  if (__libc_malloc && __libc_free && __libc_calloc && __libc_realloc) {
    return {__libc_malloc, __libc_free, __libc_calloc, __libc_realloc};
  }
  static RealAllocator bootstrap{PoolMalloc, PoolFree, PoolCalloc, PoolRealloc};
  static bool resolving = false;
  if (resolving) return bootstrap;  // dlsym re-entered us: serve it from the pool
  resolving = true;
  RealAllocator real{
      reinterpret_cast<void* (*)(size_t)>(dlsym(RTLD_NEXT, "malloc")),
      reinterpret_cast<void (*)(void*)>(dlsym(RTLD_NEXT, "free")),
      reinterpret_cast<void* (*)(size_t, size_t)>(dlsym(RTLD_NEXT, "calloc")),
      reinterpret_cast<void* (*)(void*, size_t)>(dlsym(RTLD_NEXT, "realloc")),
  };
  resolving = false;
  if (!real.malloc || !real.free || !real.calloc || !real.realloc) return bootstrap;
  return real;
}

}  // namespace

const RealAllocator& Real() {
  static RealAllocator real = Resolve();  // -fno-threadsafe-statics: first call is at startup
  return real;
}

bool IsBootstrapBlock(const void* p) {
  auto addr = reinterpret_cast<uintptr_t>(p);
  auto begin = reinterpret_cast<uintptr_t>(g_pool);
  return addr >= begin && addr < begin + sizeof(g_pool);
}

}  // namespace memwrap::shim
