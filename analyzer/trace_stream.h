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

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "analyzer/chunk_decoder.h"
#include "analyzer/process_cursor.h"
#include "memwrap/records.h"
#include "tracefile/columnar_codec.h"
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

  // ForEach for the hottest pass (the report's): visit and ahead are called directly, not
  // through a std::function (two indirect calls per record showed in profiles).
  template <class VisitFn, class AheadFn>
  void ForEachRecord(VisitFn&& visit, AheadFn&& ahead);

 private:
  // One pass's state: the decoder thread, a cursor per process, the merge heap of the cursors
  // not being read, the progress line.
  class Pass {
   public:
    explicit Pass(TraceStream* stream);
    ~Pass();  // clears the progress line if one was shown
    // The earliest cursor out of the heap (each advanced to its first record on first use);
    // nullptr when all are done.
    template <class AheadFn>
    ProcessCursor* Earliest(AheadFn& ahead) {
      if (!started_) {
        started_ = true;
        for (auto& cursor : cursors_) {
          if (cursor->Advance(ahead)) heads_.push(cursor.get());
        }
      }
      if (heads_.empty()) return nullptr;
      ProcessCursor* cursor = heads_.top();
      heads_.pop();
      return cursor;
    }
    // Whether `cursor`, just advanced, is no longer the earliest: then it goes back in the heap.
    bool Overtaken(ProcessCursor* cursor) {
      if (heads_.empty() || !Later(cursor, heads_.top())) return false;
      heads_.push(cursor);
      return true;
    }
    void ShowProgress();

   private:
    static bool Later(const ProcessCursor* a, const ProcessCursor* b) {
      return a->ts() != b->ts() ? a->ts() > b->ts() : a->pid() > b->pid();
    }
    struct LaterOrder {
      bool operator()(const ProcessCursor* a, const ProcessCursor* b) const { return Later(a, b); }
    };
    TraceStream* stream_;
    // Declared before the cursors: they hold its futures, and it must outlive them.
    ChunkDecoder decoder_;
    ColumnarDecoder columnar_;
    std::vector<std::unique_ptr<ProcessCursor>> cursors_;
    std::priority_queue<ProcessCursor*, std::vector<ProcessCursor*>, LaterOrder> heads_;
    bool started_ = false;
    int number_;
    bool terminal_;
    std::chrono::steady_clock::time_point start_;
    bool shown_ = false;
  };

  [[noreturn]] void TooMuchHeld(uint64_t needed) const;

  TraceReader* reader_;
  std::map<uint32_t, std::vector<uint64_t>> chunks_by_pid_;
  std::map<uint32_t, uint32_t> largest_chunk_by_pid_;  // raw size
  size_t chunk_count_ = 0;
  int passes_ = 0;
  std::map<std::string, std::string> session_info_;
  std::vector<std::string> warnings_;
  TraceEnding ending_;
};

template <class VisitFn, class AheadFn>
void TraceStream::ForEachRecord(VisitFn&& visit, AheadFn&& ahead) {
  Pass pass(this);
  ProcessCursor* cursor = nullptr;
  uint64_t visited = 0;
  for (;;) {
    if (cursor == nullptr) {
      cursor = pass.Earliest(ahead);
      if (cursor == nullptr) break;
    }
    if ((++visited & 0xffff) == 0) pass.ShowProgress();
    if (!visit(cursor->pid(), cursor->record())) return;
    // The cursor being read stays out of the heap while it is still the earliest: most runs of
    // records belong to one process, and a heap operation per record showed in profiles.
    if (!cursor->Advance(ahead) || pass.Overtaken(cursor)) cursor = nullptr;
  }
}

}  // namespace memwrap
