// How the columnar codec (columnar_codec.h) stores a STACK's frames. Frames are innermost
// first (the caller of malloc first), so two call chains of one program share their
// OUTERMOST frames (main, the driver loop, ...) and differ near the allocation. A stack is
// stored as "the outermost `shared` frames of the stack `distance` STACK records back in this
// chunk" plus its other frames, each of them "the frame that came right inside this one last
// time", an index into the chunk's table of frames seen already, or a new address.
//
// SharedFrames is the encoder's side: a trie of the chunk's stacks read from their outermost
// frame, which finds the earlier stack that shares the most.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <unordered_map>
#include <vector>

namespace memwrap {

class SharedFrames {
 public:
  // Adds the chunk's next stack (`frames` innermost first); sets `shared` to the most
  // outermost frames it has in common with an earlier stack of the chunk and `parent` to the
  // number of that stack in the chunk (counted from 0), the latest of them. shared is 0 when
  // no earlier stack ends like this one (then parent is meaningless).
  void Add(const uint64_t* frames, uint32_t depth, uint32_t* shared, uint32_t* parent);
  // A new chunk: no stack.
  void Reset() {
    children_.clear();
    last_stack_.assign(1, 0);
    stacks_ = 0;
  }

 private:
  struct Edge {
    uint32_t node;
    uint64_t frame;
    bool operator==(const Edge&) const = default;
  };
  struct EdgeHash {
    size_t operator()(const Edge& e) const {
      return size_t((e.frame * 0x9e3779b97f4a7c15ull) ^ (uint64_t(e.node) * 0xc2b2ae3d27d4eb4full));
    }
  };
  std::unordered_map<Edge, uint32_t, EdgeHash> children_;
  std::vector<uint32_t> last_stack_ = {0};  // per trie node: the latest stack through it
  uint32_t stacks_ = 0;
};

}  // namespace memwrap
