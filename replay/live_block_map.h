// The set of live blocks of one process image, by address: the analyzer's hottest structure
// (every allocation inserts, every free erases). An open-addressing hash table with linear
// probing and backward-shift deletion: no allocation per block (std::unordered_map's nodes cost
// a malloc and a free per event), one cache line per lookup. Its slots take huge pages when
// they are megabytes (huge_page_allocator.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <stdexcept>
#include <vector>

#include "memwrap/records.h"
#include "replay/huge_page_allocator.h"

namespace memwrap {

struct LiveBlock {
  uint64_t size = 0;
  StackId stack = kNoStack;
  uint32_t site = 0;  // the (image, stack) pair's number in the replay's SiteTable
};

class LiveBlockMap {
 public:
  struct Entry {
    uint64_t first = 0;  // the address; 0 marks a free slot (the block at 0 lives in zero_)
    LiveBlock second;
  };

  class const_iterator {
   public:
    const_iterator(const LiveBlockMap* map, size_t index) : map_(map), index_(index) { Skip(); }
    const Entry& operator*() const { return Current(); }
    const Entry* operator->() const { return &Current(); }
    const_iterator& operator++() {
      ++index_;
      Skip();
      return *this;
    }
    bool operator!=(const const_iterator& other) const { return index_ != other.index_; }
    bool operator==(const const_iterator& other) const { return index_ == other.index_; }

   private:
    // Index slots_.size() is the block at address 0, when there is one.
    const Entry& Current() const {
      return index_ < map_->slots_.size() ? map_->slots_[index_] : map_->zero_;
    }
    void Skip() {
      while (index_ < map_->slots_.size() && map_->slots_[index_].first == 0) ++index_;
      if (index_ == map_->slots_.size() && !map_->has_zero_) ++index_;
    }
    const LiveBlockMap* map_;
    size_t index_;
  };

  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, slots_.size() + 1); }
  size_t size() const { return size_ + (has_zero_ ? 1 : 0); }
  bool empty() const { return size() == 0; }
  void clear() {
    slots_.clear();
    size_ = 0;
    has_zero_ = false;
  }

  const LiveBlock* Find(uint64_t addr) const {
    if (addr == 0) return has_zero_ ? &zero_.second : nullptr;
    if (slots_.empty()) return nullptr;
    for (size_t i = Home(addr);; i = (i + 1) & Mask()) {
      if (slots_[i].first == addr) return &slots_[i].second;
      if (slots_[i].first == 0) return nullptr;
    }
  }

  // Asks the CPU to bring `addr`'s slot into the cache: a later Put/Erase of it then does not
  // wait for memory. Always inlined: GCC deems a function that only prefetches free of effects
  // ("const") and drops the calls to it, and with them the prefetch (it did, silently).
  __attribute__((always_inline)) void Prefetch(uint64_t addr) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Home(addr)], 0);
  }

  // Inserts or replaces; true (with the old block in *replaced) when `addr` was live.
  bool Put(uint64_t addr, LiveBlock block, LiveBlock* replaced) {
    if (addr == 0) {
      const bool was = has_zero_;
      if (was) *replaced = zero_.second;
      zero_ = {0, block};
      has_zero_ = true;
      return was;
    }
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    for (size_t i = Home(addr);; i = (i + 1) & Mask()) {
      if (slots_[i].first == addr) {
        *replaced = slots_[i].second;
        slots_[i].second = block;
        return true;
      }
      if (slots_[i].first == 0) {
        slots_[i] = {addr, block};
        ++size_;
        return false;
      }
    }
  }

  // Removes `addr`; false when it was not live.
  bool Erase(uint64_t addr, LiveBlock* removed) {
    if (addr == 0) {
      if (!has_zero_) return false;
      *removed = zero_.second;
      has_zero_ = false;
      return true;
    }
    if (slots_.empty()) return false;
    size_t i = Home(addr);
    while (slots_[i].first != addr) {
      if (slots_[i].first == 0) return false;
      i = (i + 1) & Mask();
    }
    *removed = slots_[i].second;
    // Backward-shift deletion: pull later entries of the same probe run into the hole, so
    // lookups never need tombstones.
    for (size_t j = (i + 1) & Mask(); slots_[j].first != 0; j = (j + 1) & Mask()) {
      const size_t home = Home(slots_[j].first);
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = Entry{};
    --size_;
    return true;
  }

  // For tests and reports: std::map-like access.
  const LiveBlock& at(uint64_t addr) const {
    const LiveBlock* block = Find(addr);
    if (block == nullptr) throw std::out_of_range("no live block at that address");
    return *block;
  }
  size_t count(uint64_t addr) const { return Find(addr) != nullptr ? 1 : 0; }

 private:
  size_t Mask() const { return slots_.size() - 1; }
  size_t Home(uint64_t addr) const {
    addr ^= addr >> 31;
    addr *= 0x7fb5d329728ea185ull;
    addr ^= addr >> 27;
    return size_t(addr) & Mask();
  }
  void Grow() {
    std::vector<Entry, HugePageAllocator<Entry>> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Entry{});
    size_ = 0;
    LiveBlock ignored;
    for (const Entry& entry : old) {
      if (entry.first != 0) Put(entry.first, entry.second, &ignored);
    }
  }

  std::vector<Entry, HugePageAllocator<Entry>> slots_;
  size_t size_ = 0;  // occupied slots (the block at 0 aside)
  bool has_zero_ = false;
  Entry zero_;
};

}  // namespace memwrap
