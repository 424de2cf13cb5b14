// Offline symbolizer: turns (pid, return address) recorded by the shim into source frames,
// using elfutils libdwfl on the ELF files named in the trace's module records. Runs in the
// analyzer, possibly long after the traced process exited, so nothing is read from /proc.
//
// Not thread-safe: one Symbolizer per thread (libdwfl handles are not thread-safe either).
#pragma once

#include <stdint.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace memwrap {

struct SourceFrame {
  std::string function;  // demangled (abi::__cxa_demangle); "??" when unknown
  std::string file;      // source file path as in DWARF; "" when unknown
  uint32_t line = 0;     // 0 when unknown
  std::string module;    // basename of the ELF object; "" when the address is in no module
  bool inlined = false;  // true for a frame that the compiler inlined into its caller
  // Where the call is: the ELF virtual address within `module` (the runtime address minus the
  // load bias), or the runtime address itself when it lies in no known module. Lets frames
  // without symbols still be told apart (and looked up later with addr2line).
  uint64_t address = 0;
};

struct LoadedModule {
  uint64_t base = 0;                                    // load bias (dlpi_addr)
  std::vector<std::pair<uint64_t, uint64_t>> segments;  // PT_LOAD (p_vaddr, p_memsz)
  std::string build_id;                                 // raw bytes, may be empty
  std::string path;
};

// Opens the ELF and DWARF files of modules on a thread of its own while the caller does other
// work (the report's replay): inflating compressed debug sections (Debian's -dbgsym files) is
// most of a report's symbolization time. A Symbolizer given it takes the files opened here
// instead of opening them itself; its answers are the same either way.
class DebugInfoPreloader {
 public:
  DebugInfoPreloader();
  ~DebugInfoPreloader();  // waits for the thread, closes what no Symbolizer took
  DebugInfoPreloader(const DebugInfoPreloader&) = delete;
  DebugInfoPreloader& operator=(const DebugInfoPreloader&) = delete;

  // Starts opening the files of these modules (the first call only; later ones are ignored).
  void Start(const std::vector<LoadedModule>& modules);

 private:
  friend class Symbolizer;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Symbolizer {
 public:
  Symbolizer();
  // Takes the files `preloaded` opened (nullptr: opens every file itself). `preloaded` must
  // outlive the Symbolizer.
  explicit Symbolizer(DebugInfoPreloader* preloaded);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // Modules of one address space (`pid`: any id the caller uses for one process image). May be
  // called any number of times per id;
  // a module whose segment starts where an earlier one's did replaces it (dlclose + dlopen).
  void AddModule(uint32_t pid, const LoadedModule& module);

  // Source frames of one RETURN address (so address - 1 is looked up): the innermost inlined
  // function first, then each function it was inlined into, ending with the real (out-of-line)
  // function. Never empty. Cached by (module file identity, offset) across pids: the same
  // library in two processes is resolved once (identity: the build-id when the trace has one,
  // else the path; with the file name, which frames carry). The reference stays valid for the
  // Symbolizer's life.
  const std::vector<SourceFrame>& Symbolize(uint32_t pid, uint64_t return_address);

  // The module name Symbolize would give the frames of this return address ("" outside every
  // module), found without opening or reading any file. Valid until the next AddModule.
  const std::string& ModuleOf(uint32_t pid, uint64_t return_address) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  // keeps libdwfl's headers out of this one
  DebugInfoPreloader* preloaded_ = nullptr;
};

}  // namespace memwrap
