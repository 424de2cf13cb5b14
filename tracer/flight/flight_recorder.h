// The flight recorder (`fltrec`, `memwrap fltrec`): records like `memwrap run` but keeps only the
// latest window of records in memory (--keep SIZE or DURATION) and writes a trace only when a
// trigger fires (--trigger rss>SIZE | heap>SIZE | signal:NAME | crash | mark:NAME | a filter
// expression over each incoming event, docs/filters.md). A dump holds
// the window before the trigger, then everything for --after DURATION.
//
// What a dump needs to be read is never overwritten, like the low-rate channel of a kernel
// flight recorder: each live process image's PROCESS_START, MODULE, MODULES_CHANGED and STACK
// records are kept when the window moves past them (and dropped once the image has ended), and
// so are the heap blocks still live when their allocation left the window: a dump starts with
// them (their original ALLOC records), so its heap at the trigger is exact and it symbolizes on
// its own. So are the program's own mappings still mapped and its moves of the break (as MMAP
// records cut to what is left, and one BRK). Memory samples, marks and the SYSCALL records of
// processes without the shim older than the window are gone.
//
// Memory: the window, plus the live images' module maps and stacks, plus the live blocks whose
// allocation left the window -- bounded for runs of days.
//
// WriteRecords runs on the collector's thread; NotifySignal in a signal handler; the rest on the
// caller's thread once the collector has finished.
#pragma once

#include <stdint.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "memwrap/records.h"
#include "replay/heap_replay.h"
#include "replay/image_tracker.h"
#include "replay/mapping_replay.h"
#include "tracefile/record_sink.h"
#include "tracefile/trace_writer.h"
#include "tracer/filter/event_filter.h"
#include "tracer/flight/flight_trigger_events.h"

namespace memwrap {

struct FlightTrigger {
  enum class Kind { kRssAbove, kHeapAbove, kSignal, kCrash, kMark, kExpression };
  Kind kind = Kind::kCrash;
  uint64_t bytes = 0;                             // rss> / heap>
  int signal = 0;                                 // signal:
  std::string mark;                               // mark:
  std::shared_ptr<const EventFilter> expression;  // a filter expression (docs/filters.md)
  std::string text;  // as given, for messages and the dump's session info
};

struct FlightOptions {
  uint64_t keep_bytes = 64ull << 20;  // window size in record bytes (when keep_ns is 0)
  uint64_t keep_ns = 0;               // window length in time, if given instead
  uint64_t after_ns = 0;              // how long a dump goes on after its trigger
  std::vector<FlightTrigger> triggers;
  std::string output;  // f.mwt; several dumps: f.1.mwt, f.2.mwt, ...
  bool force = false;  // replace existing files
};

class FlightRecorder : public RecordSink {
 public:
  FlightRecorder(FlightOptions options, std::map<std::string, std::string> session);
  ~FlightRecorder() override;

  void WriteRecords(uint32_t pid, const void* records, size_t size) override;

  // Async-signal-safe: memwrap received `signo` (a signal: trigger); it fires at the next
  // records the collector hands over (memory samples come every --interval).
  static void NotifySignal(int signo);

  // Fires as a trigger named `what` would (memwrap --plugin asked for a dump), at the next
  // records the collector hands over. On the collector's thread, like WriteRecords.
  void RequestDump(const std::string& what);

  // The program ended with `wait_status`: fires `crash` when it did not exit with 0, then
  // closes any open dump. Call after the collector finished.
  void Close(int wait_status);

  const std::vector<std::string>& dumps() const { return dumps_; }
  const std::string& error() const { return error_; }  // first write error, "" if none
  uint64_t overwritten_records() const { return overwritten_records_; }

 private:
  struct WindowChunk {
    uint32_t pid;
    std::vector<uint8_t> bytes;
    uint64_t last_ts_ns;
  };
  struct EvictedProcess {
    std::vector<uint8_t> essentials;  // in their original order
    // The heap of the records that left the window, replayed by the analyzer's rules
    // (replay/heap_replay.h) as image kEvictedImage; a new replay for each new image.
    std::unique_ptr<HeapReplay> heap = std::make_unique<HeapReplay>();
    // For the blocks that replay holds live: the record that made each live, as an ALLOC record
    // (the dump writes it back). Which blocks are live is the replay's to say, not this map's.
    std::unordered_map<uint64_t, AllocRecord> origins;
    // The program's own mappings made before the window, replayed by the analyzer's rules
    // (replay/mapping_replay.h) as image kEvictedImage: the pieces still mapped are written back
    // as MMAP records, each cut to its piece.
    MappingReplay mappings;
    // The program's own moves of the break before the window, as one BRK from the first
    // old_break by the growth the replay summed (new_break - old_break); h.size 0 while there
    // was none.
    BrkRecord moved_break{};
    // Sampled mode: the latest HEAP_COUNTERS before the window (its totals hold the earlier
    // ones'); h.size 0 while there was none.
    HeapCountersRecord counters{};
  };
  static constexpr ImageId kEvictedImage = 1;
  void ForgetHeapEvent(const uint8_t* record, const RecordHeader& header, EvictedProcess& process);
  void ForgetMapping(const uint8_t* record, const RecordHeader& header, EvictedProcess& process);

  // Drops what is older than the window (--keep), whole chunks first; a chunk that alone
  // exceeds it (one drain of a ring that fell behind can be megabytes) loses its oldest records,
  // never those from byte `protect_from` of the newest chunk on (the record that fired).
  void Evict(size_t protect_from = SIZE_MAX);
  void TrimOnlyChunk(size_t protect_from);
  void Forget(const uint8_t* record, EvictedProcess& process);
  const char* Check(uint32_t pid, const uint8_t* record);  // the trigger that fired, or null
  void UpdateTriggerState(uint32_t pid, const uint8_t* record, const RecordHeader& header,
                          bool* rss_changed, std::string* mark);
  const char* CheckSignals();
  void Fire(const std::string& what, uint64_t now_ns);
  void WriteDump(TraceWriter* writer);
  std::string DumpPath(size_t number) const;
  void Fail(const std::string& what);
  // Ends the dump still being written (--after): its end-of-trace chunk, then closes it.
  void FinishDump();

  FlightOptions options_;
  std::map<std::string, std::string> session_;
  std::deque<WindowChunk> window_;
  uint64_t window_bytes_ = 0;
  std::map<uint32_t, EvictedProcess> evicted_;
  uint64_t overwritten_records_ = 0;
  // Trigger state: the live heap, replayed by the analyzer's own rules (replay/heap_replay.h)
  // over every record as it comes, so heap> judges the figure `memwrap report` gives; and the
  // latest RSS per process.
  ImageTracker trigger_images_;
  HeapReplay heap_;
  // Sampled mode: the heap the trigger judges is the shim counters' live heap (usable bytes,
  // per process, as of each --interval), since the samples are not the heap.
  std::map<uint32_t, uint64_t> counted_live_;
  std::map<uint32_t, uint64_t> rss_;
  std::vector<bool> armed_;  // per trigger: false while its condition holds (fires on the edge)
  std::unique_ptr<TriggerEvents> trigger_events_;  // with expression triggers only
  uint32_t signals_seen_[65] = {};
  std::string requested_dump_;  // RequestDump's `what` until it fires, "" if none
  std::string fired_request_;   // the text of the request that fired (Fire takes a pointer)
  // The dump being written (--after), and the files written so far.
  std::unique_ptr<TraceWriter> dump_;
  uint64_t dump_until_ns_ = 0;
  std::vector<std::string> dumps_;
  std::string error_;
  TraceWriter::ClockOrigin origin_ = TraceWriter::Now();  // the run's start: every dump's origin
};

}  // namespace memwrap
