// What ltracedrv and memwrap run --ltrace share: checking the -e / --ltrace patterns, finding
// libmemwrap_audit.so, and the environment that loads it into the traced program
// (LD_AUDIT, MEMWRAP_LTRACE; docs/ltrace.md).
#pragma once

#include <string>
#include <vector>

namespace memwrap {

// "" when `patterns` is a valid MEMWRAP_LTRACE value, else a one-line reason.
std::string CheckLibraryPatterns(const std::string& patterns);

// Adds the audit library to `env` (LD_AUDIT extended, ours first, like LD_PRELOAD) with the
// patterns; `main_only`: only calls made by the main program (ltrace's default without -e).
void AddLibraryCallTracing(std::vector<std::string>* env, const std::string& audit_library,
                           const std::string& patterns, bool main_only);

// Prints a warning ("PROGRAM: ...") when the environment keeps library calls from being seen:
// under LD_BIND_NOW no object is bound lazily, so no call reaches the audit trampoline.
void WarnIfCallsHidden(const char* program);

// The audit library's path, or "" after printing why it is missing ("PROGRAM: ..." prefix).
std::string LocateAuditLibrary(const char* program);

}  // namespace memwrap
