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

// The bytes a block just allocated for `requested` bytes counts as, given the usable size its
// allocator `reported`: never less than the request. An allocator asked too early can answer
// less: tcmalloc's malloc_usable_size answers 0 before tcmalloc's own initialiser ran, and
// libstdc++'s initialiser, which runs first, allocates its 72,704-byte exception pool, which
// would then never count in the live heap (preload/unsized_blocks.h remembers such blocks).
inline uint64_t CountedUsableSize(uint64_t reported, uint64_t requested) {
  return reported >= requested ? reported : requested;
}

}  // namespace memwrap::shim
