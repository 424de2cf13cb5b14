// A thread's caller table (memwrap/ring.h, CallerTotalsEntry): open addressing keyed by the
// return address into the allocating function's caller. Only the table's owner writes it, so
// every update is a plain relaxed load and store: no lock prefix, no system call, no
// allocation. Kept apart from the shim's state so that it can be tested on its own.
#pragma once

#include <stdint.h>

#include <atomic>

#include "memwrap/ring.h"

namespace memwrap::shim {

// A single writer's add: a plain read and write, no lock prefix (memwrap/ring.h).
template <class T>
inline void AddToOwnSlot(std::atomic<T>* counter, T amount) {
  counter->store(counter->load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}

// The entry of `caller` in a thread's own table, or a free one it may take; nullptr when
// neither lies within kCallerTableProbes entries of its home (the full path then evicts one).
inline CallerTotalsEntry* FindCallerEntry(CallerTotalsEntry* table, uint64_t caller) {
  uint32_t index = CallerTableHome(caller);
  for (uint32_t probe = 0; probe < kCallerTableProbes; ++probe) {
    const uint64_t held = table[index].address.load(std::memory_order_relaxed);
    if (held == caller || held == 0) return &table[index];
    index = (index + 1) & (kCallerTableEntries - 1);
  }
  return nullptr;
}

// The fast path's lookup: the entry that already holds `caller`, else nullptr. A caller's first
// call in a thread takes the full path, which sees whether the caller is runtime code
// (preload/runtime_code.h) before the caller gets an entry.
inline CallerTotalsEntry* HeldCallerEntry(CallerTotalsEntry* table, uint64_t caller) {
  uint32_t index = CallerTableHome(caller);
  for (uint32_t probe = 0; probe < kCallerTableProbes; ++probe) {
    const uint64_t held = table[index].address.load(std::memory_order_relaxed);
    if (held == caller) return &table[index];
    if (held == 0) return nullptr;
    index = (index + 1) & (kCallerTableEntries - 1);
  }
  return nullptr;
}

// One call into the entry HeldCallerEntry found.
inline void AddToHeldCallerEntry(CallerTotalsEntry* entry, uint64_t bytes) {
  AddToOwnSlot<uint64_t>(&entry->calls, 1);
  AddToOwnSlot<uint64_t>(&entry->bytes, bytes);
}

// One call from `caller` into the entry FindCallerEntry found (taking it if it was free).
inline void AddToCallerEntry(CallerTotalsEntry* entry, uint64_t caller, uint64_t bytes) {
  entry->address.store(caller, std::memory_order_relaxed);
  AddToHeldCallerEntry(entry, bytes);
}

// For a caller that FindCallerEntry found no room for: the probed entry with the fewest calls,
// so that the hottest callers keep their entries. Its figures must leave (a record) before
// ClearCallerEntry makes it reusable.
inline CallerTotalsEntry* EvictionVictim(CallerTotalsEntry* table, uint64_t caller) {
  uint32_t index = CallerTableHome(caller);
  CallerTotalsEntry* victim = &table[index];
  for (uint32_t probe = 1; probe < kCallerTableProbes; ++probe) {
    index = (index + 1) & (kCallerTableEntries - 1);
    if (table[index].calls.load(std::memory_order_relaxed) <
        victim->calls.load(std::memory_order_relaxed)) {
      victim = &table[index];
    }
  }
  return victim;
}

// Its address stays until AddToCallerEntry writes the new one: a reader never sees it free.
inline void ClearCallerEntry(CallerTotalsEntry* entry) {
  entry->calls.store(0, std::memory_order_relaxed);
  entry->bytes.store(0, std::memory_order_relaxed);
}

}  // namespace memwrap::shim
