// The usable size of a live heap block, as malloc_usable_size(3) gives it, read where the
// allocator keeps it.
//
// Sampled mode counts every free by its block's usable size. glibc's malloc_usable_size also
// checks that the block is in use, which reads the header of the block after it: for a block
// allocated long ago, a second cache miss that free itself (through the thread cache) would not
// take, and on malloc_bench 17% of sampled mode's time. So when the allocator behind the shim
// is glibc's own, the size is read from the block's chunk header (the word before the block:
// the chunk size, low 3 bits flags; the usable part is the chunk minus one header word, or two
// for a block of its own mapping). Any other allocator (tcmalloc, jemalloc, glibc's
// malloc-check library) is asked through malloc_usable_size.
#pragma once

#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

namespace memwrap::shim {

extern bool g_glibc_chunk_headers;

// Decides whether blocks are read from glibc's chunk headers: when the shim forwards to glibc's
// own malloc (not tcmalloc, jemalloc or glibc's malloc-check library in front of it).
void DetectGlibcChunkHeaders();

// glibc's header rule alone, for a live block of glibc's malloc.
inline uint64_t GlibcChunkUsableSize(const void* block) {
  const uint64_t header = static_cast<const uint64_t*>(block)[-1];
  constexpr uint64_t kMmapped = 2, kFlags = 7;
  return (header & ~kFlags) - ((header & kMmapped) != 0 ? 16 : 8);
}

inline uint64_t UsableSize(void* block) {
  if (__builtin_expect(g_glibc_chunk_headers, 1)) return GlibcChunkUsableSize(block);
  return malloc_usable_size(block);
}

// The usable size of a block just allocated for `requested` bytes: never less than that. An
// allocator asked too early can answer less: tcmalloc's malloc_usable_size answers 0 before
// tcmalloc's own initialiser ran, and libstdc++'s initialiser, which runs first, allocates its
// 72,704-byte exception pool, which then never counted in the live heap. Counted at the size
// asked for, such a block, should it be freed once the allocator answers its real size, takes
// the difference (a few bytes) off the live heap with it.
inline uint64_t UsableSizeOfNew(void* block, uint64_t requested) {
  const uint64_t usable = UsableSize(block);
  return usable >= requested ? usable : requested;
}

}  // namespace memwrap::shim
