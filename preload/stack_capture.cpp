#include "preload/stack_capture.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "preload/cfi_unwinder.h"
#include "preload/runtime_code.h"
#include "preload/shim_memory.h"
#include "preload/stack_table.h"

namespace memwrap::shim {
namespace {

constexpr uint32_t kCacheEntries = 256;  // per thread, direct-mapped
constexpr uint32_t kCacheFrames = 64;    // chains deeper than this are not cached
constexpr uint32_t kProgramFrameUnknown = UINT32_MAX;

struct CachedChain {
  uint64_t return_address;  // key (0: empty entry)
  uint64_t stack_pointer;   // key
  StackId id;
  uint32_t depth;
  // Index of the first frame outside the runtime (depth: none), or kProgramFrameUnknown until
  // FirstProgramFrame first looks.
  uint32_t program_frame;
  uint64_t ips[kCacheFrames];
  uint32_t slot_offsets[kCacheFrames];  // frame i's return address is at stack_pointer + offset
};

struct ThreadCache {
  CachedChain entries[kCacheEntries];
};

StackTable g_table;
uint32_t g_max_depth = 64;
uint64_t g_shim_begin = 0, g_shim_end = 0;
PublishStack g_publish = nullptr;
pthread_key_t g_cache_key;

__thread ThreadCache* t_cache __attribute__((tls_model("initial-exec")));

// A thread's cache after its key destructor ran: the thread is exiting, and destructors of
// other keys may still allocate; they unwind without a cache.
ThreadCache* const kCacheGone = reinterpret_cast<ThreadCache*>(uintptr_t{1});

void UnmapCache(void* cache) {
  if (cache != nullptr && cache != kCacheGone) UnmapShimMemory(cache, sizeof(ThreadCache));
}

// The key destructor runs on the exiting thread itself, so it may reset that thread's pointer.
void FreeCache(void* cache) {
  UnmapCache(cache);
  t_cache = kCacheGone;
}

// AvoidSystemCallsInStackCapture() was called.
std::atomic<bool> g_no_system_calls{false};

ThreadCache* Cache() {
  if (t_cache == kCacheGone) return nullptr;
  if (t_cache == nullptr) {
    if (g_no_system_calls.load(std::memory_order_relaxed)) return nullptr;  // mmap is one
    t_cache = static_cast<ThreadCache*>(MapShimMemory(sizeof(ThreadCache)));
    // The key's destructor unmaps it when the thread exits. Our key is created at startup,
    // so its index is small and pthread_setspecific needs no allocation.
    if (t_cache != nullptr) pthread_setspecific(g_cache_key, t_cache);
  }
  return t_cache;
}

uint32_t CacheIndex(const CallerContext& caller) {
  uint64_t h = caller.return_address * 0x9e3779b97f4a7c15ull ^ caller.stack_pointer;
  h ^= h >> 29;
  return uint32_t(h) & (kCacheEntries - 1);
}

// Re-checks a cached chain's innermost `frames` frames against the live stack (see
// stack_capture.h).
bool StillOnStack(const CachedChain& chain, uint32_t frames) {
  for (uint32_t i = 1; i < frames; ++i) {
    const auto* slot =
        reinterpret_cast<const uint64_t*>(chain.stack_pointer + chain.slot_offsets[i]);
    if (*slot != chain.ips[i]) return false;
  }
  return true;
}

bool InShim(uint64_t ip) {
  return ip >= g_shim_begin && ip < g_shim_end;
}

// The libunwind unwind, for stacks CfiUnwind cannot follow. Fills ips (program frames only, caller
// first) and, for each frame after the first, where on the stack its return address was found.
// Returns the depth.
uint32_t Unwind(const CallerContext& caller, uint64_t* ips, uint64_t* slots) {
  unw_context_t context;
  unw_cursor_t cursor;
  if (unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0) return 0;
  uint32_t depth = 0;
  bool in_program = false;
  do {
    unw_word_t ip = 0, sp = 0;
    if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
    unw_get_reg(&cursor, UNW_REG_SP, &sp);
    if (!in_program) {
      if (InShim(ip)) continue;
      in_program = true;
      // The first program frame must be the caller we were told about; otherwise the
      // unwinder lost its way in our own frames and nothing below can be trusted.
      if (ip != caller.return_address) return 0;
    }
    ips[depth] = ip;
    slots[depth] = sp - 8;  // x86-64: the return address sits just below the caller's frame
    if (++depth == g_max_depth) break;
  } while (unw_step(&cursor) > 0);
  return depth;
}

}  // namespace

bool InitStackCapture(uint32_t max_depth, uint64_t shim_begin, uint64_t shim_end,
                      PublishStack publish) {
  g_max_depth = max_depth < 1 ? 1 : max_depth > kMaxStackDepth ? kMaxStackDepth : max_depth;
  g_shim_begin = shim_begin;
  g_shim_end = shim_end;
  g_publish = publish;
  // Cache unwind info per thread inside libunwind too: full unwinds (cache misses) then cost
  // a few hundred ns per frame instead of re-reading DWARF each time.
  unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
  return g_table.Init() && pthread_key_create(&g_cache_key, FreeCache) == 0;
}

void ResetStackCapture() {
  ResetFrameRuleLock();
  UnmapCache(t_cache);
  t_cache = nullptr;
  pthread_setspecific(g_cache_key, nullptr);
  g_table.Reset();
}

uint64_t StacksNotInterned() {
  return g_table.overflowed();
}

void PrepareThreadStackCache() {
  Cache();
}

void AvoidSystemCallsInStackCapture() {
  FixFrameRuleTables();
  // The runtime's code ranges are read now (dl_iterate_phdr may wait on the loader's lock).
  IsRuntimeCode(0);
  g_no_system_calls.store(true, std::memory_order_relaxed);
}

namespace {

// The chain cached under `caller`'s key, not yet checked against the stack.
CachedChain* CachedChainAt(ThreadCache* cache, const CallerContext& caller) {
  if (cache == nullptr) return nullptr;
  CachedChain* entry = &cache->entries[CacheIndex(caller)];
  if (entry->return_address == caller.return_address &&
      entry->stack_pointer == caller.stack_pointer) {
    return entry;
  }
  return nullptr;
}

// A full unwind: the shim's CFI unwinder, else libunwind (unless system calls must be avoided).
uint32_t UnwindChain(const CallerContext& caller, uint64_t* frames, uint64_t* slots) {
  uint32_t depth = CfiUnwind({caller.return_address, caller.stack_pointer, caller.frame_pointer},
                             frames, slots, g_max_depth);
  if (depth == 0 && !g_no_system_calls.load(std::memory_order_relaxed)) {
    depth = Unwind(caller, frames, slots);
  }
  return depth;
}

// Remembers an unwound chain in `entry` (kNoStack: not interned, so CaptureStack does not take
// it), when every slot lies within 4 GiB above the caller's stack pointer (a chain that
// crosses to another stack, e.g. out of a signal handler, is not cached).
void RememberChain(CachedChain* entry, const CallerContext& caller, StackId id,
                   const uint64_t* frames, const uint64_t* slots, uint32_t depth) {
  if (entry == nullptr || depth > kCacheFrames) return;
  for (uint32_t i = 1; i < depth; ++i) {
    if (slots[i] < caller.stack_pointer || slots[i] - caller.stack_pointer > UINT32_MAX) return;
  }
  entry->return_address = 0;  // invalid while it is rewritten
  entry->stack_pointer = caller.stack_pointer;
  entry->id = id;
  entry->depth = depth;
  entry->program_frame = kProgramFrameUnknown;
  for (uint32_t i = 0; i < depth; ++i) {
    entry->ips[i] = frames[i];
    entry->slot_offsets[i] = uint32_t(slots[i] - caller.stack_pointer);
  }
  entry->return_address = caller.return_address;
}

// The index of the first frame outside the runtime; `depth` when there is none.
uint32_t FirstOutsideRuntime(const uint64_t* frames, uint32_t depth) {
  for (uint32_t i = 0; i < depth; ++i) {
    if (!IsRuntimeCode(frames[i])) return i;
  }
  return depth;
}

}  // namespace

StackId CaptureStack(const CallerContext& caller) {
  ThreadCache* cache = Cache();
  const CachedChain* cached = CachedChainAt(cache, caller);
  if (cached != nullptr && cached->id != kNoStack && StillOnStack(*cached, cached->depth)) {
    return cached->id;
  }

  alignas(8) uint8_t record[sizeof(StackRecord) + kMaxStackDepth * sizeof(uint64_t)];
  auto* frames = reinterpret_cast<uint64_t*>(record + sizeof(StackRecord));
  uint64_t slots[kMaxStackDepth];
  const uint32_t depth = UnwindChain(caller, frames, slots);
  if (depth == 0) return kNoStack;

  bool must_send = false;
  StackId id = g_table.Intern(frames, depth, &must_send);
  if (must_send) {
    auto* stack = reinterpret_cast<StackRecord*>(record);
    stack->h = {uint32_t(sizeof(StackRecord) + depth * sizeof(uint64_t)),
                uint16_t(RecordType::kStack), 0};
    stack->id = id;
    stack->depth = depth;
    if (!g_publish(record, stack->h.size)) {
      // Not sent (a full ring in drop mode): the next capture of this stack tries again, so
      // it is not cached; this event keeps the id, which resolves if a later send succeeds.
      g_table.MarkUnsent(id);
      return id;
    }
  }
  if (id != kNoStack && cache != nullptr) {
    RememberChain(&cache->entries[CacheIndex(caller)], caller, id, frames, slots, depth);
  }
  return id;
}

namespace {

// The index of the first program frame of a cached chain if its frames up to that one are
// still on the stack (only they decide which frame it is); kProgramFrameUnknown otherwise.
uint32_t ValidProgramFrame(CachedChain* cached) {
  if (cached->program_frame == kProgramFrameUnknown) {
    cached->program_frame = FirstOutsideRuntime(cached->ips, cached->depth);
  }
  const uint32_t index = cached->program_frame;
  return StillOnStack(*cached, index < cached->depth ? index + 1 : cached->depth)
             ? index
             : kProgramFrameUnknown;
}

}  // namespace

uint64_t CachedProgramFrame(const CallerContext& caller) {
  ThreadCache* cache = t_cache;  // no mapping made here
  if (cache == nullptr || cache == kCacheGone) return 0;
  CachedChain* cached = CachedChainAt(cache, caller);
  if (cached == nullptr || cached->program_frame == kProgramFrameUnknown) return 0;
  const uint32_t index = ValidProgramFrame(cached);
  return index != 0 && index < cached->depth ? cached->ips[index] : 0;
}

uint64_t FirstProgramFrame(const CallerContext& caller) {
  ThreadCache* cache = Cache();
  CachedChain* cached = CachedChainAt(cache, caller);
  if (cached != nullptr) {
    const uint32_t index = ValidProgramFrame(cached);
    if (index != kProgramFrameUnknown) return index < cached->depth ? cached->ips[index] : 0;
  }
  uint64_t frames[kMaxStackDepth];
  uint64_t slots[kMaxStackDepth];
  const uint32_t depth = UnwindChain(caller, frames, slots);
  if (depth == 0) return 0;
  if (cache != nullptr) {
    RememberChain(&cache->entries[CacheIndex(caller)], caller, kNoStack, frames, slots, depth);
  }
  const uint32_t index = FirstOutsideRuntime(frames, depth);
  return index < depth ? frames[index] : 0;
}

}  // namespace memwrap::shim
