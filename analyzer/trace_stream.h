// Reads every record of a trace in one deterministic global order:
//  * within a process, the order the process published them (its ring order), which the shim
//    makes a valid linearisation of that process's heap (records.h);
//  * across processes, by timestamp (a k-way merge of the per-process streams), ties broken by
//    pid.
// Memory stays O(processes x chunk): chunk headers are indexed first (no decompression), then
// each process's chunks are read as its stream advances.
#pragma once

#include <stdint.h>
#include <string.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "memwrap/records.h"
#include "tracefile/record_cursor.h"
#include "tracefile/trace_ending.h"
#include "tracefile/trace_reader.h"

namespace memwrap {

class TraceStream {
 public:
  // Indexes the chunks of `reader`. Throws TraceError on corruption; a trace cut short (a
  // truncated tail, no end-of-trace chunk) is read up to where it stops and reported by
  // ending() and warnings().
  explicit TraceStream(TraceReader* reader);

  const std::map<std::string, std::string>& session_info() const { return session_info_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const TraceEnding& ending() const { return ending_; }
  const FileHeader& header() const { return reader_->header(); }

  // Calls visit(pid, record) for every record, in the global order, until visit returns
  // false. Can be called again for another pass; the order is the same every time. A pass
  // that runs longer than 2 s shows its progress on stderr when stderr is a terminal.
  //
  // `ahead`, when given, is shown each record some records before visit sees it (within a
  // chunk), so that the caller can prefetch what visit will touch: the live-block table is
  // larger than the cache, and waiting for it was a fifth of a report's time.
  using Visit = std::function<bool(uint32_t pid, const RecordView& record)>;
  using Ahead = std::function<void(uint32_t pid, const RecordView& record)>;
  void ForEach(const Visit& visit, const Ahead& ahead = nullptr);

 private:
  [[noreturn]] void TooMuchHeld(uint64_t needed) const;

  TraceReader* reader_;
  std::map<uint32_t, std::vector<uint64_t>> chunks_by_pid_;
  size_t chunk_count_ = 0;
  int passes_ = 0;
  std::map<std::string, std::string> session_info_;
  std::vector<std::string> warnings_;
  TraceEnding ending_;
};

// Timestamp of a record for ordering; false for records that carry none (STACK).
inline bool RecordTimestamp(const RecordView& record, uint64_t* ts_ns) {
  // Every record type except STACK has ts_ns right after its header (records.h). Types this
  // reader does not know (a newer minor version) are not trusted to: they keep the time of
  // the record before them.
  const auto type = static_cast<uint16_t>(record.type);
  if (record.type == RecordType::kStack || type == 0 || type > uint16_t(RecordType::kMaxType) ||
      record.size < sizeof(RecordHeader) + 8) {
    return false;
  }
  memcpy(ts_ns, record.data + sizeof(RecordHeader), sizeof(*ts_ns));
  return true;
}

}  // namespace memwrap
