// The filter expression: one small grammar over the fields of an event, used wherever a user
// says which events matter (fltrec --trigger today). Specified in docs/filters.md:
//
//   expr       := or
//   or         := and { ("or" | "||") and }
//   and        := unary { ("and" | "&&") unary }
//   unary      := ("not" | "!") unary | "(" expr ")" | comparison
//   comparison := FIELD OP VALUE      OP: == = != < <= > >= ~ !~
//
// e.g.  size > 100MiB and function ~ "*parse*"      heap > 2GiB and mark == "phase2"
//
// Sizes take memwrap's units (64KiB, 1.5GiB, 512MB), times its durations (10ms, 2s); `~` is a
// shell glob (fnmatch). A field of the call stack (function, module, file, line) holds when
// any frame matches; "top." names the innermost frame only. A field the event does not have
// (a FREE's stack, a mark's size) makes its comparison false.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace memwrap {

enum class FilterKind : uint8_t {
  kOther,
  kAlloc,    // ALLOC, and the new block of a REALLOC
  kFree,     // FREE, and the old block of a REALLOC
  kRealloc,  // REALLOC_END
  kMmap,
  kMunmap,
  kSyscall,
  kMark,
  kSample,  // a memory sample (RSS, PSS) or the shim's heap counters
};

struct FilterFrame {
  std::string_view function, module, file;
  uint64_t line = 0;  // 0: unknown
};

// An event's call stack, innermost frame first, resolved only when an expression asks for it
// (symbolizing is the costly part of an event).
class FilterStack {
 public:
  virtual ~FilterStack() = default;
  virtual size_t Depth() = 0;
  virtual FilterFrame Frame(size_t index) = 0;
};

// One event as an expression sees it. Fields an event lacks stay empty.
struct FilterEvent {
  FilterKind kind = FilterKind::kOther;
  std::optional<uint64_t> size, address, pid, tid, time_ns, heap, rss;
  std::optional<int64_t> result;  // a system call's return value
  std::optional<std::string_view> syscall, mark;
  FilterStack* stack = nullptr;  // null: no stack
};

// A malformed expression: `column` (1-based) is where it stops making sense.
class FilterSyntaxError : public std::runtime_error {
 public:
  FilterSyntaxError(size_t column, const std::string& what)
      : std::runtime_error("column " + std::to_string(column) + ": " + what), column_(column) {}
  size_t column() const { return column_; }

 private:
  size_t column_;
};

class EventFilter {
 public:
  // Throws FilterSyntaxError.
  explicit EventFilter(const std::string& text);
  ~EventFilter();
  EventFilter(EventFilter&&) noexcept;
  EventFilter& operator=(EventFilter&&) noexcept;

  bool Matches(const FilterEvent& event) const;
  // Whether the expression reads the call stack (a caller that symbolizes can skip it).
  bool ReadsStack() const;
  // Whether some comparison reads the field `name` ("heap", "rss", ...; an alias reads as its
  // field: "addr" is "address").
  bool ReadsField(std::string_view name) const;
  const std::string& text() const { return text_; }

  struct Node;

 private:
  std::string text_;
  std::vector<Node> nodes_;  // the root is the last
};

// The names of the fields, for messages and --help: "kind, size, address, ...".
std::string FilterFieldNames();
// A kind's name as `kind == NAME` spells it ("alloc", "mark", ...; "other" for kOther).
const char* FilterKindName(FilterKind kind);

}  // namespace memwrap
