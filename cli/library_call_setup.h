// What ltracedrv and memwrap run --ltrace share: checking the -e / --ltrace patterns, finding
// libmemwrap_audit.so, and the environment that loads it into the traced program
// (LD_AUDIT, MEMWRAP_LTRACE; docs/ltrace.md).
#pragma once

#include <string>
#include <vector>

#include "memwrap/ltrace_filter.h"

namespace memwrap {

// One filter expression as given on the command line: -e EXPR (kCaller), -x EXPR (kCallee),
// -l PATTERN (kCallee, "@PATTERN"); `option` names it in errors ("-e").
struct FilterExpression {
  ChainKind kind;
  std::string expression;
  std::string option;
};

// Checks the expressions as the audit library will read them (include/memwrap/ltrace_filter.h)
// and sets *serialised to the MEMWRAP_LTRACE value. "" or a one-line reason naming the option,
// the expression and the position ("-e 'a+!b': at character 3: ...").
std::string BuildLibraryCallFilter(const std::vector<FilterExpression>& expressions,
                                   std::string* serialised);

// Adds the audit library to `env` (LD_AUDIT extended, ours first, like LD_PRELOAD) with the
// filter (BuildLibraryCallFilter's `serialised`).
void AddLibraryCallTracing(std::vector<std::string>* env, const std::string& audit_library,
                           const std::string& filter);

// Prints a warning ("PROGRAM: ...") when the environment keeps library calls from being seen:
// under LD_BIND_NOW no object is bound lazily, so no call reaches the audit trampoline.
void WarnIfCallsHidden(const char* program);

// The audit library's path, or "" after printing why it is missing ("PROGRAM: ..." prefix).
std::string LocateAuditLibrary(const char* program);

}  // namespace memwrap
