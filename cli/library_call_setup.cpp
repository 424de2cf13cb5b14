#include "cli/library_call_setup.h"

#include <stdio.h>
#include <stdlib.h>

#include <memory>

#include "memwrap/handshake.h"
#include "memwrap/ltrace_filter.h"
#include "tracer/preload_locator.h"

namespace memwrap {

std::string BuildLibraryCallFilter(const std::vector<FilterExpression>& expressions,
                                   std::string* serialised) {
  auto filter = std::make_unique<LtraceFilter>();  // large (it keeps its text): not on the stack
  serialised->clear();
  for (const FilterExpression& item : expressions) {
    char error[512];
    const std::string shown = item.option + " '" + item.expression + "'";
    if (item.expression.find_first_of(std::string("\n\0", 2)) != std::string::npos) {
      return shown + ": a newline or NUL in an expression";
    }
    if (!filter->AddChain(item.kind, item.expression.c_str(), error, sizeof(error))) {
      return shown + ": " + error;
    }
    if (!serialised->empty()) *serialised += "\n";
    *serialised += (item.kind == ChainKind::kCaller ? "e " : "x ") + item.expression;
  }
  if (serialised->size() >= kMaxFilterText) return "the filter expressions are too long";
  return "";
}

void AddLibraryCallTracing(std::vector<std::string>* env, const std::string& audit_library,
                           const std::string& filter) {
  std::string audit = audit_library;
  for (auto it = env->begin(); it != env->end();) {
    const std::string key = it->substr(0, it->find('='));
    if (key == "LD_AUDIT") {
      const std::string existing = it->substr(key.size() + 1);
      if (!existing.empty()) audit += ":" + existing;
    }
    if (key == "LD_AUDIT" || key == kEnvLtrace) {
      it = env->erase(it);
    } else {
      ++it;
    }
  }
  env->push_back("LD_AUDIT=" + audit);
  env->push_back(std::string(kEnvLtrace) + "=" + filter);
}

void WarnIfCallsHidden(const char* program) {
  const char* bind_now = getenv("LD_BIND_NOW");
  if (bind_now != nullptr && bind_now[0] != '\0') {
    fprintf(stderr,
            "%s: LD_BIND_NOW is set: the dynamic linker binds every call at load time, "
            "and no library call can be seen (unset it to trace them)\n",
            program);
  }
}

std::string LocateAuditLibrary(const char* program) {
  std::string tried;
  std::string library = FindAuditLibrary(&tried);
  if (library.empty()) {
    fprintf(stderr, "%s: cannot find libmemwrap_audit.so (looked at %s)\n", program, tried.c_str());
    return "";
  }
  if (library.find_first_of(": ") != std::string::npos) {
    fprintf(stderr,
            "%s: the audit library path '%s' contains ':' or ' ', which LD_AUDIT cannot "
            "carry; install memwrap elsewhere\n",
            program, library.c_str());
    return "";
  }
  return library;
}

}  // namespace memwrap
