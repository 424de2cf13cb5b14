// Where the collector puts the records it drained: a trace file (TraceWriter), or the flight
// recorder's in-memory window (flight_recorder.h), which writes files only when a trigger fires.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace memwrap {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Whole records of process `pid`, at most kMaxChunkRawSize bytes. Throws TraceError when
  // they cannot be stored (a write error).
  virtual void WriteRecords(uint32_t pid, const void* records, size_t size) = 0;
  // The recording finished and every record was handed over: a trace file writes its
  // end-of-trace chunk, which tells readers it is complete. Throws TraceError like WriteRecords.
  virtual void Finish() {}
};

}  // namespace memwrap
