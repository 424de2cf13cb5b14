// Blocks whose allocator could not tell their size when they were allocated: tcmalloc,
// before its own constructor ran, answers 0 for any block (a library initialised before it may
// allocate). Sampled mode counts such a block by its requested size and remembers it here, so
// that its release takes back exactly that amount, whatever the allocator answers by then
// (still 0, or its real, rounded size): otherwise the live heap would drift by the difference.
// The sampled-block set's bucket counts (sampled_heap.h) also count these blocks, so that the
// hooks' fast path sends their release to the full path.
//
// Lock-free and fixed in size: kUnsizedBlocks blocks at a time; a block allocated while the
// table is full is counted by its requested size and released by what the allocator answers.
#pragma once

#include <stdint.h>

namespace memwrap::shim {

inline constexpr uint32_t kUnsizedBlocks = 256;

// Remembers `block`, counted as `counted` bytes. False when the table is full.
bool RememberUnsizedBlock(const void* block, uint64_t counted);

// The bytes `block` was counted as when it is remembered (and forgets it); false otherwise.
bool ForgetUnsizedBlock(const void* block, uint64_t* counted);

// After fork, in the child (one thread): the child's counters start afresh.
void ForgetAllUnsizedBlocks();

}  // namespace memwrap::shim
