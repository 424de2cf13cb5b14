// The interned call stacks of a trace (STACK records), by (process image, stack id): every
// image's frames in one array, and for each id where its frames start. A report looks a stack up
// once per call site and the pass stores tens of thousands of them (a compiler: ~70,000), so
// one allocation per stack and a tree node per lookup were a tenth of the report's time.
//
// Frames live in chunks of 2 MiB (huge pages where the system gives them): a stack never moves
// once stored, and growing never copies what is stored.
//
// Ids are dense in practice (the shim numbers its stacks 1, 2, 3..., the tracer numbers its
// samples' stacks the same way with kTracerStackIdBit set), so each kind indexes a vector; an id
// far beyond the ones seen so far (a damaged trace) goes to a map instead of growing the vector.
#pragma once

#include <stdint.h>

#include <map>
#include <optional>
#include <span>
#include <vector>

#include "memwrap/records.h"
#include "replay/huge_page_allocator.h"

namespace memwrap {

class StackStore {
 public:
  using Frames = std::span<const uint64_t>;

  // Stores frames[0..depth) as the stack `id` of image `image` (>= 1); a later record of the
  // same id replaces it.
  void Add(uint32_t image, StackId id, const uint64_t* frames, uint32_t depth);
  // The frames of a stack, innermost first; nullopt when no STACK record named it. The span
  // stays valid for the store's life.
  std::optional<Frames> Find(uint32_t image, StackId id) const;
  size_t size() const { return count_; }

 private:
  struct Slot {
    const uint64_t* frames = nullptr;  // into a chunk
    uint32_t depth = 0;
    bool present = false;
  };
  struct ImageStacks {
    std::vector<Slot> by_id[2];       // [0]: the shim's ids, [1]: the tracer's (bit cleared)
    std::map<StackId, Slot> far_ids;  // ids too far beyond the dense ranges
  };
  using Chunk = std::vector<uint64_t, HugePageAllocator<uint64_t>>;
  static constexpr size_t kChunkFrames = HugePageAllocator<uint64_t>::kHugePage / 8;
  static_assert(kChunkFrames >= kMaxStackDepth);
  // Room for `depth` frames at the end of the last chunk (a new chunk if it is full).
  uint64_t* Reserve(uint32_t depth);
  static Slot& CreateSlot(ImageStacks& stacks, StackId id, size_t stored);
  static const Slot* FindSlot(const ImageStacks& stacks, StackId id);

  std::vector<ImageStacks> images_;  // index = image - 1
  std::vector<Chunk> chunks_;        // each reserved to kChunkFrames, never reallocated
  size_t count_ = 0;
};

}  // namespace memwrap
