// Unwinds the native stack of a thread that the tracer holds in a ptrace stop, with elfutils
// libdwfl, for --stack-sample-rate / --pstack. Each process's module list and the DWARF/CFI
// libdwfl loads for it are kept between samples (a first unwind reads the ELF files, ~75 ms;
// cached ones cost ~23 us for 17 frames here), and rebuilt when the process execs or an
// unwound address lies in no known module (a library loaded since).
//
// Must be called from the tracing thread: libdwfl reads registers and memory with ptrace.
// Not thread-safe.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "memwrap/records.h"

namespace memwrap {

class StackSampler {
 public:
  StackSampler();
  ~StackSampler();
  StackSampler(const StackSampler&) = delete;
  StackSampler& operator=(const StackSampler&) = delete;

  // The stack of `tid` (a thread of `pid`, in a ptrace stop), innermost first, at most
  // `max_depth` frames, as return addresses: the interrupted instruction comes as its address
  // + 1, like every other frame is the address after a call, so the analyzer looks each up at
  // address - 1 (records.h STACK). False when nothing could be unwound.
  bool Unwind(pid_t pid, pid_t tid, uint32_t max_depth, std::vector<uint64_t>* frames);

  // strace -k's frame text for an address of `pid` unwound last: "/lib/libc.so.6(write+0x14)
  // [0x10e1b4]" (module path, function+offset, offset in the module), "?" parts when unknown.
  std::string Describe(pid_t pid, uint64_t address);

  // The process exec'd or exited: its address space is gone.
  void Forget(pid_t pid);

  // MODULE records (records.h) of every ELF object libdwfl found mapped in `pid` at the last
  // unwind, for processes whose shim did not report them (static binaries, no preload).
  std::vector<std::vector<uint8_t>> ModuleRecords(pid_t pid, uint64_t ts_ns);

 private:
  struct Process;
  Process* ProcessOf(pid_t pid, bool refresh);

  std::map<pid_t, std::unique_ptr<Process>> processes_;
};

}  // namespace memwrap
