// `memwrap watch -p PID`: prints, live, the heap events of a recording that `memwrap run
// --allow-watch` makes of program PID (tracer/collector/watch_publisher.h), as `memwrap watch`
// prints its own program's, until the recording ends or the watcher is interrupted.
#pragma once

#include <stdint.h>

#include <string>

#include "cli/watch_printer.h"

namespace memwrap {

// memwrap's exit status: 0 when the recording ended (or Ctrl-C), 1 when no recording of PID
// offers itself to watchers, 2 for an output that cannot be created.
int WatchRecording(const WatchOptions& options, uint32_t pid, const std::string& output,
                   bool force);

}  // namespace memwrap
