#include "tracer/flight/flight_recorder.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <optional>

#include "memwrap/monotonic_clock.h"
#include "memwrap/session_info_keys.h"
#include "tracefile/record_cursor.h"
#include "tracefile/trace_error.h"

namespace memwrap {
namespace {

// Signals memwrap received, counted by the handler (lock-free atomics are async-signal-safe).
std::atomic<uint32_t> g_signals[65];

// Calls visit(record) for each whole record of a buffer the collector produced.
template <class Visit>
void ForEachRecord(const uint8_t* data, size_t size, Visit visit) {
  size_t pos = 0;
  while (size - pos >= sizeof(RecordHeader)) {
    RecordHeader header;
    memcpy(&header, data + pos, sizeof(header));
    if (header.size < sizeof(RecordHeader) || header.size > size - pos) return;
    visit(data + pos, header);
    pos += header.size;
  }
}

template <class T>
bool Read(const uint8_t* record, const RecordHeader& header, T* out) {
  return CopyRecord(record, header.size, out);
}

bool IsEssential(RecordType type) {
  return type == RecordType::kProcessStart || IsSymbolContext(type);
}

uint64_t TimestampOf(const uint8_t* record, const RecordHeader& header) {
  uint64_t ts = 0;
  ReadRecordTimestamp(record, header.size, &ts);
  return ts;
}

}  // namespace

FlightRecorder::FlightRecorder(FlightOptions options, std::map<std::string, std::string> session)
    : options_(std::move(options)),
      session_(std::move(session)),
      armed_(options_.triggers.size(), true) {
  for (int signo = 0; signo < 65; ++signo) signals_seen_[signo] = g_signals[signo].load();
  bool expressions = false, read_stacks = false;
  for (const FlightTrigger& trigger : options_.triggers) {
    if (trigger.kind != FlightTrigger::Kind::kExpression || !trigger.expression) continue;
    expressions = true;
    read_stacks = read_stacks || trigger.expression->ReadsStack();
  }
  if (expressions) {
    trigger_events_ = std::make_unique<TriggerEvents>(read_stacks, origin_.monotonic_ns);
  }
}

FlightRecorder::~FlightRecorder() = default;

void FlightRecorder::NotifySignal(int signo) {
  if (signo > 0 && signo < 65) g_signals[signo].fetch_add(1);
}

void FlightRecorder::WriteRecords(uint32_t pid, const void* records, size_t size) {
  const auto* data = static_cast<const uint8_t*>(records);
  const uint64_t now = MonotonicNs();
  if (dump_ != nullptr && now >= dump_until_ns_) FinishDump();  // --after is over

  const char* fired = CheckSignals();
  if (fired == nullptr && !requested_dump_.empty()) {
    fired_request_ = std::move(requested_dump_);
    requested_dump_.clear();
    fired = fired_request_.c_str();
  }
  size_t fired_at = fired != nullptr ? 0 : SIZE_MAX;  // offset of the record that fired
  WindowChunk chunk{pid, std::vector<uint8_t>(data, data + size), 0};
  ForEachRecord(data, size, [&](const uint8_t* record, const RecordHeader& header) {
    const uint64_t ts = TimestampOf(record, header);
    if (ts > chunk.last_ts_ns) chunk.last_ts_ns = ts;
    if (const char* what = Check(pid, record); what != nullptr && fired == nullptr) {
      fired = what;
      fired_at = size_t(record - data);
    }
  });
  window_bytes_ += size;
  window_.push_back(std::move(chunk));

  if (dump_ != nullptr) {
    try {
      dump_->WriteRecords(pid, records, size);
    } catch (const TraceError& error) {
      Fail(error.what());
      dump_.reset();
    }
  } else if (fired != nullptr) {
    Evict(fired_at);  // the dump holds --keep before the trigger, however large this chunk
    Fire(fired, now);
  }
  Evict();
}

void FlightRecorder::RequestDump(const std::string& what) {
  if (requested_dump_.empty()) requested_dump_ = what.empty() ? "plugin" : what;
}

const char* FlightRecorder::CheckSignals() {
  const char* fired = nullptr;
  for (size_t i = 0; i < options_.triggers.size(); ++i) {
    const FlightTrigger& trigger = options_.triggers[i];
    if (trigger.kind != FlightTrigger::Kind::kSignal) continue;
    const uint32_t seen = g_signals[trigger.signal].load();
    if (seen != signals_seen_[trigger.signal]) {
      signals_seen_[trigger.signal] = seen;
      if (fired == nullptr) fired = trigger.text.c_str();
    }
  }
  return fired;
}

// Keeps the state triggers judge (the heap, RSS per process, the shim's counters) up to date
// with one incoming record; says whether an RSS changed and which mark it is, if one.
void FlightRecorder::UpdateTriggerState(uint32_t pid, const uint8_t* record,
                                        const RecordHeader& header, bool* rss_changed,
                                        std::string* mark) {
  const RecordView view{RecordType(header.type), header.flags, record, header.size};
  ImageId ended;
  const ImageId image = trigger_images_.Track(pid, view, &ended);
  if (ended != 0) heap_.EndImage(ended);
  heap_.Apply(image, view);
  switch (view.type) {
    case RecordType::kImageEnd:
    case RecordType::kProcessStart:
      counted_live_.erase(pid);
      rss_.erase(pid);
      break;
    case RecordType::kHeapCounters:
      if (HeapCountersRecord counters; Read(record, header, &counters)) {
        counted_live_[pid] = counters.alloc_usable_bytes > counters.free_usable_bytes
                                 ? counters.alloc_usable_bytes - counters.free_usable_bytes
                                 : 0;
      }
      break;
    case RecordType::kMemorySample:
      if (MemorySampleRecord sample; Read(record, header, &sample)) {
        rss_[pid] = sample.rss;
        *rss_changed = true;
      }
      break;
    case RecordType::kMark:
      ReadMarkName(record, header.size, mark);
      break;
    default:
      break;
  }
}

// Judges the triggers on one incoming record, with the state it changes; returns the trigger it
// fired, or null.
const char* FlightRecorder::Check(uint32_t pid, const uint8_t* record) {
  RecordHeader header;
  memcpy(&header, record, sizeof(header));
  bool rss_changed = false;
  std::string mark;
  UpdateTriggerState(pid, record, header, &rss_changed, &mark);
  // The heap a trigger judges: the exact replay's, or in sampled mode the shim's counters.
  auto heap_now = [&] {
    if (counted_live_.empty()) return heap_.live_bytes();
    uint64_t counted = 0;
    for (const auto& [p, live] : counted_live_) counted += live;
    return counted;
  };
  std::optional<FilterEvent> event;
  if (trigger_events_) event = trigger_events_->EventOf(pid, record, header);
  uint64_t rss_total = 0;
  if (rss_changed || event) {
    for (const auto& [p, rss] : rss_) rss_total += rss;
  }
  if (event) {
    event->heap = heap_now();
    if (!rss_.empty()) event->rss = rss_total;
  }
  const char* fired = nullptr;
  for (size_t i = 0; i < options_.triggers.size(); ++i) {
    const FlightTrigger& trigger = options_.triggers[i];
    bool holds;
    switch (trigger.kind) {
      case FlightTrigger::Kind::kHeapAbove:
        holds = heap_now() > trigger.bytes;
        break;
      case FlightTrigger::Kind::kExpression:
        // Records that are no event (STACK, MODULE) neither fire nor re-arm it.
        if (!event) continue;
        holds = trigger.expression->Matches(*event);
        break;
      case FlightTrigger::Kind::kRssAbove:
        if (!rss_changed) continue;
        holds = rss_total > trigger.bytes;
        break;
      case FlightTrigger::Kind::kMark:
        if (mark.empty() || mark != trigger.mark) continue;
        if (fired == nullptr) fired = trigger.text.c_str();
        continue;
      default:
        continue;
    }
    // Level conditions fire when they become true, and re-arm once they are false again.
    if (holds && armed_[i] && fired == nullptr) fired = trigger.text.c_str();
    armed_[i] = !holds;
  }
  return fired;
}

void FlightRecorder::Evict(size_t protect_from) {
  auto too_much = [&] {
    if (window_.size() <= 1) return false;  // the newest chunk stays whatever its size
    if (options_.keep_ns != 0) {
      return window_.back().last_ts_ns - window_.front().last_ts_ns > options_.keep_ns;
    }
    return window_bytes_ > options_.keep_bytes;
  };
  while (too_much()) {
    WindowChunk& chunk = window_.front();
    EvictedProcess& process = evicted_[chunk.pid];
    ForEachRecord(chunk.bytes.data(), chunk.bytes.size(),
                  [&](const uint8_t* record, const RecordHeader&) { Forget(record, process); });
    window_bytes_ -= chunk.bytes.size();
    window_.pop_front();
  }
  if (window_.size() == 1) TrimOnlyChunk(protect_from);
}

void FlightRecorder::TrimOnlyChunk(size_t protect_from) {
  WindowChunk& chunk = window_.front();
  EvictedProcess& process = evicted_[chunk.pid];
  const size_t size = chunk.bytes.size();
  size_t cut = 0;
  bool done = false;
  ForEachRecord(chunk.bytes.data(), size, [&](const uint8_t* record, const RecordHeader& header) {
    const size_t offset = size_t(record - chunk.bytes.data());
    const bool too_old =
        options_.keep_ns != 0
            ? chunk.last_ts_ns - std::min(chunk.last_ts_ns, TimestampOf(record, header)) >
                  options_.keep_ns
            : size - offset > options_.keep_bytes;
    // The newest record always stays, as a whole chunk would.
    done = done || !too_old || offset >= protect_from || offset + header.size >= size;
    if (done) return;
    Forget(record, process);
    cut = offset + header.size;
  });
  if (cut == 0) return;
  chunk.bytes.erase(chunk.bytes.begin(), chunk.bytes.begin() + ptrdiff_t(cut));
  window_bytes_ -= cut;
}

// A record leaves the window: what a dump still needs of it is kept.
void FlightRecorder::Forget(const uint8_t* record, EvictedProcess& process) {
  RecordHeader header;
  memcpy(&header, record, sizeof(header));
  const RecordType type = RecordType(header.type);
  if (type == RecordType::kImageEnd || type == RecordType::kProcessStart) {
    // Everything before belongs to an image that is gone.
    process.essentials.clear();
    process.heap = std::make_unique<HeapReplay>();
    process.origins.clear();
    process.mappings = MappingReplay();
    process.moved_break = {};
    process.counters = {};
  }
  if (type == RecordType::kHeapCounters) {
    ++overwritten_records_;
    Read(record, header, &process.counters);
    return;
  }
  if (IsEssential(type)) {
    process.essentials.insert(process.essentials.end(), record, record + header.size);
    return;
  }
  ++overwritten_records_;
  switch (type) {
    case RecordType::kAlloc:
    case RecordType::kFree:
    case RecordType::kReallocBegin:
    case RecordType::kReallocEnd:
      ForgetHeapEvent(record, header, process);
      break;
    default:
      ForgetMapping(record, header, process);
      break;
  }
}

// Applies an evicted heap event to the replay of what left the window, and keeps the origin
// (an ALLOC record) of each block the replay then holds live at the addresses it touched.
void FlightRecorder::ForgetHeapEvent(const uint8_t* record, const RecordHeader& header,
                                     EvictedProcess& process) {
  const RecordView view{RecordType(header.type), header.flags, record, header.size};
  process.heap->Apply(kEvictedImage, view);
  auto heap = process.heap->images().find(kEvictedImage);
  auto live = [&](uint64_t addr) {
    return heap != process.heap->images().end() && heap->second.live.count(addr) != 0;
  };
  switch (view.type) {
    case RecordType::kAlloc:
      if (AllocRecord alloc; view.Copy(&alloc) && live(alloc.addr)) {
        process.origins[alloc.addr] = alloc;
      }
      break;
    case RecordType::kFree:
      if (FreeRecord free; view.Copy(&free) && !live(free.addr)) process.origins.erase(free.addr);
      break;
    // REALLOC_BEGIN: the parked block keeps its origin, for a realloc that fails.
    case RecordType::kReallocEnd:
      if (ReallocEndRecord end; view.Copy(&end)) {
        if (!live(end.old_addr)) process.origins.erase(end.old_addr);
        if (end.new_addr != 0 && live(end.new_addr)) {
          AllocRecord alloc{};
          alloc.h = {sizeof(alloc), uint16_t(RecordType::kAlloc),
                     uint16_t(uint16_t(AllocKind::kRealloc) | (end.h.flags & kAllocFlagSampled))};
          alloc.ts_ns = end.ts_ns;
          alloc.addr = end.new_addr;
          alloc.size = end.size;
          alloc.tid = end.tid;
          alloc.stack = end.stack;
          process.origins[end.new_addr] = alloc;
        }
      }
      break;
    default:
      break;
  }
}

// Applies an evicted mapping record to the replay of what left the window. The replay holds the
// mapping rule; of a BRK, only the record itself is kept here (the latest one, from the first
// old_break), its growth being the replay's.
void FlightRecorder::ForgetMapping(const uint8_t* record, const RecordHeader& header,
                                   EvictedProcess& process) {
  const RecordView view{RecordType(header.type), header.flags, record, header.size};
  if (!process.mappings.Apply(kEvictedImage, view) || view.type != RecordType::kBrk) return;
  BrkRecord brk;
  auto image = process.mappings.images().find(kEvictedImage);
  if (!view.Copy(&brk) || image == process.mappings.images().end()) return;
  BrkRecord& moved = process.moved_break;
  const uint64_t first = moved.h.size == 0 ? brk.old_break : moved.old_break;
  moved = brk;
  moved.old_break = first;
  moved.new_break = first + image->second.break_bytes;
}

std::string FlightRecorder::DumpPath(size_t number) const {
  if (number == 0) return options_.output;
  const std::string& base = options_.output;
  const std::string extension = ".mwt";
  const std::string suffix = "." + std::to_string(number);
  if (base.size() > extension.size() &&
      base.compare(base.size() - extension.size(), extension.size(), extension) == 0) {
    return base.substr(0, base.size() - extension.size()) + suffix + extension;
  }
  return base + suffix;
}

void FlightRecorder::Fire(const std::string& what, uint64_t now_ns) {
  // One dump: f.mwt. A second one renames the first f.1.mwt and is f.2.mwt, and so on.
  const size_t number = dumps_.size() + 1;
  if (number == 2) {
    const std::string first = DumpPath(1);
    if (rename(dumps_[0].c_str(), first.c_str()) == 0) {
      fprintf(stderr, "memwrap fltrec: a second dump: %s is now %s\n", dumps_[0].c_str(),
              first.c_str());
      dumps_[0] = first;
    }
  }
  const std::string path = DumpPath(number == 1 ? 0 : number);
  try {
    auto writer = std::make_unique<TraceWriter>(
        path, options_.force ? TraceWriter::Existing::kReplace : TraceWriter::Existing::kRefuse,
        origin_);
    std::map<std::string, std::string> session = session_;
    session[session_key::kFltrecTrigger] = what;
    session[session_key::kFltrecFiredNs] = std::to_string(now_ns);
    session[session_key::kFltrecDump] = std::to_string(number);
    session[session_key::kFltrecOverwrittenRecords] = std::to_string(overwritten_records_);
    session[session_key::kFltrecAfterNs] = std::to_string(options_.after_ns);
    writer->WriteSessionInfo(session);
    WriteDump(writer.get());
    if (options_.after_ns == 0) writer->Finish();  // else once --after is over
    dumps_.push_back(path);
    fprintf(stderr,
            "memwrap fltrec: %s fired: wrote %s (%llu records before the window were "
            "overwritten)%s\n",
            what.c_str(), path.c_str(), static_cast<unsigned long long>(overwritten_records_),
            options_.after_ns != 0 ? ", recording on for --after" : "");
    if (options_.after_ns != 0) {
      dump_ = std::move(writer);
      dump_until_ns_ = now_ns + options_.after_ns;
    }
  } catch (const TraceError& error) {
    Fail(error.what());
  }
}

void FlightRecorder::WriteDump(TraceWriter* writer) {
  // Per process: what was kept of the records before the window, then the blocks still live
  // from then (their ALLOC records); then the window, chunk by chunk, in its order.
  for (const auto& [pid, process] : evicted_) {
    std::vector<uint8_t> bytes = process.essentials;
    auto append = [&bytes](const auto& fixed) {
      const auto* p = reinterpret_cast<const uint8_t*>(&fixed);
      bytes.insert(bytes.end(), p, p + sizeof(fixed));
    };
    if (auto heap = process.heap->images().find(kEvictedImage);
        heap != process.heap->images().end()) {
      for (const auto& [addr, block] : heap->second.live) {
        if (auto origin = process.origins.find(addr); origin != process.origins.end()) {
          append(origin->second);
        }
      }
    }
    for (const MmapRecord& piece : process.mappings.MappedPieces(kEvictedImage)) append(piece);
    if (process.moved_break.h.size != 0) append(process.moved_break);
    if (process.counters.h.size != 0) append(process.counters);
    // In chunks of at most kMaxChunkRawSize bytes, cut at record boundaries.
    size_t start = 0, pos = 0;
    while (pos < bytes.size()) {
      RecordHeader header;
      memcpy(&header, bytes.data() + pos, sizeof(header));
      if (pos + header.size - start > kMaxChunkRawSize) {
        writer->WriteRecords(pid, bytes.data() + start, pos - start);
        start = pos;
      }
      pos += header.size;
    }
    if (pos > start) writer->WriteRecords(pid, bytes.data() + start, pos - start);
  }
  for (const WindowChunk& chunk : window_) {
    writer->WriteRecords(chunk.pid, chunk.bytes.data(), chunk.bytes.size());
  }
}

void FlightRecorder::FinishDump() {
  try {
    dump_->Finish();
  } catch (const TraceError& error) {
    Fail(error.what());
  }
  dump_.reset();
}

void FlightRecorder::Close(int wait_status) {
  if (dump_ != nullptr && MonotonicNs() >= dump_until_ns_) FinishDump();
  const bool failed = !(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
  if (dump_ == nullptr && failed) {
    for (const FlightTrigger& trigger : options_.triggers) {
      if (trigger.kind != FlightTrigger::Kind::kCrash) continue;
      std::string what = trigger.text + " (";
      if (WIFSIGNALED(wait_status)) {
        const char* name = sigabbrev_np(WTERMSIG(wait_status));
        what += std::string("killed by SIG") +
                (name != nullptr ? name : std::to_string(WTERMSIG(wait_status)));
      } else {
        what += "exit status " + std::to_string(WEXITSTATUS(wait_status));
      }
      Fire(what + ")", MonotonicNs());
      break;
    }
  }
  if (dump_ != nullptr) FinishDump();  // the run is over, and so is --after
}

void FlightRecorder::Fail(const std::string& what) {
  if (error_.empty()) error_ = what;
}

}  // namespace memwrap
