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
#include "preload/stack_capture.h"

namespace memwrap::shim {

enum class State : int {
  kUninitialised = 0,  // nothing intercepted yet (or no environment to read yet)
  kActive = 1,
  kDisabled = 2,  // no collector, or tracing stopped
  kStarting = 3,  // one thread is connecting: other threads' calls pass through, counted
};

extern std::atomic<int> g_state;

// Set while a hook records on this thread: allocations made meanwhile (by libunwind, or by a
// signal handler that interrupted the hook) pass through unrecorded and are counted.
extern __thread int t_in_hook __attribute__((tls_model("initial-exec")));

// Starts tracing at the first intercepted call, which may come long before the shim's
// constructor runs: other libraries' constructors run first (libstdc++'s exception pool, a
// plugin's tables). True when tracing is on afterwards.
bool StartAtFirstCall();

inline bool Active() {
  const int state = g_state.load(std::memory_order_relaxed);
  if (state == int(State::kActive)) return true;
  return state == int(State::kUninitialised) && StartAtFirstCall();
}

// The calling thread is about to enter seccomp (prctl(PR_SET_SECCOMP), seccomp_hooks.cpp):
// what it would set up with system calls at its next allocation (its thread id, its stack
// cache) is set up now, and from then on no thread's recording makes a system call (full
// ring: spin; no libunwind fallback, which masks signals; no new stack caches). `strict`: the
// thread is entering strict mode, in which it can read no clock either (x86 disables the TSC
// of a thread in strict mode, so the vDSO's clock_gettime faults): its records carry time 0
// from now on and the collector times them as it reads them.
void PrepareForSeccomp(bool strict);
// After PrepareForSeccomp(true): the thread did not enter strict mode after all (the call
// failed); it reads the clock again.
void SeccompStrictFailed();

// `caller_key`: where sampled mode counts the call (sampled_heap.h, TakeCallerKey); 0: the
// caller's return address.
void RecordAlloc(void* block, size_t size, AllocKind kind, const CallerContext& caller,
                 uint64_t caller_key = 0);
void RecordFree(void* block);
void RecordReallocBegin(void* old_block);
void RecordReallocEnd(void* old_block, void* new_block, size_t size, AllocKind kind,
                      const CallerContext& caller);

// Mappings (mapping_hooks.cpp), in the same order rules as the heap.
void RecordMmap(void* addr, size_t length, int prot, int flags, const CallerContext& caller);
void RecordMunmap(void* addr, size_t length);
void RecordMremapBegin(void* old_addr, size_t old_length, int flags);
void RecordMremapEnd(void* old_addr, size_t old_length, void* new_addr, size_t new_length,
                     int flags, const CallerContext& caller);
void RecordBrk(void* old_break, void* new_break, const CallerContext& caller);

// The socket to the collector (-1: none), which the program must not close or reuse
// (descriptor_hooks.cpp), and a way to give it another number when the program asks for this
// one (dup2 onto it): the caller then overwrites the old number.
int ShimSocket();
void MoveShimSocket();

// dlopen/dlclose changed the loaded objects: send the module map again (dl_hooks.cpp).
void RecordModulesChanged();

// memwrap_mark(name): a named point on the program's timeline (mark_hooks.cpp).
void RecordMark(const char* name);

}  // namespace memwrap::shim
