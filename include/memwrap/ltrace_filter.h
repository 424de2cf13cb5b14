// Which library calls to trace, in ltrace's filter language (ltrace(1), "FILTER EXPRESSIONS";
// docs/ltrace.md): chains of rules `[+-][symbol_pattern][@library_pattern]`, each pattern a
// glob (`*`, `?`, `[...]`, `^`/`$` anchors) or a /regular expression/, `@MAIN` for the main
// program, `@/path` for a path glob, `!` at the start for `-`.
//
// A filter holds several chains, each of one kind:
//  * kCaller (-e): the library pattern names the object that makes the call (whose PLT the
//    call goes through, as in ltrace): `-e malloc` is malloc called from anywhere, `-e @MAIN`
//    every call the program itself makes (ltrace's default).
//  * kCallee (-x, -l): the library pattern names the object that defines the function:
//    `-x deflate*@libz.so*`, `-l libz.so*` (= `-x @libz.so*`).
// A call is traced when any chain marks it. Within a chain a symbol starts unmarked; each rule
// that matches it marks it (+) or unmarks it (-); a chain whose first rule is `-` starts with an
// implicit `*@*`.
//
// memwrap's extension: `,` separates rules like `+` (ltrace would read `malloc,free` as one
// name and trace nothing). Everything else that ltrace would not read the same way is refused
// with its position: a `!` inside an expression, memwrap's former `library:function` form,
// an empty expression or pattern, an invalid regular expression.
//
// Serialised for the audit library (MEMWRAP_LTRACE) as one chain per line: "e EXPR", "x EXPR".
// Used by the command line (which checks the expressions before anything runs) and by the
// audit library (inside the traced process): fixed-size storage, no C++ library; regular
// expressions are compiled with regcomp(3) (the audit library's own libc).
#pragma once

#include <fnmatch.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

namespace memwrap {

inline constexpr size_t kMaxFilterChains = 16;
inline constexpr size_t kMaxFilterRules = 64;
inline constexpr size_t kMaxFilterText = 4096;

enum class ChainKind : unsigned char { kCaller, kCallee };

// The object a call comes from or goes to, as the filter sees it.
struct FilterObject {
  const char* path;    // full path ("" unknown)
  const char* soname;  // DT_SONAME, or the path's basename when it has none
  bool main;           // the main program (@MAIN)
};

class LtraceFilter {
 public:
  LtraceFilter() = default;
  LtraceFilter(const LtraceFilter&) = delete;
  LtraceFilter& operator=(const LtraceFilter&) = delete;
  ~LtraceFilter() { Clear(); }

  // Adds one chain. False with `error` (a one-line reason that names the position, 1-based)
  // when the expression is not one this filter reads as ltrace does.
  bool AddChain(ChainKind kind, const char* expression, char* error, size_t error_size) {
    const size_t length = expression != nullptr ? strlen(expression) : 0;
    if (length == 0) return Fail(error, error_size, 0, "an empty expression traces nothing");
    if (chain_count_ == kMaxFilterChains)
      return Fail(error, error_size, 0, "more than 16 expressions");
    if (text_used_ + length + 2 > kMaxFilterText) {
      return Fail(error, error_size, 0, "expressions longer than 4095 bytes in all");
    }
    char* text = text_ + text_used_;
    memcpy(text, expression, length + 1);
    text_used_ += length + 1;
    Chain& chain = chains_[chain_count_];
    chain.kind = kind;
    chain.first_rule = rule_count_;
    chain.rule_count = 0;
    // ltrace reads a leading '!' as '-' (backward compatibility); anywhere else it would be a
    // character of a name, which no symbol has: refused rather than tracing nothing.
    if (text[0] == '!') text[0] = '-';
    for (size_t i = 1; i < length; ++i) {
      if (text[i] == '!') {
        return Fail(error, error_size, i + 1,
                    "'!' negates only at the start of an expression (ltrace would read it as part "
                    "of a name); exclude with '-', as in '*-strlen'");
      }
    }
    if (const char* colon = strchr(text, ':')) {
      return Fail(error, error_size, size_t(colon - text) + 1,
                  "'library:function' is not ltrace's syntax: write 'function@library' for calls "
                  "made by a library (-e), or -x 'function@library' for calls into it");
    }
    bool add = true;
    size_t at = 0;
    if (text[0] == '-' || text[0] == '+' || text[0] == ',') {
      // A chain starting with '-' traces the complement: an implicit "*@*" comes first.
      if (text[0] == '-' && !AddRule(&chain, true, nullptr, nullptr, 0, error, error_size))
        return false;
      add = text[0] != '-';
      at = 1;
    }
    while (true) {
      const size_t start = at;
      size_t end = start;
      while (text[end] != '\0' && text[end] != '+' && text[end] != '-' && text[end] != ',') ++end;
      const char separator = text[end];
      text[end] = '\0';
      if (end == start) {
        return Fail(error, error_size, start + 1,
                    separator == '\0' ? "the expression ends with an operator"
                                      : "an empty rule (two operators in a row)");
      }
      char* rule = text + start;
      char* at_sign = strchr(rule, '@');
      char* symbol = rule;
      char* library = nullptr;
      if (at_sign != nullptr) {
        *at_sign = '\0';
        library = at_sign + 1;
        if (strchr(library, '@') != nullptr) {
          return Fail(error, error_size, size_t(strchr(library, '@') - text) + 1,
                      "a rule has one '@' (symbol@library)");
        }
      }
      if (!AddRule(&chain, add, symbol, library, start, error, error_size)) return false;
      if (separator == '\0') break;
      add = separator != '-';
      at = end + 1;
    }
    ++chain_count_;
    return true;
  }

  // Parses the audit library's serialised form ("e EXPR\nx EXPR..."). False with `error`.
  bool Deserialise(const char* text, char* error, size_t error_size) {
    char line[kMaxFilterText];
    while (text != nullptr && *text != '\0') {
      const char* newline = strchr(text, '\n');
      const size_t length = newline != nullptr ? size_t(newline - text) : strlen(text);
      if (length < 3 || length >= sizeof(line) || text[1] != ' ' ||
          (text[0] != 'e' && text[0] != 'x')) {
        return Fail(error, error_size, 0, "malformed");
      }
      memcpy(line, text + 2, length - 2);
      line[length - 2] = '\0';
      if (!AddChain(text[0] == 'e' ? ChainKind::kCaller : ChainKind::kCallee, line, error,
                    error_size)) {
        return false;
      }
      text = newline != nullptr ? newline + 1 : nullptr;
    }
    if (chain_count_ == 0) return Fail(error, error_size, 0, "no expression");
    return true;
  }

  bool HasChain(ChainKind kind) const {
    for (size_t i = 0; i < chain_count_; ++i) {
      if (chains_[i].kind == kind) return true;
    }
    return false;
  }

  // Could a call made by (kCaller) or into (kCallee) `object` be traced? The dynamic linker
  // is asked to report calls of an object only if so.
  bool MayMatchObject(ChainKind kind, const FilterObject& object) const {
    for (size_t c = 0; c < chain_count_; ++c) {
      const Chain& chain = chains_[c];
      if (chain.kind != kind) continue;
      for (size_t r = 0; r < chain.rule_count; ++r) {
        const Rule& rule = rules_[chain.first_rule + r];
        if (rule.add && LibraryMatches(rule, object)) return true;
      }
    }
    return false;
  }

  // Is the call of `symbol` from `caller` into `callee` traced?
  bool Matches(const char* symbol, const FilterObject& caller, const FilterObject& callee) const {
    for (size_t c = 0; c < chain_count_; ++c) {
      const Chain& chain = chains_[c];
      const FilterObject& object = chain.kind == ChainKind::kCaller ? caller : callee;
      bool marked = false;
      for (size_t r = 0; r < chain.rule_count; ++r) {
        const Rule& rule = rules_[chain.first_rule + r];
        if (rule.add != marked && LibraryMatches(rule, object) && Match(rule.symbol, symbol)) {
          marked = rule.add;
        }
      }
      if (marked) return true;
    }
    return false;
  }

 private:
  enum class PatternType : unsigned char { kAny, kGlob, kRegex, kMain, kPathGlob };
  struct Pattern {
    PatternType type = PatternType::kAny;
    const char* glob = nullptr;
    bool compiled = false;
    regex_t regex;
  };
  struct Rule {
    bool add = true;
    Pattern symbol;
    Pattern library;
  };
  struct Chain {
    ChainKind kind = ChainKind::kCaller;
    size_t first_rule = 0;
    size_t rule_count = 0;
  };

  static bool Fail(char* error, size_t error_size, size_t position, const char* reason) {
    if (error != nullptr && error_size > 0) {
      if (position > 0) {
        snprintf(error, error_size, "at character %zu: %s", position, reason);
      } else {
        snprintf(error, error_size, "%s", reason);
      }
    }
    return false;
  }

  bool AddRule(Chain* chain, bool add, char* symbol, char* library, size_t position, char* error,
               size_t error_size) {
    if (rule_count_ == kMaxFilterRules)
      return Fail(error, error_size, position + 1, "more than 64 rules");
    // ltrace's shorthand: /x@y/ is /x/@/y/.
    bool shorthand = false;
    if (symbol != nullptr && library != nullptr && symbol[0] == '/' && strlen(symbol) >= 2 &&
        symbol[strlen(symbol) - 1] != '/' && library[0] != '/' && strlen(library) >= 2 &&
        library[strlen(library) - 1] == '/') {
      shorthand = true;
      library[strlen(library) - 1] = '\0';
    }
    Rule& rule = rules_[rule_count_];
    rule.add = add;
    const size_t library_position =
        library != nullptr && symbol != nullptr ? position + strlen(symbol) + 1 : position;
    const bool made = shorthand
                          ? MakeRegex(&rule.symbol, symbol + 1, position, error, error_size)
                          : MakePattern(&rule.symbol, symbol, false, position, error, error_size);
    if (!made) return false;
    if (shorthand
            ? !MakeRegex(&rule.library, library, library_position, error, error_size)
            : !MakePattern(&rule.library, library, true, library_position, error, error_size)) {
      FreePattern(&rule.symbol);
      return false;
    }
    ++rule_count_;
    ++chain->rule_count;
    return true;
  }

  static bool MakePattern(Pattern* pattern, char* text, bool library, size_t position, char* error,
                          size_t error_size) {
    *pattern = Pattern{};
    if (text == nullptr || text[0] == '\0' || strcmp(text, "*") == 0) return true;  // any
    const size_t length = strlen(text);
    if (text[0] == '/' && length >= 2 && text[length - 1] == '/') {
      text[length - 1] = '\0';
      return MakeRegex(pattern, text + 1, position, error, error_size);
    }
    if (library && strcmp(text, "MAIN") == 0) {
      pattern->type = PatternType::kMain;
      return true;
    }
    if (text[0] == '/' && !library) {
      return Fail(error, error_size, position + 1, "an unterminated regular expression (/.../)");
    }
    // Names must match whole; '^' and '$' anchor what is anchored already ("^MAIN" is a library
    // named MAIN).
    if (text[0] == '^') ++text;
    const size_t rest = strlen(text);
    if (rest > 0 && text[rest - 1] == '$') text[rest - 1] = '\0';
    if (text[0] == '\0') return true;
    pattern->type = library && text[0] == '/' ? PatternType::kPathGlob : PatternType::kGlob;
    pattern->glob = text;
    return true;
  }

  // ltrace's regular expressions are POSIX basic ones (regcomp without REG_EXTENDED), found
  // anywhere in the name unless anchored.
  static bool MakeRegex(Pattern* pattern, const char* body, size_t position, char* error,
                        size_t error_size) {
    *pattern = Pattern{};
    if (body[0] == '\0')
      return Fail(error, error_size, position + 1, "an empty regular expression");
    if (regcomp(&pattern->regex, body, REG_NOSUB) != 0) {
      return Fail(error, error_size, position + 1, "an invalid regular expression");
    }
    pattern->compiled = true;
    pattern->type = PatternType::kRegex;
    return true;
  }

  static void FreePattern(Pattern* pattern) {
    if (pattern->compiled) regfree(&pattern->regex);
    pattern->compiled = false;
  }

  static bool Match(const Pattern& pattern, const char* name) {
    switch (pattern.type) {
      case PatternType::kAny:
        return true;
      case PatternType::kGlob:
      case PatternType::kPathGlob:
        return fnmatch(pattern.glob, name, 0) == 0;
      case PatternType::kRegex:
        return regexec(&pattern.regex, name, 0, nullptr, 0) == 0;
      case PatternType::kMain:
        return false;
    }
    return false;
  }

  static bool LibraryMatches(const Rule& rule, const FilterObject& object) {
    switch (rule.library.type) {
      case PatternType::kAny:
        return true;
      case PatternType::kMain:
        return object.main;
      case PatternType::kPathGlob:
        return fnmatch(rule.library.glob, object.path, 0) == 0;
      default:
        return Match(rule.library, object.soname);
    }
  }

  void Clear() {
    for (size_t i = 0; i < rule_count_; ++i) {
      FreePattern(&rules_[i].symbol);
      FreePattern(&rules_[i].library);
    }
    rule_count_ = 0;
    chain_count_ = 0;
    text_used_ = 0;
  }

  char text_[kMaxFilterText] = {};
  size_t text_used_ = 0;
  Rule rules_[kMaxFilterRules];
  size_t rule_count_ = 0;
  Chain chains_[kMaxFilterChains];
  size_t chain_count_ = 0;
};

}  // namespace memwrap
