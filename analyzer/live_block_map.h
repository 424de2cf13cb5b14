// The set of live blocks of one process image, by address: the analyzer's hottest structure
// (every allocation inserts, every free erases). Open-addressing hash tables with linear probing
// and backward-shift deletion: no allocation per block (std::unordered_map's nodes cost a malloc
// and a free per event), one cache line per lookup.
//
// Two generations: most blocks are freed soon after their allocation, so a block enters a small
// table (`young_`, a few thousand blocks: it stays in the cache) and only the blocks still live
// when it fills move to the large one (`old_`). With 100,000 blocks live the large table is
// larger than the cache, and inserting and erasing every short-lived block there waited for
// memory. An address is in one table at most. A membership filter over the large table (a bit
// per hashed address, set when an address enters it, rebuilt when too many stale bits pile up)
// answers most "is it there?" questions without touching it: an allocation must know whether
// its address was live already (a free not seen), a free whether its block is an old one.
// What the map holds, and so every figure computed from it, is as with one table; only the
// order of iteration differs (no user depends on it: they sum).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <stdexcept>
#include <vector>

#include "memwrap/records.h"

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

 private:
  // One open-addressing table, load factor at most 1/2.
  class Table {
   public:
    size_t size() const { return size_; }
    size_t capacity() const { return slots_.size(); }
    const Entry& slot(size_t i) const { return slots_[i]; }
    void clear() {
      if (size_ != 0) slots_.assign(slots_.size(), Entry{});
      size_ = 0;
    }
    // Room for `capacity` slots (a power of two), the entries kept.
    void Resize(size_t capacity) {
      std::vector<Entry> old;
      old.swap(slots_);
      slots_.assign(capacity, Entry{});
      size_ = 0;
      for (const Entry& entry : old) {
        if (entry.first != 0) Insert(entry.first, entry.second);
      }
    }
    bool full() const { return (size_ + 1) * 2 > slots_.size(); }

    // `hash` is Mix(addr): the callers compute it once for both tables and the filter.
    __attribute__((always_inline)) void Prefetch(uint64_t hash) const {
      if (!slots_.empty()) __builtin_prefetch(&slots_[hash & Mask()], 0);
    }
    const Entry* Find(uint64_t addr, uint64_t hash) const {
      if (slots_.empty()) return nullptr;
      for (size_t i = hash & Mask();; i = (i + 1) & Mask()) {
        if (slots_[i].first == addr) return &slots_[i];
        if (slots_[i].first == 0) return nullptr;
      }
    }
    Entry* Find(uint64_t addr, uint64_t hash) {
      return const_cast<Entry*>(static_cast<const Table*>(this)->Find(addr, hash));
    }
    // `addr` (not 0) is not in the table, which is not full.
    void Insert(uint64_t addr, const LiveBlock& block) {
      size_t i = Home(addr);
      while (slots_[i].first != 0) i = (i + 1) & Mask();
      slots_[i] = {addr, block};
      ++size_;
    }
    // Removes the entry `entry` points at.
    void Erase(Entry* entry) {
      size_t i = size_t(entry - slots_.data());
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
    }

   private:
    size_t Mask() const { return slots_.size() - 1; }
    size_t Home(uint64_t addr) const { return size_t(Mix(addr)) & Mask(); }

    std::vector<Entry> slots_;
    size_t size_ = 0;
  };

 public:
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
    // Indexes: the young table's slots, then the old table's, then the block at address 0.
    const Entry& Current() const {
      const size_t young = map_->young_.capacity();
      if (index_ < young) return map_->young_.slot(index_);
      if (index_ - young < map_->old_.capacity()) return map_->old_.slot(index_ - young);
      return map_->zero_;
    }
    void Skip() {
      const size_t young = map_->young_.capacity();
      const size_t slots = young + map_->old_.capacity();
      while (index_ < slots && Current().first == 0) ++index_;
      if (index_ == slots && !map_->has_zero_) ++index_;
    }
    const LiveBlockMap* map_;
    size_t index_;
  };

  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const {
    return const_iterator(this, young_.capacity() + old_.capacity() + 1);
  }
  size_t size() const { return young_.size() + old_.size() + (has_zero_ ? 1 : 0); }
  bool empty() const { return size() == 0; }
  void clear() {
    young_.clear();
    old_.clear();
    filter_.assign(filter_.size(), 0);
    filter_marks_ = 0;
    has_zero_ = false;
  }

  const LiveBlock* Find(uint64_t addr) const {
    if (addr == 0) return has_zero_ ? &zero_.second : nullptr;
    const uint64_t hash = Mix(addr);
    if (const Entry* entry = young_.Find(addr, hash)) return &entry->second;
    if (!MaybeOld(hash)) return nullptr;
    const Entry* entry = old_.Find(addr, hash);
    return entry != nullptr ? &entry->second : nullptr;
  }

  // Asks the CPU to bring what a later Put/Erase of `addr` reads into the cache, so that it does
  // not wait for memory. Always inlined: GCC deems a function that only prefetches free of
  // effects ("const") and drops the calls to it, and with them the prefetch (it did, silently).
  __attribute__((always_inline)) void Prefetch(uint64_t addr) const {
    const uint64_t hash = Mix(addr);
    young_.Prefetch(hash);
    if (MaybeOld(hash)) old_.Prefetch(hash);
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
    const uint64_t hash = Mix(addr);
    Entry* entry = young_.Find(addr, hash);
    if (entry == nullptr && MaybeOld(hash)) entry = old_.Find(addr, hash);
    if (entry != nullptr) {
      *replaced = entry->second;
      entry->second = block;
      return true;
    }
    if (young_.full()) MakeRoomInYoung();
    young_.Insert(addr, block);
    return false;
  }

  // Removes `addr`; false when it was not live.
  bool Erase(uint64_t addr, LiveBlock* removed) {
    if (addr == 0) {
      if (!has_zero_) return false;
      *removed = zero_.second;
      has_zero_ = false;
      return true;
    }
    const uint64_t hash = Mix(addr);
    if (Entry* entry = young_.Find(addr, hash)) {
      *removed = entry->second;
      young_.Erase(entry);
      return true;
    }
    if (!MaybeOld(hash)) return false;
    Entry* entry = old_.Find(addr, hash);
    if (entry == nullptr) return false;
    *removed = entry->second;
    old_.Erase(entry);
    return true;
  }

  // For tests and reports: std::map-like access.
  const LiveBlock& at(uint64_t addr) const {
    const LiveBlock* block = Find(addr);
    if (block == nullptr) throw std::out_of_range("no live block at that address");
    return *block;
  }
  size_t count(uint64_t addr) const { return Find(addr) != nullptr ? 1 : 0; }

  // For tests: how many blocks are in the young table.
  size_t young_size() const { return young_.size(); }

 private:
  // The young table's slots at most: 4,096 x 24 bytes stay in the cache. It starts smaller:
  // a process that allocates little keeps a small map (there is one per process image).
  static constexpr size_t kYoungSlots = 4096;
  static constexpr size_t kFirstSlots = 1024;
  static constexpr size_t kFilterBitsMin = size_t(1) << 20;
  static constexpr size_t kMoveAhead = 16;

  static uint64_t Mix(uint64_t addr) {
    addr ^= addr >> 31;
    addr *= 0x7fb5d329728ea185ull;
    addr ^= addr >> 27;
    return addr;
  }
  // The filter's bit of an address (of its Mix): other bits than the tables' slots use.
  size_t FilterBit(uint64_t hash) const { return size_t(hash >> 40) & (filter_.size() * 64 - 1); }
  // False when the address of this Mix is surely not in the old table.
  bool MaybeOld(uint64_t hash) const {
    if (old_.size() == 0) return false;
    const size_t bit = FilterBit(hash);
    return (filter_[bit / 64] >> (bit % 64)) & 1;
  }
  void Mark(uint64_t addr) {
    const size_t bit = FilterBit(Mix(addr));
    filter_[bit / 64] |= uint64_t(1) << (bit % 64);
    ++filter_marks_;
  }

  // The young table is full: it grows while small, else its blocks move to the old table.
  void MakeRoomInYoung() {
    if (young_.capacity() < kYoungSlots) {
      young_.Resize(young_.capacity() == 0 ? kFirstSlots : young_.capacity() * 2);
      return;
    }
    size_t capacity = old_.capacity() == 0 ? 2 * kYoungSlots : old_.capacity();
    while ((old_.size() + young_.size() + 1) * 2 > capacity) capacity *= 2;
    const bool old_grew = capacity != old_.capacity();
    if (old_grew) old_.Resize(capacity);
    // Marks of addresses no longer in the old table make the filter answer "maybe" for nothing:
    // once they are as many as the entries, it is built again (also when the table grew, to
    // keep about 8 filter bits per slot).
    const size_t bits = capacity * 4 > kFilterBitsMin ? capacity * 4 : kFilterBitsMin;
    if (old_grew || filter_.size() * 64 != bits || filter_marks_ > 2 * old_.size() + bits / 8) {
      filter_.assign(bits / 64, 0);
      filter_marks_ = 0;
      for (size_t i = 0; i < old_.capacity(); ++i) {
        if (old_.slot(i).first != 0) Mark(old_.slot(i).first);
      }
    }
    // The old table's slots are fetched some entries ahead: each is a cache miss.
    moving_.clear();
    for (size_t i = 0; i < young_.capacity(); ++i) {
      if (young_.slot(i).first != 0) moving_.push_back(young_.slot(i));
    }
    for (size_t i = 0; i < moving_.size(); ++i) {
      if (i + kMoveAhead < moving_.size()) old_.Prefetch(Mix(moving_[i + kMoveAhead].first));
      old_.Insert(moving_[i].first, moving_[i].second);
      Mark(moving_[i].first);
    }
    young_.clear();
  }

  Table young_;
  Table old_;
  std::vector<Entry> moving_;  // the young blocks moving to the old table (kept: no allocation)
  std::vector<uint64_t> filter_;  // a bit per hashed address: set when it entered old_
  size_t filter_marks_ = 0;       // bits set since the filter was last built
  bool has_zero_ = false;
  Entry zero_;
};

}  // namespace memwrap
