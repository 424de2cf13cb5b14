// How to step from one x86-64 stack frame to its caller's, for one code address, in the few
// forms compilers emit at call sites. It is read from the DWARF call frame information in
// .eh_frame (eh_frame_reader.h) and applied by the shim's unwinder (cfi_unwinder.h).
//
// The rule is what libunwind would compute for that address (dwarf/Gparser.c apply_reg_state
// and x86_64/Gstep.c in libunwind 1.6), restricted to what can be applied with three registers:
// the instruction pointer, the stack pointer and the frame pointer. Anything else (signal
// frames, expressions other than the stack-realignment one, a CFA in another register, a saved
// frame pointer in another register) is "unsupported", and the caller unwinds that stack with
// libunwind instead, so the stacks found are the same either way.
#pragma once

#include <stdint.h>

namespace memwrap::shim {

struct FrameRule {
  // The canonical frame address (CFA: the caller's stack pointer after the call returns).
  enum Cfa : uint8_t {
    kUnsupported = 0,  // an all-zero rule: unwind this stack with libunwind
    kRspPlus = 1,      // CFA = rsp + cfa_offset
    kRbpPlus = 2,      // CFA = rbp + cfa_offset
    kLoadRbpPlus = 3,  // CFA = *(rbp + cfa_offset): a function that realigned its stack (DRAP)
    // The return address (or the saved frame pointer) is marked undefined: this frame is the
    // outermost one (e.g. _start, a thread's clone), and the stack ends after it.
    kOutermost = 4,
  };
  // Where the caller's frame pointer is.
  enum SavedRbp : uint8_t {
    kRbpUnchanged = 0,  // not saved: the caller's rbp is this frame's
    kRbpAtCfa = 1,      // at CFA + rbp_offset
    kRbpAtRbp = 2,      // at rbp + rbp_offset (this frame's rbp; the realignment form)
  };

  uint8_t cfa = kUnsupported;
  uint8_t saved_rbp = kRbpUnchanged;
  int8_t return_address_offset = 0;  // the return address is at CFA + this
  int8_t rbp_offset = 0;
  int32_t cfa_offset = 0;

  bool supported() const { return cfa != kUnsupported; }

  // Rules travel through the unwinder's lock-free cache as one 64-bit word.
  uint64_t Pack() const { return __builtin_bit_cast(uint64_t, *this); }
  static FrameRule Unpack(uint64_t word) { return __builtin_bit_cast(FrameRule, word); }
};
static_assert(sizeof(FrameRule) == 8, "a rule is one word of the unwinder's cache");

}  // namespace memwrap::shim
