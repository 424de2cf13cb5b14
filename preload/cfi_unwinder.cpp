#include "preload/cfi_unwinder.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "preload/eh_frame_reader.h"
#include "preload/frame_rule.h"
#include "preload/shim_memory.h"

namespace memwrap::shim {
namespace {

// The rule cache: open addressing keyed by return address, shared by all threads.
//
// - Readers take no lock: they load a slot's key (acquire), its rule, and the key again; a key
//   that changed in between means the slot was cleared or reused, and the reader reads the rule
//   from .eh_frame itself.
// - Writers insert under g_insert_lock, taken with a try: a thread that finds it held (another
//   thread inserting, or a signal handler that interrupted this very thread in an insert) uses
//   the rule it read without caching it. Nothing ever waits for the lock.
// - A writer stores the rule, then the key (release), so a reader that sees the key sees its
//   rule.
// - Growing publishes a copy twice the size; the old table is never unmapped (a reader may still
//   be in it). The sizes add up to less than twice the last one.
struct RuleSlot {
  std::atomic<uint64_t> return_address;  // 0: empty
  std::atomic<uint64_t> rule;            // FrameRule::Pack()
};

struct RuleTable {
  uint64_t capacity;  // a power of two
  uint64_t used;      // written under g_insert_lock only
  RuleSlot* slots() { return reinterpret_cast<RuleSlot*>(this + 1); }
};

constexpr uint64_t kInitialCapacity = 4096;  // 64 KiB; a large program needs some 10^4 rules
// A step must stay within this distance above the first frame's stack pointer (as the stack
// cache's slot offsets do), or the unwind is handed to libunwind.
constexpr uint64_t kMaxStackSpan = UINT32_MAX;

std::atomic<RuleTable*> g_rules{nullptr};
std::atomic_flag g_insert_lock = ATOMIC_FLAG_INIT;
// Set under seccomp: a table is never mapped any more (mmap is a system call); a full one
// stays as it is, and rules that do not fit are read from .eh_frame each time.
std::atomic<bool> g_tables_fixed{false};

uint64_t SlotIndex(uint64_t return_address, uint64_t capacity) {
  uint64_t h = return_address * 0x9e3779b97f4a7c15ull;
  return (h ^ (h >> 32)) & (capacity - 1);
}

bool CachedRule(uint64_t return_address, FrameRule* rule) {
  RuleTable* table = g_rules.load(std::memory_order_acquire);
  if (table == nullptr) return false;
  RuleSlot* slots = table->slots();
  const uint64_t mask = table->capacity - 1;
  for (uint64_t i = SlotIndex(return_address, table->capacity), probes = 0; probes <= mask;
       i = (i + 1) & mask, ++probes) {
    uint64_t key = slots[i].return_address.load(std::memory_order_acquire);
    if (key == 0) return false;
    if (key != return_address) continue;
    uint64_t word = slots[i].rule.load(std::memory_order_acquire);
    if (slots[i].return_address.load(std::memory_order_acquire) != return_address) return false;
    *rule = FrameRule::Unpack(word);
    return true;
  }
  return false;
}

RuleTable* NewTable(uint64_t capacity) {
  uint64_t bytes = sizeof(RuleTable) + capacity * sizeof(RuleSlot);
  auto* table = static_cast<RuleTable*>(MapShimMemory(bytes));  // zero-filled: slots empty
  if (table == nullptr) return nullptr;
  table->capacity = capacity;
  table->used = 0;
  return table;
}

void PutInto(RuleTable* table, uint64_t return_address, uint64_t word) {
  RuleSlot* slots = table->slots();
  const uint64_t mask = table->capacity - 1;
  for (uint64_t i = SlotIndex(return_address, table->capacity);; i = (i + 1) & mask) {
    uint64_t key = slots[i].return_address.load(std::memory_order_relaxed);
    if (key == return_address) return;
    if (key == 0) {
      slots[i].rule.store(word, std::memory_order_relaxed);
      slots[i].return_address.store(return_address, std::memory_order_release);
      ++table->used;
      return;
    }
  }
}

// Under g_insert_lock. Keeps the table at most half full.
void Insert(uint64_t return_address, const FrameRule& rule) {
  RuleTable* table = g_rules.load(std::memory_order_relaxed);
  if (table == nullptr || (table->used + 1) * 2 > table->capacity) {
    if (g_tables_fixed.load(std::memory_order_relaxed)) return;
    RuleTable* bigger = NewTable(table == nullptr ? kInitialCapacity : table->capacity * 2);
    if (bigger == nullptr) return;  // no memory for the cache: rules are read each time
    if (table != nullptr) {
      RuleSlot* slots = table->slots();
      for (uint64_t i = 0; i < table->capacity; ++i) {
        uint64_t key = slots[i].return_address.load(std::memory_order_relaxed);
        if (key != 0) PutInto(bigger, key, slots[i].rule.load(std::memory_order_relaxed));
      }
    }
    g_rules.store(bigger, std::memory_order_release);
    table = bigger;
  }
  PutInto(table, return_address, rule.Pack());
}

FrameRule RuleFor(uint64_t return_address) {
  FrameRule rule;
  if (CachedRule(return_address, &rule)) return rule;
  // The call instruction ends just before the return address; its rule is the one to use
  // (the call may be the last instruction of a function that does not return).
  rule = ReadFrameRule(return_address - 1);
  if (!g_insert_lock.test_and_set(std::memory_order_acquire)) {
    Insert(return_address, rule);
    g_insert_lock.clear(std::memory_order_release);
  }
  return rule;
}

inline uint64_t Load(uint64_t address) {
  return *reinterpret_cast<const uint64_t*>(address);
}

}  // namespace

uint32_t CfiUnwind(const FrameRegisters& start, uint64_t* ips, uint64_t* slots,
                   uint32_t max_depth) {
  uint64_t ip = start.ip, sp = start.sp, rbp = start.rbp;
  const uint64_t lowest = start.sp, highest = start.sp + kMaxStackSpan;
  auto on_stack = [&](uint64_t address) { return address >= lowest && address < highest - 8; };
  uint32_t depth = 0;
  slots[0] = sp - 8;
  for (;;) {
    ips[depth++] = ip;
    if (depth == max_depth) return depth;
    const FrameRule rule = RuleFor(ip);
    if (!rule.supported()) return 0;
    if (rule.cfa == FrameRule::kOutermost) return depth;
    uint64_t cfa;
    if (rule.cfa == FrameRule::kRspPlus) {
      cfa = sp + int64_t(rule.cfa_offset);
    } else if (rule.cfa == FrameRule::kRbpPlus) {
      cfa = rbp + int64_t(rule.cfa_offset);
    } else {
      uint64_t at = rbp + int64_t(rule.cfa_offset);
      if (!on_stack(at)) return 0;
      cfa = Load(at);
    }
    // Each caller's frame lies above its callee's; anything else is not a stack libunwind
    // would walk the same way, so it gets to decide.
    if (cfa <= sp || cfa >= highest) return 0;
    const uint64_t return_slot = cfa + int64_t(rule.return_address_offset);
    if (!on_stack(return_slot)) return 0;
    if (rule.saved_rbp != FrameRule::kRbpUnchanged) {
      uint64_t at = (rule.saved_rbp == FrameRule::kRbpAtCfa ? cfa : rbp) + int64_t(rule.rbp_offset);
      if (!on_stack(at)) return 0;
      rbp = Load(at);
    }
    ip = Load(return_slot);
    if (ip == 0) return depth;  // the end of the stack, as libunwind sees it too
    slots[depth] = return_slot;
    sp = cfa;
  }
}

void ForgetFrameRules() {
  // Inserts are short; the holder is another thread (dlclose is not called from a handler that
  // could have interrupted an insert on this one).
  while (g_insert_lock.test_and_set(std::memory_order_acquire)) syscall(SYS_sched_yield);
  if (RuleTable* table = g_rules.load(std::memory_order_relaxed)) {
    RuleSlot* slots = table->slots();
    for (uint64_t i = 0; i < table->capacity; ++i) {
      slots[i].return_address.store(0, std::memory_order_relaxed);
      slots[i].rule.store(0, std::memory_order_relaxed);
    }
    table->used = 0;
  }
  g_insert_lock.clear(std::memory_order_release);
}

void ResetFrameRuleLock() {
  g_insert_lock.clear(std::memory_order_relaxed);
}

void FixFrameRuleTables() {
  // The first table now, if there is none yet; none ever after.
  while (g_insert_lock.test_and_set(std::memory_order_acquire)) syscall(SYS_sched_yield);
  if (g_rules.load(std::memory_order_relaxed) == nullptr) {
    if (RuleTable* table = NewTable(kInitialCapacity)) {
      g_rules.store(table, std::memory_order_release);
    }
  }
  g_tables_fixed.store(true, std::memory_order_relaxed);
  g_insert_lock.clear(std::memory_order_release);
}

}  // namespace memwrap::shim
