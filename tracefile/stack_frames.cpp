#include "tracefile/stack_frames.h"

namespace memwrap {

void SharedFrames::Add(const uint64_t* frames, uint32_t depth, uint32_t* shared, uint32_t* parent) {
  uint32_t node = 0;  // the root: no frame
  uint32_t i = depth;
  while (i > 0) {
    auto found = children_.find(Edge{node, frames[i - 1]});
    if (found == children_.end()) break;
    node = found->second;
    --i;
  }
  *shared = depth - i;
  *parent = last_stack_[node];
  // The frames not shared become new nodes; every node on the path now leads to this stack
  // (the latest: the nearest, so the distance back is the smallest).
  const uint32_t self = stacks_++;
  uint32_t walk = 0;
  last_stack_[0] = self;
  for (uint32_t j = depth; j > 0; --j) {
    auto [it, inserted] = children_.try_emplace(Edge{walk, frames[j - 1]}, 0);
    if (inserted) {
      it->second = uint32_t(last_stack_.size());
      last_stack_.push_back(self);
    } else {
      last_stack_[it->second] = self;
    }
    walk = it->second;
  }
}

}  // namespace memwrap
