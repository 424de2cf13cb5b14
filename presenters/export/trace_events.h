// The moments of a trace that are not heap changes, as exports and plots show them: program
// marks, stdout lines, process starts, execs and exits, stack samples (instants), and system
// calls (slices with a duration). One streaming pass.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "analyzer/trace_catalog.h"
#include "analyzer/trace_stream.h"

namespace memwrap {

struct PointEvent {
  uint64_t time_ns = 0;  // since the trace's origin
  uint32_t pid = 0;
  uint32_t tid = 0;      // 0 when the record names no thread
  std::string category;  // "mark", "stdout", "start", "exec", "exit", "stack_sample"
  std::string text;      // the mark's name, the line, the command, "exit 3", "killed by signal 9"
  ImageId image = 0;     // stack_sample: the image its stack belongs to
  StackId stack = kNoStack;
};

struct SyscallSlice {
  uint64_t time_ns = 0;  // entry, since the trace's origin
  uint64_t duration_ns = 0;
  uint32_t pid = 0;
  uint32_t tid = 0;
  uint32_t number = 0;
  int64_t result = 0;
  uint64_t args[6] = {};
  bool unfinished = false;  // the thread never returned from it: result and duration unknown
};

struct TraceEvents {
  std::vector<PointEvent> points;
  std::vector<SyscallSlice> syscalls;
};

// `origin_ns`: the time origin (the trace's creation). Images are numbered as TraceCatalog
// numbers them.
TraceEvents CollectTraceEvents(TraceStream& stream, uint64_t origin_ns);

}  // namespace memwrap
