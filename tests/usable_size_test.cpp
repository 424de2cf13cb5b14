// The shim reads a glibc block's usable size from its chunk header (preload/usable_size.h)
// instead of asking malloc_usable_size. Checked here against glibc's own answer on glibc's
// own blocks (taken from libc.so.6 directly: a sanitizer may own this test's malloc) of every
// kind the hooks see: small and large, mapped (past the mmap threshold), aligned, zeroed, and
// from a thread's own arena.
#include "preload/usable_size.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <thread>

namespace memwrap::shim {
namespace {

struct Glibc {
  void* (*malloc)(size_t);
  void* (*calloc)(size_t, size_t);
  void* (*memalign)(size_t, size_t);
  void (*free)(void*);
  size_t (*usable_size)(void*);
};

Glibc OpenGlibc() {
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  if (libc == nullptr) return {};
  return {reinterpret_cast<void* (*)(size_t)>(dlsym(libc, "__libc_malloc")),
          reinterpret_cast<void* (*)(size_t, size_t)>(dlsym(libc, "__libc_calloc")),
          reinterpret_cast<void* (*)(size_t, size_t)>(dlsym(libc, "__libc_memalign")),
          reinterpret_cast<void (*)(void*)>(dlsym(libc, "__libc_free")),
          reinterpret_cast<size_t (*)(void*)>(dlsym(libc, "malloc_usable_size"))};
}

// Every size up to 5,000 bytes, then sparser up to 1 MiB (past the default mmap threshold of
// 128 KiB), for each way of allocating. Returns how many blocks disagreed.
int CountDisagreements(const Glibc& glibc) {
  int disagreements = 0;
  for (size_t size = 0; size < (size_t(1) << 20); size += size < 5000 ? 1 : 4099) {
    void* blocks[] = {glibc.malloc(size), glibc.calloc(1, size), glibc.memalign(64, size),
                      glibc.memalign(4096, size)};
    for (void* block : blocks) {
      if (block == nullptr) continue;
      if (GlibcChunkUsableSize(block) != glibc.usable_size(block)) {
        if (++disagreements <= 5) {
          ADD_FAILURE() << "size " << size << ": header says " << GlibcChunkUsableSize(block)
                        << ", malloc_usable_size " << glibc.usable_size(block);
        }
      }
      glibc.free(block);
    }
  }
  return disagreements;
}

#if defined(__x86_64__)
TEST(UsableSize, GlibcChunkHeaderAgreesWithMallocUsableSize) {
  const Glibc glibc = OpenGlibc();
  ASSERT_TRUE(glibc.malloc && glibc.calloc && glibc.memalign && glibc.free && glibc.usable_size);
  EXPECT_EQ(CountDisagreements(glibc), 0);
  // A second thread allocates from an arena of its own (the NON_MAIN_ARENA header bit).
  int thread_disagreements = -1;
  std::thread([&] { thread_disagreements = CountDisagreements(glibc); }).join();
  EXPECT_EQ(thread_disagreements, 0);
}
#endif

}  // namespace
}  // namespace memwrap::shim
