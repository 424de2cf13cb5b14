// Library calls from objects relocated without lazy binding: objects loaded with
// dlopen(RTLD_NOW) -- Python's extension modules, most plugins -- or anything under
// LD_BIND_NOW. The dynamic linker resolves their PLT slots at load time and never sends their
// calls through the audit trampoline; it calls la_symbind for each slot (glibc 2.35+) and
// stores whatever address la_symbind returns.
//
// For a traced function we return a stub that does what a lazy PLT slot does: push the
// relocation's index and the caller's link_map, and jump to the dynamic linker's audit
// trampoline (_dl_runtime_profile, read from the GOT of an object that was set up lazily).
// From there glibc resolves the call as for any lazy slot (la_symbind, la_pltenter,
// la_pltexit, with its own unwind information). Untraced functions keep their direct binding.
//
// The stubs live in a memfd mapped twice, writable and executable, never both at once.
#pragma once

#include <link.h>
#include <stdint.h>

namespace memwrap::audit {

// The address of a stub for `caller`'s JUMP_SLOT relocation of `symbol`, or 0 when there is
// none to make (no such relocation, no lazily set up object to find the trampoline in, no
// room). `objects` are the link maps known so far (any order; the first is the program).
uint64_t BindNowStub(struct link_map* caller, const char* symbol, struct link_map* const* objects,
                     uint32_t object_count);

}  // namespace memwrap::audit
