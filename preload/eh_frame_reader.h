// Reads the unwind rule of one code address from the DWARF call frame information of the
// loaded object that holds it: .eh_frame_hdr's sorted table finds the FDE (as the C++
// runtime's unwinder and libunwind do), and the CIE's and FDE's instructions are run up to the
// address. Reads only the program's mapped, read-only segments; allocates nothing.
#pragma once

#include <stdint.h>

#include "preload/frame_rule.h"

namespace memwrap::shim {

// The rule in force at `pc` (for a return address, pass the address of the call: return
// address - 1). An unsupported rule when the address is in no loaded object, the object has
// no .eh_frame_hdr with a binary-search table, no FDE covers it, or its rule has a form
// FrameRule cannot express.
FrameRule ReadFrameRule(uint64_t pc);

// The same, from an .eh_frame_hdr section already found (exposed for tests).
FrameRule ReadFrameRuleFromHeader(const uint8_t* eh_frame_hdr, uint64_t pc);

}  // namespace memwrap::shim
