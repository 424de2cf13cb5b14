#include "tracer/preload_locator.h"

#include <limits.h>
#include <unistd.h>

#include <vector>

#ifndef MEMWRAP_PRELOAD_INSTALL_RELPATH
#error "the build must define MEMWRAP_PRELOAD_INSTALL_RELPATH (bin dir -> preload library)"
#endif

namespace memwrap {

namespace {

std::string FindBesideMemwrap(const std::string& name, std::string* tried) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) {
    *tried = "(cannot read /proc/self/exe)";
    return "";
  }
  std::string dir(exe, size_t(n));
  // MEMWRAP_PRELOAD_INSTALL_RELPATH without its file name: the installed library directory.
  const std::string installed = MEMWRAP_PRELOAD_INSTALL_RELPATH;
  const std::string installed_dir = installed.substr(0, installed.rfind('/') + 1);
  dir = dir.substr(0, dir.rfind('/'));
  const std::vector<std::string> candidates = {
      dir + "/" + name,                  // build tree
      dir + "/" + installed_dir + name,  // installed tree
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

}  // namespace

std::string FindPreloadLibrary(std::string* tried) {
  return FindBesideMemwrap("libmemwrap_preload.so", tried);
}

std::string FindAuditLibrary(std::string* tried) {
  return FindBesideMemwrap("libmemwrap_audit.so", tried);
}

}  // namespace memwrap
