// Finds a program the tests check memwrap's output with (go, ms_print, chromium). A test whose
// tool is missing is skipped with the reason, never passed: .ci/install-deps installs them.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <sstream>
#include <string>

namespace memwrap::test_support {

// The path of `name` in PATH, or "" when it is not installed.
inline std::string FindTool(const std::string& name) {
  const char* path = getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace memwrap::test_support

// Skips the test when `tool` is missing, naming the Debian package that provides it.
#define MEMWRAP_REQUIRE_TOOL(variable, tool, package)                   \
  const std::string variable = ::memwrap::test_support::FindTool(tool); \
  if (variable.empty()) {                                               \
    GTEST_SKIP() << tool " is not installed (Debian package " package   \
                         "; .ci/install-deps installs it)";             \
  }
