// Reads every record of a trace in one deterministic global order:
//  * within a process, the order the process published them (its ring order), which the shim
//    makes a valid linearisation of that process's heap (records.h);
//  * across processes, by timestamp (a k-way merge of the per-process streams), ties broken by
//    pid.
// Memory stays O(processes x chunk): chunk headers are indexed first (no decompression), then
// each process's chunks are read as its stream advances.
#pragma once

#include <stdint.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tracefile/record_cursor.h"
#include "tracefile/trace_reader.h"

namespace memwrap {

class TraceStream {
 public:
  // Indexes the chunks of `reader`. Throws TraceError on corruption; a truncated tail is
  // accepted (everything before it is read) and reported by warnings().
  explicit TraceStream(TraceReader* reader);

  const std::map<std::string, std::string>& session_info() const { return session_info_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const FileHeader& header() const { return reader_->header(); }

  // Calls visit(pid, record) for every record, in the global order, until visit returns
  // false. Can be called again for another pass; the order is the same every time. A pass
  // that runs longer than 2 s shows its progress on stderr when stderr is a terminal.
  void ForEach(const std::function<bool(uint32_t pid, const RecordView& record)>& visit);

 private:
  [[noreturn]] void TooMuchHeld() const;

  TraceReader* reader_;
  std::map<uint32_t, std::vector<uint64_t>> chunks_by_pid_;
  size_t chunk_count_ = 0;
  int passes_ = 0;
  std::map<std::string, std::string> session_info_;
  std::vector<std::string> warnings_;
};

// Timestamp of a record for ordering; false for records that carry none (STACK).
bool RecordTimestamp(const RecordView& record, uint64_t* ts_ns);

}  // namespace memwrap
