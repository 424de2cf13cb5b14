// `memwrap run PROGRAM` and the flight recorder (fltrec): starts PROGRAM with the shim
// preloaded, follows the process tree it starts, writes the trace (or, fltrec, keeps a window
// of it in memory and dumps it when a trigger fires), prints the summary, and ends the way
// PROGRAM ended. The options have been checked (run_command.cpp).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "cli/flight_options.h"
#include "cli/record_options.h"
#include "cli/watch_printer.h"
#include "tracer/plugin/plugin_session.h"
#include "tracer/syscalls/syscall_selection.h"
#include "tracer/wait_spin.h"

namespace memwrap {

// What the recording keeps: the whole trace, the flight recorder's dumps, or nothing (memwrap
// watch prints the events as they happen).
enum class RunMode { kRecord, kFlightRecorder, kWatch };

struct LaunchedRun {
  RunMode mode = RunMode::kRecord;
  std::vector<std::string> program;  // as given: PROGRAM [ARGS...]
  std::string path;                  // PROGRAM resolved (launcher.h)
  std::string preload;               // libmemwrap_preload.so
  std::string audit;                 // libmemwrap_audit.so with --ltrace, else ""
  std::string ltrace;                // --ltrace as given
  std::string ltrace_filter;         // the audit library's filter (library_call_setup.h)
  std::string output;                // -o as given ("": named after PROGRAM)
  bool force = false;
  bool quiet = false;
  bool tap_stdout = false;
  size_t top = 5;
  uint64_t interval_ns = 0;
  uint64_t wait_poll_ns = kDefaultWaitSpinNs;
  SyscallSelection selection;
  std::string syscalls;            // as given ("": the default)
  uint32_t stack_sample_rate = 0;  // Hz; 0: no stack samples
  RecordOptions recording;
  std::string keep_stacks_if;   // --keep-stacks-if EXPR, checked ("": keep every allocation)
  bool allow_watch = false;     // --allow-watch: memwrap watch -p may follow the recording
  FlightCommandOptions flight;  // with RunMode::kFlightRecorder
  WatchOptions watch;           // with RunMode::kWatch (`output` is where its lines go)
  PluginOptions plugins;        // --plugin, --plugin-timeout
};

// Never returns when the program ran (memwrap ends as it ended); else memwrap's exit status.
int RunLaunched(LaunchedRun run);

}  // namespace memwrap
