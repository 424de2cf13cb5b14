// The heap blocks allocated in one records chunk and not freed yet, in allocation order: the
// columnar codec (columnar_codec.h) stores a FREE as the rank of its block among them (0: the
// newest live block) instead of its address. Programs mostly free what they allocated
// recently, so ranks are small numbers where addresses are 6-byte ones.
//
// Encoder and decoder keep the same state by making the same calls in the same order. A live
// flag per allocation position, 64 to a word, with a Fenwick tree over the words' counts:
// ranking and selecting cost O(log(n / 64)) plus a word's popcount. Only the encoder maps
// addresses to positions. An address allocated again while live (its free was not seen) maps
// to its newest position; the older one stays live, unreachable, on both sides alike.
//
// Memory grows with the blocks added, up to a bound fixed by the chunk's size (hostile input
// cannot grow it further), and is kept from chunk to chunk (Reset): setting it up for each
// chunk showed in profiles.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

namespace memwrap {

class LiveBlocks {
 public:
  // Starts a chunk: no block, at most `max_blocks` calls of Add.
  void Reset(size_t max_blocks);

  // A new block at `addr`, the newest, with a tag the caller gets back when it is taken (its
  // size class). false when max_blocks blocks were added already.
  bool Add(uint64_t addr, uint8_t tag);
  // Encoder: the rank of the newest live block at `addr` (0: the newest of all) and its tag;
  // it stops being live. false when no live block is there.
  bool TakeByAddress(uint64_t addr, uint64_t* rank, uint8_t* tag);
  // Decoder: the address and tag of the live block of rank `rank`, which stops being live;
  // false when fewer than rank + 1 blocks are live.
  bool TakeByRank(uint64_t rank, uint64_t* addr, uint8_t* tag);
  size_t live() const { return live_; }

  // The encoder's address index (the decoder never calls what uses it).
  void IndexAddresses(bool on) { indexed_ = on; }

 private:
  // Address -> position + 1 (0: empty), open addressing with linear probing.
  struct Slot {
    uint64_t addr;
    uint32_t position_plus_one;
  };
  Slot* Find(uint64_t addr);
  void Erase(Slot* slot);
  void Grow();                             // room for twice the blocks
  void Clear(size_t position);             // the block at `position` stops being live
  size_t LiveUpTo(size_t position) const;  // live blocks at positions 0..position

  size_t max_blocks_ = 0;
  size_t capacity_ = 0;              // positions the arrays hold now, a multiple of 64
  std::vector<uint64_t> bits_;       // live flags, 64 positions a word
  std::vector<uint32_t> tree_;       // Fenwick tree of the words' live counts, 1-based
  std::vector<uint64_t> addresses_;  // by position
  std::vector<uint8_t> tags_;        // by position
  std::vector<Slot> slots_;          // the encoder's, sized 2 x capacity_
  bool indexed_ = false;
  size_t mask_ = 0;
  size_t added_ = 0;
  size_t live_ = 0;
  size_t top_bit_ = 1;  // highest power of two <= the tree's words, for the selection
};

}  // namespace memwrap
