// The flame graphs of a trace's heap (memwrap plot): trees of call frames, each with the value
// of the stacks through it and the module (shared object or executable) its address lies in, as
// the trace's MODULE records place it, so the page can collapse the frames of one module (an
// interpreter, the runtime) by what they are rather than by what they are called.
#pragma once

#include <nlohmann/json.hpp>

namespace memwrap {

class HeapProfile;

// {"peak", "allocated", "allocations", "leaked"}: trees of {"n": name, "v": value, "m": module
// (an index into "modules"; absent when the address lies in no module), "c": [children]},
// children largest first; "modules": the modules' names (the ELF object's file name). Frames
// worth less than 1/5000 of their tree's total are left out (narrower than a pixel; their
// caller's value still counts them).
nlohmann::json BuildFlameTrees(HeapProfile& profile);

}  // namespace memwrap
