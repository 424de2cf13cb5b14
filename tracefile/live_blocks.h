// The heap blocks allocated in one records chunk and not freed yet, in allocation order: the
// columnar codec (columnar_codec.h) stores a FREE as the rank of its block among them (0: the
// newest live block) instead of its address. Programs mostly free what they allocated
// recently, so ranks are small numbers where addresses are 6-byte ones.
//
// Encoder and decoder keep the same state by making the same calls in the same order. A live
// flag per allocation position, 64 to a word, a count of live blocks per word, one per group
// of 16 words and one per super-group of 16 groups: adding and taking a block change a flag and
// three counts (a Fenwick tree over the words, updated at every event, cost more than it
// saved). Ranking counts from the newest block down: the word counts of the newest group, then
// whole groups; selecting (the decoder's) also skips whole super-groups. Ranks are mostly small
// (a program frees what it allocated last) but not always (a random free among thousands of
// live blocks in a chunk of 100,000 allocations): selecting stays within 16 word counts and
// 2 x 16 group counts plus a count per super-group, where counting group by group took a
// tenth of a report's time on such a trace.
// Only the encoder maps addresses to positions. An address allocated again while live (its
// free was not seen) maps to its newest position; the older one stays live, unreachable, on
// both sides alike.
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
  // size class). false when max_blocks blocks were added already. Inline: the decoder adds a
  // block per allocation, and the call showed in profiles.
  bool Add(uint64_t addr, uint8_t tag) {
    if (added_ == max_blocks_) return false;
    if (added_ == capacity_) Grow();
    const size_t position = added_++;
    bits_[position / 64] |= uint64_t(1) << (position % 64);
    ++counts_[position / 64];
    ++groups_[position / 64 / kGroupWords];
    ++supers_[position / 64 / kGroupWords / kSuperGroups];
    ++live_;
    addresses_[position] = addr;
    tags_[position] = tag;
    if (indexed_) Index(addr, position);
    return true;
  }
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
  void Index(uint64_t addr, size_t position);  // the encoder's: `addr` is at `position`
  void Erase(Slot* slot);
  static constexpr size_t kGroupWords = 16;   // words of flags per group count
  static constexpr size_t kSuperGroups = 16;  // groups per count of a super-group
  void Grow();                                // room for twice the blocks
  void Clear(size_t position);                // the block at `position` stops being live
  size_t LiveAfter(size_t position) const;    // live blocks at positions after `position`

  size_t max_blocks_ = 0;
  size_t capacity_ = 0;              // positions the arrays hold now, a multiple of 64 x 16
  std::vector<uint64_t> bits_;       // live flags, 64 positions a word
  std::vector<uint8_t> counts_;      // live blocks per word (at most 64)
  std::vector<uint32_t> groups_;     // live blocks per kGroupWords words
  std::vector<uint32_t> supers_;     // live blocks per kSuperGroups groups
  std::vector<uint64_t> addresses_;  // by position
  std::vector<uint8_t> tags_;        // by position
  std::vector<Slot> slots_;          // the encoder's, sized 2 x capacity_
  bool indexed_ = false;
  size_t mask_ = 0;
  size_t added_ = 0;
  size_t live_ = 0;
};

}  // namespace memwrap
