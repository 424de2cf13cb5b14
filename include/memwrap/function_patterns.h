// Which functions to trace: MEMWRAP_LTRACE holds comma-separated patterns, each `function`,
// `library:function`, or globs of either (`libz*:deflate*`, `readdir*`). A library pattern
// matches the basename of the defining object (`libc.so.6`); a plain name without glob
// characters also matches its versioned file (`libc.so` matches `libc.so.6`).
//
// Header-only and heap-free: used by the audit library (inside the traced process) and by the
// command line, which validates -e before anything runs.
#pragma once

#include <fnmatch.h>
#include <stddef.h>
#include <string.h>

namespace memwrap {

inline constexpr size_t kMaxFunctionPatterns = 64;
inline constexpr size_t kMaxPatternText = 4096;

class FunctionPatterns {
 public:
  // Parses `text`; false (with *error set to a reason) when it is empty or malformed.
  bool Parse(const char* text, const char** error) {
    count_ = 0;
    size_t length = text != nullptr ? strnlen(text, kMaxPatternText) : 0;
    if (length == 0) return Fail(error, "no pattern");
    if (length == kMaxPatternText) return Fail(error, "patterns longer than 4095 bytes");
    memcpy(text_, text, length);
    text_[length] = '\0';
    char* start = text_;
    for (;;) {
      char* comma = strchr(start, ',');
      if (comma != nullptr) *comma = '\0';
      if (*start == '\0') return Fail(error, "an empty pattern (two commas, or one at an end)");
      if (count_ == kMaxFunctionPatterns) return Fail(error, "more than 64 patterns");
      Pattern& pattern = patterns_[count_++];
      char* colon = strchr(start, ':');
      if (colon != nullptr) {
        *colon = '\0';
        pattern.library = start;
        pattern.function = colon + 1;
        if (*pattern.library == '\0' || *pattern.function == '\0' || strchr(pattern.function, ':')) {
          return Fail(error, "a pattern is function or library:function");
        }
      } else {
        pattern.library = nullptr;
        pattern.function = start;
      }
      if (comma == nullptr) break;
      start = comma + 1;
    }
    return true;
  }

  // Could any function of the object at `path` match? (Its basename is compared.)
  bool MayMatchLibrary(const char* path) const {
    const char* base = Basename(path);
    for (size_t i = 0; i < count_; ++i) {
      if (patterns_[i].library == nullptr || LibraryMatches(patterns_[i].library, base)) return true;
    }
    return false;
  }

  bool Matches(const char* library_path, const char* function) const {
    const char* base = Basename(library_path);
    for (size_t i = 0; i < count_; ++i) {
      const Pattern& pattern = patterns_[i];
      if (pattern.library != nullptr && !LibraryMatches(pattern.library, base)) continue;
      if (fnmatch(pattern.function, function, 0) == 0) return true;
    }
    return false;
  }

 private:
  struct Pattern {
    const char* library;  // nullptr: any
    const char* function;
  };

  static bool Fail(const char** error, const char* reason) {
    if (error != nullptr) *error = reason;
    return false;
  }

  static const char* Basename(const char* path) {
    if (path == nullptr) return "";
    const char* slash = strrchr(path, '/');
    return slash != nullptr ? slash + 1 : path;
  }

  static bool LibraryMatches(const char* pattern, const char* base) {
    if (fnmatch(pattern, base, 0) == 0) return true;
    const size_t length = strlen(pattern);
    return strncmp(pattern, base, length) == 0 && base[length] == '.';
  }

  char text_[kMaxPatternText] = {};
  Pattern patterns_[kMaxFunctionPatterns] = {};
  size_t count_ = 0;
};

}  // namespace memwrap
