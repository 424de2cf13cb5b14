#include "analyzer/stack_store.h"

#include <string.h>

#include <algorithm>

namespace memwrap {
namespace {

// An id may extend a dense range by this much beyond the stacks stored so far; further out it
// is kept in the map, so a damaged id cannot make the vector huge.
constexpr size_t kDenseSlack = 1 << 16;

// The kind of an id (0: the shim's, 1: the tracer's) and its index among them.
int KindOf(StackId id) {
  return (id & kTracerStackIdBit) != 0 ? 1 : 0;
}
size_t IndexOf(StackId id) {
  return id & ~kTracerStackIdBit;
}

}  // namespace

StackStore::Slot& StackStore::CreateSlot(ImageStacks& stacks, StackId id, size_t stored) {
  std::vector<Slot>& dense = stacks.by_id[KindOf(id)];
  const size_t index = IndexOf(id);
  if (index < dense.size()) return dense[index];
  if (index < stored + kDenseSlack) {
    dense.resize(std::max(index + 1, dense.size() * 2));
    return dense[index];
  }
  return stacks.far_ids[id];
}

const StackStore::Slot* StackStore::FindSlot(const ImageStacks& stacks, StackId id) {
  const std::vector<Slot>& dense = stacks.by_id[KindOf(id)];
  if (IndexOf(id) < dense.size() && dense[IndexOf(id)].present) return &dense[IndexOf(id)];
  auto it = stacks.far_ids.find(id);
  return it == stacks.far_ids.end() ? nullptr : &it->second;
}

uint64_t* StackStore::Reserve(uint32_t depth) {
  if (chunks_.empty() || chunks_.back().size() + depth > kChunkFrames) {
    chunks_.emplace_back();
    chunks_.back().reserve(kChunkFrames);
  }
  Chunk& chunk = chunks_.back();
  chunk.resize(chunk.size() + depth);  // within the reserved capacity: nothing moves
  return chunk.data() + chunk.size() - depth;
}

void StackStore::Add(uint32_t image, StackId id, const uint64_t* frames, uint32_t depth) {
  if (image == 0) return;
  if (image > images_.size()) images_.resize(image);
  ImageStacks& stacks = images_[image - 1];
  Slot& slot = CreateSlot(stacks, id, count_);
  if (!slot.present) ++count_;
  slot.present = true;
  uint64_t* stored = Reserve(depth);
  if (depth != 0) memcpy(stored, frames, depth * sizeof(uint64_t));
  slot.frames = stored;
  slot.depth = depth;
}

std::optional<StackStore::Frames> StackStore::Find(uint32_t image, StackId id) const {
  if (image == 0 || image > images_.size()) return std::nullopt;
  const ImageStacks& stacks = images_[image - 1];
  const Slot* slot = FindSlot(stacks, id);
  if (slot == nullptr || !slot->present) return std::nullopt;
  return Frames(slot->frames, slot->depth);
}

}  // namespace memwrap
