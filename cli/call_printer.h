// ltracedrv's output: each library call as a line (ltrace's shape), a JSON object, or a count
// in the summary (-c), in the order the calls were made.
#pragma once

#include <inttypes.h>
#include <stdio.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "analyzer/library_calls.h"
#include "tracefile/record_cursor.h"
#include "tracefile/trace_error.h"

namespace memwrap {

// Prints each call as its records are drained (collector thread), or adds it to the summary.
// Text lines come out in the order the calls were made, as ltrace prints them: a call's record
// comes when it returns, after those of the calls made inside it (deeper), so those are held
// until it comes and printed after it. A thread holding more than kMaxHeld lines (a long call
// whose callbacks go on) has them printed as they are.
class CallPrinter {
 public:
  CallPrinter(FILE* out, const CallFormat& format, bool json, bool summary, bool follow,
              uint32_t root_pid)
      : out_(out),
        format_(format),
        json_(json),
        summary_(summary),
        follow_(follow),
        root_pid_(root_pid) {}

  void Records(uint32_t pid, const uint8_t* bytes, size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    RecordCursor cursor(bytes, size);
    RecordView record;
    LibraryCall call;
    try {
      while (cursor.Next(&record, "library-call ring")) {
        if (!decoder_.Decode(pid, record, &call)) continue;
        if (!follow_ && pid != root_pid_) continue;
        if (summary_) {
          totals_.Add(call);
        } else if (json_) {
          fputs(FormatCallJson(call).c_str(), out_);
        } else {
          Hold(call);
        }
      }
    } catch (const TraceError&) {
      // The collector hands over whole records only; a damaged ring is reported by it.
    }
    if (!summary_) fflush(out_);
  }

  // A call seen by ltracedrv -p's breakpoints (cli/ltrace_attach.cpp), made into a line as the
  // audit library's records are.
  void Call(const LibraryCall& call) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!follow_ && call.pid != root_pid_) return;
    if (summary_) {
      totals_.Add(call);
    } else if (json_) {
      fputs(FormatCallJson(call).c_str(), out_);
    } else {
      Hold(call);
    }
    if (!summary_) fflush(out_);
  }

  // A system call (-S): printed at once, in text only (not in JSON or -c).
  void SystemCall(const LibraryCall& call) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (summary_ || json_) return;
    CallFormat format = format_;
    format.relative_ns = 0;
    Line line{0, call.ts_ns, FormatCallText(call, format)};
    Print(&line);
    fflush(out_);
  }

  void Finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [thread, held] : held_) {
      for (Line& line : held) Print(&line);
    }
    held_.clear();
    if (summary_) fputs((json_ ? totals_.FormatJson() : totals_.FormatText()).c_str(), out_);
    fflush(out_);
  }

 private:
  static constexpr size_t kMaxHeld = 10000;
  struct Line {
    uint32_t depth;
    uint64_t ts_ns;
    std::string text;
  };

  void Hold(const LibraryCall& call) {
    CallFormat format = format_;
    format.relative_ns = 0;  // a placeholder of fixed width, filled in when printed
    std::vector<Line>& held = held_[{call.pid, call.tid}];
    // The calls made inside this one: every held line deeper than it.
    size_t first = held.size();
    while (first > 0 && held[first - 1].depth > call.depth) --first;
    std::vector<Line> block;
    block.reserve(held.size() - first + 1);
    block.push_back({call.depth, call.ts_ns, FormatCallText(call, format)});
    for (size_t i = first; i < held.size(); ++i) block.push_back(std::move(held[i]));
    held.resize(first);
    if (call.depth == 0) {
      for (Line& line : block) Print(&line);
    } else {
      for (Line& line : block) held.push_back(std::move(line));
      if (held.size() > kMaxHeld) {
        for (Line& line : held) Print(&line);
        held.clear();
      }
    }
  }

  void Print(Line* line) {
    if (format_.relative) {
      const uint64_t since =
          previous_ts_ns_ == 0 || line->ts_ns < previous_ts_ns_ ? 0 : line->ts_ns - previous_ts_ns_;
      previous_ts_ns_ = line->ts_ns;
      char text[48];
      const int n = snprintf(text, sizeof(text), "%3" PRIu64 ".%06" PRIu64, since / 1000000000,
                             (since % 1000000000) / 1000);
      const size_t at = format_.pids ? line->text.find("] ") + 2 : 0;
      if (n == 10) line->text.replace(at, 10, text);
    }
    fputs(line->text.c_str(), out_);
  }

  std::mutex mutex_;
  FILE* out_;
  CallFormat format_;
  bool json_, summary_, follow_;
  uint32_t root_pid_;
  LibraryCallDecoder decoder_;
  CallSummary totals_;
  std::map<std::pair<uint32_t, uint32_t>, std::vector<Line>> held_;
  uint64_t previous_ts_ns_ = 0;
};

}  // namespace memwrap
