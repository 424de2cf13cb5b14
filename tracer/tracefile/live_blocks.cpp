#include "live_blocks.h"

#include <string.h>

namespace memwrap {
namespace {

size_t HashAddress(uint64_t addr) {
  // Blocks are 16-byte aligned and close together: mix the bits (Fibonacci hashing).
  return size_t((addr * 0x9e3779b97f4a7c15ull) >> 20);
}

// Without -mpopcnt (the x86-64 baseline) __builtin_popcountll is a library call that showed in
// profiles; this is a few inline instructions.
inline unsigned PopCount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return unsigned((x * 0x0101010101010101ull) >> 56);
}

// The position of the n-th (from 0) set bit of `word`, which has more than n.
unsigned SelectBit(uint64_t word, unsigned n) {
  for (unsigned byte = 0;; ++byte) {
    const unsigned count = PopCount((word >> (byte * 8)) & 0xff);
    if (n < count) {
      uint64_t bits = (word >> (byte * 8)) & 0xff;
      while (n-- > 0) bits &= bits - 1;
      return byte * 8 + unsigned(__builtin_ctzll(bits));
    }
    n -= count;
  }
}

}  // namespace

void LiveBlocks::Reset(size_t max_blocks) {
  max_blocks_ = max_blocks;
  // Only what the last chunk used is cleared: the addresses still indexed (blocks still live),
  // the words of flags it used, and the tree (64 times smaller).
  const size_t words = (added_ + 63) / 64;
  if (indexed_) {
    for (size_t word = 0; word < words; ++word) {
      for (uint64_t bits = bits_[word]; bits != 0; bits &= bits - 1) {
        const size_t position = word * 64 + size_t(__builtin_ctzll(bits));
        Slot* slot = Find(addresses_[position]);
        if (slot->position_plus_one == position + 1) Erase(slot);
      }
    }
  }
  if (capacity_ > 0) {  // else nothing was ever allocated (and memset must not see null)
    memset(bits_.data(), 0, words * sizeof(uint64_t));
    memset(tree_.data(), 0, tree_.size() * sizeof(uint32_t));
  }
  added_ = 0;
  live_ = 0;
}

void LiveBlocks::Grow() {
  capacity_ = capacity_ == 0 ? 1024 : capacity_ * 2;
  const size_t words = capacity_ / 64;
  bits_.resize(words, 0);
  addresses_.resize(capacity_);
  tags_.resize(capacity_);
  // The tree again from the words, in linear time: each node adds itself to its parent.
  tree_.assign(words + 1, 0);
  for (size_t i = 1; i <= words; ++i) {
    tree_[i] += PopCount(bits_[i - 1]);
    const size_t parent = i + (i & (0 - i));
    if (parent <= words) tree_[parent] += tree_[i];
  }
  while (top_bit_ * 2 <= words) top_bit_ *= 2;
  if (!indexed_) return;
  // The address table at a load factor of at most 1/2, so a probe always finds an empty slot.
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity_ * 2, Slot{0, 0});
  mask_ = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.position_plus_one != 0) *Find(slot.addr) = slot;
  }
}

LiveBlocks::Slot* LiveBlocks::Find(uint64_t addr) {
  for (size_t i = HashAddress(addr) & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.position_plus_one == 0 || slot.addr == addr) return &slot;
  }
}

// Backward-shift deletion: later entries of the probe run move up, so no tombstones pile up.
void LiveBlocks::Erase(Slot* slot) {
  size_t hole = size_t(slot - slots_.data());
  for (size_t i = (hole + 1) & mask_; slots_[i].position_plus_one != 0; i = (i + 1) & mask_) {
    const size_t home = HashAddress(slots_[i].addr) & mask_;
    // Move entry i into the hole when its home is not in the cyclic range (hole, i].
    if (((i - home) & mask_) >= ((i - hole) & mask_)) {
      slots_[hole] = slots_[i];
      hole = i;
    }
  }
  slots_[hole] = Slot{0, 0};
}

void LiveBlocks::Clear(size_t position) {
  bits_[position / 64] &= ~(uint64_t(1) << (position % 64));
  for (size_t i = position / 64 + 1; i < tree_.size(); i += i & (0 - i)) --tree_[i];
  --live_;
}

size_t LiveBlocks::LiveUpTo(size_t position) const {
  const size_t word = position / 64;
  const uint64_t mask = ~uint64_t(0) >> (63 - position % 64);
  size_t sum = PopCount(bits_[word] & mask);
  for (size_t i = word; i > 0; i -= i & (0 - i)) sum += tree_[i];
  return sum;
}

bool LiveBlocks::Add(uint64_t addr, uint8_t tag) {
  if (added_ == max_blocks_) return false;
  if (added_ == capacity_) Grow();
  const size_t position = added_++;
  bits_[position / 64] |= uint64_t(1) << (position % 64);
  for (size_t i = position / 64 + 1; i < tree_.size(); i += i & (0 - i)) ++tree_[i];
  ++live_;
  addresses_[position] = addr;
  tags_[position] = tag;
  if (indexed_) {
    Slot* slot = Find(addr);
    slot->addr = addr;
    slot->position_plus_one = uint32_t(position + 1);
  }
  return true;
}

bool LiveBlocks::TakeByAddress(uint64_t addr, uint64_t* rank, uint8_t* tag) {
  if (slots_.empty()) return false;
  Slot* slot = Find(addr);
  if (slot->position_plus_one == 0) return false;
  const size_t position = slot->position_plus_one - 1;
  *rank = live_ - LiveUpTo(position);  // live blocks added after it
  *tag = tags_[position];
  Clear(position);
  Erase(slot);
  return true;
}

bool LiveBlocks::TakeByRank(uint64_t rank, uint64_t* addr, uint8_t* tag) {
  if (rank >= live_) return false;
  size_t position;
  // Most frees release one of the blocks allocated last: count down from the newest word
  // first, which costs a popcount a word; a rank further back goes down the tree.
  constexpr size_t kScanWords = 4;
  size_t word = (added_ - 1) / 64;
  uint64_t left = rank;
  size_t scanned = 0;
  for (; scanned < kScanWords; ++scanned, --word) {
    const unsigned count = PopCount(bits_[word]);
    if (left < count) break;
    left -= count;
    if (word == 0) break;  // not reached: rank < live
  }
  if (scanned < kScanWords) {
    // The (left)-th live block of this word counted from its top: drop the `left` highest.
    uint64_t bits = bits_[word];
    for (; left > 0; --left) bits &= ~(uint64_t(1) << (63 - __builtin_clzll(bits)));
    position = word * 64 + size_t(63 - __builtin_clzll(bits));
  } else {
    // The (live - rank)-th live block from the start: down the tree to its word, then its bit.
    size_t target = live_ - rank;
    word = 0;
    for (size_t step = top_bit_; step > 0; step >>= 1) {
      if (word + step < tree_.size() && tree_[word + step] < target) {
        word += step;
        target -= tree_[word];
      }
    }
    position = word * 64 + SelectBit(bits_[word], unsigned(target - 1));
  }
  *addr = addresses_[position];
  *tag = tags_[position];
  Clear(position);
  return true;
}

}  // namespace memwrap
