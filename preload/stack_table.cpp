#include "preload/stack_table.h"

#include "preload/shim_memory.h"
#include "shim_link/ring_producer.h"  // CpuRelax

#include <atomic>

namespace memwrap::shim {
namespace {

constexpr uint64_t kEntryCount = 1u << 19;     // 512 Ki distinct stacks
constexpr uint64_t kFrameCapacity = 8u << 20;  // 8 Mi frames in all (64 MiB reserved)

uint64_t HashFrames(const uint64_t* frames, uint32_t depth) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ depth;
  for (uint32_t i = 0; i < depth; ++i) {
    h ^= frames[i];
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h == 0 ? 1 : h;  // 0 marks an empty entry
}

}  // namespace

struct StackTable::Entry {
  std::atomic<uint64_t> hash;  // published last (release), 0 = empty
  uint32_t id;
  uint32_t depth;
  uint64_t frames_offset;
  std::atomic<uint32_t> sent;  // 1 once a caller took on sending the STACK record
  uint32_t reserved;
};
static_assert(sizeof(std::atomic<uint64_t>) == 8);

bool StackTable::Init() {
  entries_ = static_cast<Entry*>(MapShimMemory(kEntryCount * sizeof(Entry)));
  entry_of_id_ = static_cast<uint32_t*>(MapShimMemory(kEntryCount * sizeof(uint32_t)));
  frames_ = static_cast<uint64_t*>(MapShimMemory(kFrameCapacity * sizeof(uint64_t)));
  return entries_ != nullptr && entry_of_id_ != nullptr && frames_ != nullptr;
}

void StackTable::MarkUnsent(StackId id) {
  if (entry_of_id_ == nullptr || id == kNoStack || id >= kEntryCount) return;
  entries_[entry_of_id_[id]].sent.store(0, std::memory_order_relaxed);
}

void StackTable::Reset() {
  UnmapShimMemory(entries_, kEntryCount * sizeof(Entry));
  UnmapShimMemory(entry_of_id_, kEntryCount * sizeof(uint32_t));
  entry_of_id_ = nullptr;
  UnmapShimMemory(frames_, kFrameCapacity * sizeof(uint64_t));
  entries_ = nullptr;
  frames_ = nullptr;
  frames_used_ = 0;
  next_id_ = 1;
  overflowed_ = 0;
  lock_ = 0;
  Init();
}

StackId StackTable::Intern(const uint64_t* frames, uint32_t depth, bool* must_send) {
  *must_send = false;
  if (entries_ == nullptr || frames_ == nullptr) return kNoStack;
  // Claims the sending of an entry's record; false if someone already did.
  auto claim = [](Entry& e) {
    uint32_t unsent = 0;
    return e.sent.load(std::memory_order_relaxed) == 0 &&
           e.sent.compare_exchange_strong(unsent, 1, std::memory_order_relaxed);
  };
  const uint64_t hash = HashFrames(frames, depth);
  auto matches = [&](const Entry& e) {
    if (e.depth != depth) return false;
    const uint64_t* stored = frames_ + e.frames_offset;
    for (uint32_t i = 0; i < depth; ++i) {
      if (stored[i] != frames[i]) return false;
    }
    return true;
  };
  auto probe = [&](Entry** free_slot) -> StackId {
    for (uint64_t i = 0; i < kEntryCount; ++i) {
      Entry& e = entries_[(hash + i) & (kEntryCount - 1)];
      // Acquire: pairs with the release store below, so id/depth/frames are complete.
      uint64_t h = e.hash.load(std::memory_order_acquire);
      if (h == 0) {
        if (free_slot) *free_slot = &e;
        return kNoStack;
      }
      if (h == hash && matches(e)) {
        *must_send = claim(e);
        return e.id;
      }
    }
    return kNoStack;
  };

  if (StackId id = probe(nullptr)) return id;

  while (__atomic_exchange_n(&lock_, 1, __ATOMIC_ACQUIRE) != 0) CpuRelax();
  Entry* slot = nullptr;
  StackId id = probe(&slot);  // another thread may have inserted it meanwhile
  if (id == kNoStack) {
    if (slot == nullptr || next_id_ >= kEntryCount - kEntryCount / 8 ||
        frames_used_ + depth > kFrameCapacity) {
      __atomic_fetch_add(&overflowed_, 1, __ATOMIC_RELAXED);
    } else {
      for (uint32_t i = 0; i < depth; ++i) frames_[frames_used_ + i] = frames[i];
      slot->frames_offset = frames_used_;
      slot->depth = depth;
      slot->id = next_id_++;
      slot->sent.store(1, std::memory_order_relaxed);  // the inserting caller sends it
      entry_of_id_[slot->id] = uint32_t(slot - entries_);
      frames_used_ += depth;
      slot->hash.store(hash, std::memory_order_release);
      id = slot->id;
      *must_send = true;
    }
  }
  __atomic_store_n(&lock_, 0, __ATOMIC_RELEASE);
  return id;
}

}  // namespace memwrap::shim
