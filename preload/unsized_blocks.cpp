#include "preload/unsized_blocks.h"

#include <string.h>

#include <atomic>

namespace memwrap::shim {
namespace {

// An entry's address goes 0 -> block (compare-exchange) once its size is stored, and back to 0
// after the size was read: a reader that finds the address finds its size.
struct UnsizedBlock {
  std::atomic<uint64_t> address;
  std::atomic<uint64_t> counted;
  std::atomic<bool> taken;  // claimed by a writer, whose address may not be set yet
};

UnsizedBlock g_blocks[kUnsizedBlocks];
// How many are remembered: a release looks for its block only when some are.
std::atomic<uint32_t> g_remembered{0};

}  // namespace

bool RememberUnsizedBlock(const void* block, uint64_t counted) {
  for (UnsizedBlock& entry : g_blocks) {
    bool free_entry = false;
    if (entry.taken.load(std::memory_order_relaxed) ||
        !entry.taken.compare_exchange_strong(free_entry, true, std::memory_order_acquire)) {
      continue;
    }
    entry.counted.store(counted, std::memory_order_relaxed);
    entry.address.store(uint64_t(reinterpret_cast<uintptr_t>(block)), std::memory_order_release);
    g_remembered.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  return false;
}

bool ForgetUnsizedBlock(const void* block, uint64_t* counted) {
  if (g_remembered.load(std::memory_order_relaxed) == 0) return false;
  const uint64_t address = uint64_t(reinterpret_cast<uintptr_t>(block));
  for (UnsizedBlock& entry : g_blocks) {
    if (entry.address.load(std::memory_order_acquire) != address) continue;
    *counted = entry.counted.load(std::memory_order_relaxed);
    entry.address.store(0, std::memory_order_relaxed);
    entry.taken.store(false, std::memory_order_release);
    g_remembered.fetch_sub(1, std::memory_order_relaxed);
    return true;
  }
  return false;
}

void ForgetAllUnsizedBlocks() {
  for (UnsizedBlock& entry : g_blocks) {
    entry.address.store(0, std::memory_order_relaxed);
    entry.taken.store(false, std::memory_order_relaxed);
  }
  g_remembered.store(0, std::memory_order_relaxed);
}

}  // namespace memwrap::shim
