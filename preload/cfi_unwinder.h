// The shim's fast unwinder: steps from frame to frame with rules read once per return address
// from .eh_frame (eh_frame_reader.h) and kept in a process-wide cache, so an unwind costs a few
// loads per frame and no system call.
//
// Why not libunwind alone: its unw_step costs a few hundred ns per frame, and on programs with
// many distinct call sites (a compiler) its 128-entry per-thread cache misses often; every miss
// masks all signals around dl_iterate_phdr (two rt_sigprocmask system calls). On cc1plus that
// was most of the run. libunwind stays the fallback for any stack this unwinder cannot follow
// (FrameRule::kUnsupported), so the stacks found are the same.
#pragma once

#include <stdint.h>

namespace memwrap::shim {

// The registers of the innermost program frame, at the moment it made the call.
struct FrameRegisters {
  uint64_t ip;   // the return address of the call
  uint64_t sp;   // the stack pointer after the call returned (the callee's CFA)
  uint64_t rbp;  // the frame pointer register at the call
};

// Unwinds from `start`: ips[0] = start.ip, then each caller's return address, at most
// `max_depth`. slots[i] (i >= 1) is where ips[i] was read on the stack. Returns the depth, or
// 0 when some frame's rule is unsupported or a step leaves the plausible stack range: then
// the caller must unwind with libunwind.
uint32_t CfiUnwind(const FrameRegisters& start, uint64_t* ips, uint64_t* slots, uint32_t max_depth);

// dlclose: code may be unloaded and other code mapped at its addresses; forget every rule.
void ForgetFrameRules();

// In a forked child (one thread): the cache's insertion lock may have been held by a thread
// that does not exist in the child.
void ResetFrameRuleLock();

// Seccomp is coming: maps the rule cache's first table now if there is none, and never maps
// another (a full cache then leaves new rules uncached; each is read from .eh_frame again).
void FixFrameRuleTables();

}  // namespace memwrap::shim
