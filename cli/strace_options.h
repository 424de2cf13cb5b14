// stracedrv's options: strace's short and long forms from one table (the long forms are
// strace 6.1's names: --trace=, --output=, --follow-forks, --summary-only, --string-limit, ...),
// plus memwrap's own (-d SECONDS, --duration, --wait-poll, --json, --write-trace).
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace memwrap {

// -e status= (strace's): which finished calls are printed.
enum StatusBits : unsigned {
  kStatusSuccessful = 1u << 0,
  kStatusFailed = 1u << 1,
  kStatusUnfinished = 1u << 2,
  kStatusUnavailable = 1u << 3,
  kStatusDetached = 1u << 4,
  kStatusAll = (1u << 5) - 1,
};

struct StraceOptions {
  bool follow = false;    // -f
  bool separate = false;  // -ff: with -o, one FILE.PID per thread
  std::string trace_spec = "all";
  unsigned status = kStatusAll;    // -e status=, -z, -Z
  std::string output;              // -o
  int time_format = 0;             // number of -t
  bool relative = false;           // -r
  bool show_duration = false;      // -T
  bool summary = false;            // -c: only the summary
  bool summary_and_lines = false;  // -C: the lines and the summary
  uint64_t interval_ns = 0;        // -d
  pid_t attach = 0;
  uint64_t duration_ns = 0;
  uint64_t wait_poll_ns = 0;
  bool json = false;
  std::string write_trace;  // --write-trace: the memwrap trace (none by default)
  bool force = false;
  size_t string_limit = 32;          // -s
  bool fd_paths = false;             // -y
  bool instruction_pointer = false;  // -i
  bool stack_traces = false;         // -k
  std::vector<std::string> program;
};

extern const char kStraceUsage[];

// Parses strace's style: clustered flags (-fT), values glued (-etrace=..., -s64) or separate,
// long options with = or a separate value. Returns -1 to go on, else an exit status (help was
// printed, or a one-line error was).
int ParseStraceOptions(const std::vector<std::string>& args, StraceOptions* options);

}  // namespace memwrap
