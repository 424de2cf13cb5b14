// The shim's core: connection state, the ring, and one recorder per heap event. The exported
// malloc-family functions (malloc_hooks.cpp) stay thin and call these.
//
// Contract with the traced program: never crash, never deadlock, never allocate through the
// hooked heap, never change a result. On any trouble the shim stops tracing with one notice
// on stderr and the program carries on untraced.
#pragma once

#include <stddef.h>

#include <atomic>

#include "memwrap/records.h"
#include "stack_capture.h"

namespace memwrap::shim {

enum class State : int {
  kUninitialised = 0,  // before the constructor: calls pass through unrecorded
  kActive = 1,
  kDisabled = 2,  // no collector, or tracing stopped
};

extern std::atomic<int> g_state;

inline bool Active() { return g_state.load(std::memory_order_relaxed) == int(State::kActive); }

void RecordAlloc(void* block, size_t size, AllocKind kind, const CallerContext& caller);
void RecordFree(void* block);
void RecordReallocBegin(void* old_block);
void RecordReallocEnd(void* old_block, void* new_block, size_t size, AllocKind kind,
                      const CallerContext& caller);

}  // namespace memwrap::shim
