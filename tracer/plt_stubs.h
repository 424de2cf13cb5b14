// The PLT stubs of an executable: where each one is, the GOT slot it jumps through, and the
// function its JUMP_SLOT relocation names. ltracedrv -p puts its breakpoints on them
// (tracer/plt_breakpoints.h). Read from the ELF file with libelf; addresses are link-time
// (add the load bias for a PIE).
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace memwrap {

struct PltStub {
  uint64_t stub = 0;  // first byte of the stub (.plt.sec entry, or .plt entry after PLT0)
  uint64_t slot = 0;  // the GOT slot its `jmp *slot(%rip)` reads
  std::string name;   // the function (the JUMP_SLOT relocation's symbol)
};

struct PltStubs {
  std::vector<PltStub> stubs;
  uint64_t entry = 0;  // e_entry, to compute the load bias from AT_ENTRY
  std::string soname;  // DT_SONAME, "" when it has none
};

// Reads `path`'s stubs. "" or a one-line reason (not ELF, not x86_64, no .rela.plt, ...).
// A stub whose code is not the expected indirect jump is left out (never breakpointed).
std::string ReadPltStubs(const std::string& path, PltStubs* out);

}  // namespace memwrap
