// Library calls (LIBRARY_OBJECT / LIBRARY_FUNCTION / LIBRARY_CALL records, docs/trace-format.md)
// turned into named calls, and shown the way ltrace shows them: one line per call, JSON lines,
// or a per-function summary (-c). Used live by ltracedrv (records as they are drained) and on
// traces.
#pragma once

#include <stdint.h>
#include <stdio.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "memwrap/library_prototypes.h"
#include "tracefile/record_cursor.h"

namespace memwrap {

// The names point into the decoder's tables: valid until its next Decode().
struct LibraryCall {
  uint32_t pid = 0;
  uint32_t tid = 0;
  std::string_view function;
  std::string_view library;         // path of the object that defines the function
  std::string_view caller_library;  // path of the calling object ("" if unknown)
  uint64_t caller = 0;              // return address in the caller
  uint64_t caller_offset = 0;       // caller - the calling object's load bias
  uint64_t ts_ns = 0;               // CLOCK_MONOTONIC at entry
  uint64_t duration_ns = 0;
  bool returned = false;    // false: unfinished, or recorded at entry by design
  bool entry_only = false;  // recorded at entry by design (LIBRARY_CALL flags)
  uint64_t result = 0;
  uint64_t args[6] = {};
  uint16_t text_args = 0;  // bit i: texts[i] holds args[i]'s text; bit 6: the result's
  uint32_t depth = 0;      // traced calls of the thread in progress around this one
  std::string texts[7];
  const LibraryPrototype* prototype = nullptr;  // nullptr: unknown
};

// Names the calls of each process from the records before them. Ids are per process image,
// so a PROCESS_START (or a stream that names an id again) replaces what an id meant.
class LibraryCallDecoder {
 public:
  // Returns true and fills *call for a LIBRARY_CALL record; false for any other record.
  bool Decode(uint32_t pid, const RecordView& record, LibraryCall* call);

 private:
  struct Object {
    std::string path;
    uint64_t base = 0;
  };
  struct Function {
    std::string name;
    uint32_t object = 0;
    const LibraryPrototype* prototype = nullptr;
  };
  std::map<std::pair<uint32_t, uint32_t>, Object> objects_;
  std::map<std::pair<uint32_t, uint32_t>, Function> functions_;
  std::string unnamed_;  // "function#N" for a call whose function was never named
};

inline constexpr unsigned kDefaultAlign = 49;  // where ltrace 0.7.3 puts " = " in a file

struct CallFormat {
  int timestamps = 0;        // -t (1: time of day), -tt (2: with microseconds), -ttt (3: epoch)
  bool relative = false;     // -r: the time since the previous line (relative_ns)
  uint64_t relative_ns = 0;  // set by the printer before each line, with -r
  bool hide_caller = false;  // ltrace's default filter (@MAIN): no "CALLER->"
  unsigned string_size = kDefaultStringSize;  // -s
  unsigned indent = 0;                        // -n: spaces per level of nesting
  unsigned align = kDefaultAlign;             // -a: " = " starts at column align - 1
  bool durations = false;                     // -T
  bool pids = false;                          // -f: "[pid N] " before each line
  bool caller_address = false;                // -i: "[0x...] " caller address
  bool demangle = false;                      // -C: C++ names demangled
  int64_t realtime_offset_ns = 0;             // CLOCK_REALTIME - CLOCK_MONOTONIC, for -t
};

// "ls->readdir(0x55d0c2a2b2a0)                  = 0x55d0c2a2b2d0 <0.000003>" (and a newline),
// as ltrace 0.7.3 writes it (docs/ltrace.md, "Output").
std::string FormatCallText(const LibraryCall& call, const CallFormat& format);
// One JSON object (and a newline): pid, tid, function, library, ts_ns, dur_ns, caller, ...
std::string FormatCallJson(const LibraryCall& call);

// Counts and time per function, for -c.
class CallSummary {
 public:
  void Add(const LibraryCall& call);
  std::string FormatText() const;  // ltrace -c's table
  std::string FormatJson() const;  // one JSON object per function, then one for the total

 private:
  struct Totals {
    std::string library;
    uint64_t calls = 0;
    uint64_t timed_calls = 0;
    uint64_t total_ns = 0;
  };
  std::map<std::string, Totals, std::less<>> by_function_;
};

}  // namespace memwrap
