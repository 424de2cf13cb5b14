#include "tracefile/live_blocks.h"

#include <string.h>

#include <array>

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

// Set bits per byte value.
constexpr std::array<uint8_t, 256> kByteBits = [] {
  std::array<uint8_t, 256> bits{};
  for (unsigned i = 1; i < 256; ++i) bits[i] = uint8_t((i & 1) + bits[i >> 1]);
  return bits;
}();

// The position of the n-th (from 0) set bit of `word` counted from its highest, which has
// more than n. Most frees take one of the last few blocks: drop the n highest bits one by one;
// further down, a byte at a time first.
unsigned SelectFromTop(uint64_t word, unsigned n) {
  if (n >= 8) {
    for (unsigned shift = 56;; shift -= 8) {
      const unsigned count = kByteBits[(word >> shift) & 0xff];
      if (n < count) break;  // in this byte, now the word's highest
      n -= count;
      word &= (uint64_t(1) << shift) - 1;  // drops this byte
    }
  }
  for (; n > 0; --n) word &= ~(uint64_t(1) << (63 - __builtin_clzll(word)));
  return unsigned(63 - __builtin_clzll(word));
}

}  // namespace

void LiveBlocks::Reset(size_t max_blocks) {
  max_blocks_ = max_blocks;
  // Only what the last chunk used is cleared: the addresses still indexed (blocks still live),
  // and the words of flags and the group counts it used.
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
    memset(counts_.data(), 0, words);
    const size_t groups = (words + kGroupWords - 1) / kGroupWords;
    memset(groups_.data(), 0, groups * sizeof(uint32_t));
    memset(supers_.data(), 0, (groups + kSuperGroups - 1) / kSuperGroups * sizeof(uint32_t));
  }
  added_ = 0;
  live_ = 0;
}

void LiveBlocks::Grow() {
  capacity_ = capacity_ == 0 ? 64 * kGroupWords : capacity_ * 2;
  const size_t words = capacity_ / 64;
  bits_.resize(words, 0);
  counts_.resize(words, 0);
  groups_.resize(words / kGroupWords, 0);
  supers_.resize((words / kGroupWords + kSuperGroups - 1) / kSuperGroups, 0);
  addresses_.resize(capacity_);
  tags_.resize(capacity_);
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
  --counts_[position / 64];
  --groups_[position / 64 / kGroupWords];
  --supers_[position / 64 / kGroupWords / kSuperGroups];
  --live_;
}

size_t LiveBlocks::LiveAfter(size_t position) const {
  const size_t word = position / 64;
  const size_t top = (added_ - 1) / 64;  // the newest word in use
  // Flags above the position's own bit in its word (none when it is the word's last).
  const unsigned bit = unsigned(position % 64);
  size_t sum = bit == 63 ? 0 : PopCount(bits_[word] >> (bit + 1));
  const size_t group = word / kGroupWords;
  const size_t top_group = top / kGroupWords;
  const size_t last_word = group == top_group ? top : (group + 1) * kGroupWords - 1;
  for (size_t w = word + 1; w <= last_word; ++w) sum += counts_[w];
  for (size_t g = group + 1; g <= top_group; ++g) sum += groups_[g];
  return sum;
}

void LiveBlocks::Index(uint64_t addr, size_t position) {
  Slot* slot = Find(addr);
  slot->addr = addr;
  slot->position_plus_one = uint32_t(position + 1);
}

bool LiveBlocks::TakeByAddress(uint64_t addr, uint64_t* rank, uint8_t* tag) {
  if (slots_.empty()) return false;
  Slot* slot = Find(addr);
  if (slot->position_plus_one == 0) return false;
  const size_t position = slot->position_plus_one - 1;
  *rank = LiveAfter(position);
  *tag = tags_[position];
  Clear(position);
  Erase(slot);
  return true;
}

bool LiveBlocks::TakeByRank(uint64_t rank, uint64_t* addr, uint8_t* tag) {
  if (rank >= live_) return false;
  // Down from the newest word (most frees release one of the blocks allocated last): the
  // words of the newest group one by one; else the groups of the newest super-group, then
  // whole super-groups by their counts, then the groups of the one that holds the block, then
  // its words. rank < live, so some group does.
  size_t word = (added_ - 1) / 64;
  size_t group = word / kGroupWords;
  uint64_t left = rank;
  if (left < groups_[group]) {
    while (left >= counts_[word]) left -= counts_[word--];
  } else {
    left -= groups_[group];
    size_t super = group / kSuperGroups;
    const size_t super_start = super * kSuperGroups;
    bool found = false;
    while (group > super_start) {
      --group;
      if (left < groups_[group]) {
        found = true;
        break;
      }
      left -= groups_[group];
    }
    if (!found) {
      for (--super; left >= supers_[super]; --super) left -= supers_[super];
      for (group = super * kSuperGroups + kSuperGroups - 1; left >= groups_[group]; --group) {
        left -= groups_[group];
      }
    }
    for (word = group * kGroupWords + kGroupWords - 1; left >= counts_[word]; --word) {
      left -= counts_[word];
    }
  }
  // The (left)-th live block of this word counted from its top.
  const size_t position = word * 64 + SelectFromTop(bits_[word], unsigned(left));
  *addr = addresses_[position];
  *tag = tags_[position];
  Clear(position);
  return true;
}

}  // namespace memwrap
