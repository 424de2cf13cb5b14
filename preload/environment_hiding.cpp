#include "preload/environment_hiding.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memwrap/handshake.h"

namespace memwrap::shim {
namespace {

bool StartsWith(const char* text, const char* prefix) {
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

// Whether the path `element` (not NUL-terminated, `length` bytes) names `file_name`.
bool NamesFile(const char* element, size_t length, const char* file_name) {
  const size_t name_length = strlen(file_name);
  if (length < name_length || memcmp(element + length - name_length, file_name, name_length) != 0) {
    return false;
  }
  return length == name_length || element[length - name_length - 1] == '/';
}

// In "NAME=a:b:c" (LD_PRELOAD also allows spaces between elements), removes every element
// naming `file_name`, in place. True when the value is left empty (drop the variable).
bool RemoveElements(char* entry, size_t name_length, const char* file_name) {
  char* value = entry + name_length;
  char* out = value;
  const char* in = value;
  while (*in != '\0') {
    const size_t length = strcspn(in, ": ");
    if (length != 0 && !NamesFile(in, length, file_name)) {
      if (out != value) *out++ = ':';
      memmove(out, in, length);
      out += length;
    }
    in += length;
    if (*in != '\0') ++in;  // the separator
  }
  *out = '\0';
  return out == value;
}

}  // namespace

void HideMemwrapVariables() {
  if (environ == nullptr) return;
  const char* restored = getenv(kEnvRestoredAtExec);
  if (restored == nullptr || strcmp(restored, "1") != 0) return;
  char** out = environ;
  for (char** in = environ; *in != nullptr; ++in) {
    char* entry = *in;
    if (StartsWith(entry, "MEMWRAP_")) continue;
    if (StartsWith(entry, "LD_PRELOAD=") &&
        RemoveElements(entry, strlen("LD_PRELOAD="), kShimFileName)) {
      continue;
    }
    if (StartsWith(entry, "LD_AUDIT=") &&
        RemoveElements(entry, strlen("LD_AUDIT="), kAuditFileName)) {
      continue;
    }
    *out++ = entry;
  }
  *out = nullptr;
}

}  // namespace memwrap::shim
