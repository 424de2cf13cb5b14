#include "preload/real_allocator.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <stdint.h>
#include <unistd.h>

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

RealAllocator g_real{};
bool g_real_is_glibc = false;
// Bootstrap pool for allocations made by dlsym while we resolve the real functions.
alignas(16) unsigned char g_bootstrap_pool[16 * 1024];

namespace {

size_t g_pool_used = 0;  // only touched before resolution completes (single-threaded startup)

void* PoolAlloc(size_t n) {
  n = (n + 15) & ~size_t{15};
  if (n > sizeof(g_bootstrap_pool) - g_pool_used) return nullptr;
  void* p = g_bootstrap_pool + g_pool_used;
  g_pool_used += n;
  return p;
}
void* PoolMalloc(size_t n) {
  return PoolAlloc(n);
}
void* PoolCalloc(size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) return nullptr;
  return PoolAlloc(total);  // the pool is static storage: already zero
}
void* PoolRealloc(void*, size_t) {
  return nullptr;
}
void PoolFree(void*) {}
void* PoolMemalign(size_t, size_t) {
  return nullptr;
}
void* PoolValloc(size_t) {
  return nullptr;
}

template <class F>
F Lookup(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

// The loaded object that defines `function` (its load address), 0 if none.
uintptr_t ObjectOf(const void* function) {
  Dl_info info;
  return function != nullptr && dladdr(function, &info) != 0
             ? reinterpret_cast<uintptr_t>(info.dli_fbase)
             : 0;
}

// valloc and pvalloc from the next allocator's memalign, for allocators that do not define
// them (jemalloc has no pvalloc): glibc's own would hand out blocks the other allocator's free
// cannot take.
void* (*g_next_memalign)(size_t, size_t) = nullptr;
size_t PageSize() {
  return size_t(sysconf(_SC_PAGESIZE));
}
void* PagedValloc(size_t n) {
  return g_next_memalign(PageSize(), n);
}
void* PagedPvalloc(size_t n) {
  const size_t page = PageSize();
  if (n > SIZE_MAX - page) return nullptr;
  return g_next_memalign(page, (n + page - 1) & ~(page - 1));
}

RealAllocator GlibcAllocator() {
  return {__libc_malloc,   __libc_free,   __libc_calloc, __libc_realloc,
          __libc_memalign, __libc_valloc, __libc_pvalloc};
}

bool HasGlibcAllocator() {
  return __libc_malloc && __libc_free && __libc_calloc && __libc_realloc && __libc_memalign &&
         __libc_valloc && __libc_pvalloc;
}

// The allocator the program would use without the shim: the next definition of malloc & co.
// in the lookup order, which is glibc's, or an allocator the program links or preloads
// (tcmalloc, jemalloc). Forwarding to glibc regardless would hand the program glibc blocks
// that its allocator's other entry points (mallocx, sized delete) cannot take.
const RealAllocator kBootstrap{PoolMalloc,   PoolFree,   PoolCalloc, PoolRealloc,
                               PoolMemalign, PoolValloc, PoolValloc};

RealAllocator Resolve() {
  RealAllocator next{
      Lookup<void* (*)(size_t)>("malloc"),           Lookup<void (*)(void*)>("free"),
      Lookup<void* (*)(size_t, size_t)>("calloc"),   Lookup<void* (*)(void*, size_t)>("realloc"),
      Lookup<void* (*)(size_t, size_t)>("memalign"), Lookup<void* (*)(size_t)>("valloc"),
      Lookup<void* (*)(size_t)>("pvalloc"),
  };
  const uintptr_t allocator = ObjectOf(reinterpret_cast<const void*>(next.malloc));
  // glibc's own malloc: defined in the object that defines gnu_get_libc_version (by address,
  // not by name: tcmalloc defines __libc_malloc too).
  g_real_is_glibc =
      allocator != 0 && allocator == ObjectOf(reinterpret_cast<const void*>(&gnu_get_libc_version));
  if (next.malloc && next.free && next.calloc && next.realloc && next.memalign) {
    g_next_memalign = next.memalign;
    if (ObjectOf(reinterpret_cast<const void*>(next.valloc)) != allocator)
      next.valloc = PagedValloc;
    if (ObjectOf(reinterpret_cast<const void*>(next.pvalloc)) != allocator) {
      next.pvalloc = PagedPvalloc;
    }
  }
  if (next.malloc && next.free && next.calloc && next.realloc && next.memalign) return next;
  return HasGlibcAllocator() ? GlibcAllocator() : kBootstrap;
}

}  // namespace

// The first call is at startup, before any thread could race it. A call from dlsym while
// Resolve runs is served from the bootstrap pool.
const RealAllocator& ResolveReal() {
  static bool resolving = false;
  if (resolving) return kBootstrap;
  resolving = true;
  g_real = Resolve();
  resolving = false;
  return g_real;
}

void* RealAlignedAlloc(size_t alignment, size_t size) {
  using AlignedAlloc = void* (*)(size_t, size_t);
  static AlignedAlloc aligned_alloc = nullptr;
  static bool looked_up = false;
  if (!looked_up) {
    aligned_alloc = Lookup<AlignedAlloc>("aligned_alloc");
    looked_up = true;
  }
  return aligned_alloc != nullptr ? aligned_alloc(alignment, size)
                                  : Real().memalign(alignment, size);
}

}  // namespace memwrap::shim
