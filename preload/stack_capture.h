// Captures the program's call stack at a malloc-family call, as an interned StackId.
//
// A full unwind (libunwind, ~0.4-2 us) per allocation is most of the cost of tracing, and
// programs allocate from the same few call chains over and over. So each thread keeps a cache
// of chains it unwound, keyed by where the call came from: the return address into the
// caller and the caller's stack pointer at the call (not its frame pointer: optimised code uses
// that register for anything, so it would defeat the cache). A cached chain is reused
// only after checking it against the stack as it is now: every return address of the chain
// must still be in the stack slot it was read from. Frames cannot change without changing at
// least one of those slots, except in the one case docs/architecture.md describes (a
// variable-size frame above a constant-size part of the chain, re-entered at the very same
// depth), so a reused chain is the chain a full unwind would find. A miss costs one full
// unwind (cfi_unwinder.h, or libunwind for the stacks it cannot follow), which then fills the
// cache.
#pragma once

#include <stdint.h>

// The slot arithmetic here and in stack_capture.cpp (return address just below the caller's
// frame, 16 bytes above the hook's frame pointer) is the x86-64 calling convention.
#if !defined(__x86_64__)
#error "stack_capture assumes the x86-64 calling convention"
#endif

#include "memwrap/records.h"

namespace memwrap::shim {

// Where the interposed function was called from, taken in that function itself.
struct CallerContext {
  uint64_t return_address;  // into the program
  uint64_t stack_pointer;   // the program's stack pointer just before the call instruction
  uint64_t frame_pointer;   // the program's rbp at the call (saved by the hook's prologue)
};

// Inside an interposed function compiled with frame pointers: its frame holds the saved
// caller frame pointer, then the return address; above that starts the caller's frame.
#define MEMWRAP_CALLER_CONTEXT()                                       \
  ::memwrap::shim::CallerContext {                                     \
    reinterpret_cast<uint64_t>(__builtin_return_address(0)),           \
        reinterpret_cast<uint64_t>(__builtin_frame_address(0)) + 16,   \
        *reinterpret_cast<const uint64_t*>(__builtin_frame_address(0)) \
  }

// Publishes a newly interned stack (a complete STACK record); false if it could not be sent.
using PublishStack = bool (*)(const void* record, uint32_t size);

// Sets the unwinding limits and where new stacks go. Called once before tracing starts.
// `shim_begin`/`shim_end` bound the shim's own code, whose frames are never reported.
bool InitStackCapture(uint32_t max_depth, uint64_t shim_begin, uint64_t shim_end,
                      PublishStack publish);

// The interned id of the program's stack at `caller` (kNoStack if it could not be taken).
StackId CaptureStack(const CallerContext& caller);

// The return address of the innermost frame at `caller` that is not runtime code
// (preload/runtime_code.h), from the thread's cached chain or an unwind that interns nothing;
// 0 when the unwind fails or finds only runtime frames.
uint64_t FirstProgramFrame(const CallerContext& caller);

// FirstProgramFrame when the thread's cache holds the chain at `caller` with its first program
// frame found, and that frame is above `caller`'s own (the caller is runtime code); 0
// otherwise. No unwind, no system call: the hooks' fast path calls it.
uint64_t CachedProgramFrame(const CallerContext& caller);

// In a forked child (one thread): forgets every interned stack and the thread's cache, so the
// child's new trace stream sends its stacks again under fresh ids.
void ResetStackCapture();

uint64_t StacksNotInterned();

// Maps the calling thread's stack cache now, if it has none (seccomp is coming).
void PrepareThreadStackCache();
// From now on capture makes no system call: a thread without a cache unwinds without one,
// and a stack the CFI unwinder cannot follow is left out (kNoStack) rather than handed to
// libunwind, whose cache misses mask all signals (two rt_sigprocmask calls) and whose
// address checks call msync/mincore.
void AvoidSystemCallsInStackCapture();

}  // namespace memwrap::shim
