#include "preload_locator.h"

#include <limits.h>
#include <unistd.h>

#include <vector>

#ifndef MEMWRAP_PRELOAD_INSTALL_RELPATH
#error "the build must define MEMWRAP_PRELOAD_INSTALL_RELPATH (bin dir -> preload library)"
#endif

namespace memwrap {

std::string FindPreloadLibrary(std::string* tried) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) {
    *tried = "(cannot read /proc/self/exe)";
    return "";
  }
  std::string dir(exe, size_t(n));
  dir = dir.substr(0, dir.rfind('/'));
  const std::vector<std::string> candidates = {
      dir + "/libmemwrap_preload.so",                        // build tree
      dir + "/" + MEMWRAP_PRELOAD_INSTALL_RELPATH,           // installed tree
  };
  tried->clear();
  for (const auto& candidate : candidates) {
    if (access(candidate.c_str(), R_OK) == 0) {
      char resolved[PATH_MAX];
      if (realpath(candidate.c_str(), resolved) != nullptr) return resolved;
      return candidate;
    }
    *tried += (tried->empty() ? "" : ", ") + candidate;
  }
  return "";
}

}  // namespace memwrap
