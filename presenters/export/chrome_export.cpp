// Trace Event JSON (the "JSON Object Format" of the Trace Event Format document), read by
// Perfetto UI and chrome://tracing. Times are microseconds since the trace's origin.
#include <stdio.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "presenters/export/exports.h"
#include "presenters/export/syscall_names.h"

namespace memwrap {
namespace {

using nlohmann::json;

double Micros(uint64_t ns) {
  return double(ns) / 1000.0;
}

std::string Hex(uint64_t value) {
  char text[24];
  snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

class EventWriter {
 public:
  explicit EventWriter(std::ostringstream* out) : out_(out) {
    *out_ << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  }
  void Add(const json& event) {
    *out_ << (first_ ? "" : ",\n") << event.dump(-1, ' ', false, json::error_handler_t::replace);
    first_ = false;
  }
  void Finish(const json& metadata) {
    *out_ << "\n],\"metadata\":" << metadata.dump(-1, ' ', false, json::error_handler_t::replace)
          << "}\n";
  }

 private:
  std::ostringstream* out_;
  bool first_ = true;
};

}  // namespace

std::string ExportChrome(HeapProfile& profile, const Timeline& timeline,
                         const TraceEvents& events) {
  std::ostringstream out;
  EventWriter writer(&out);
  const HeapAnalysis& analysis = profile.analysis();

  // Process names: the last command each pid ran.
  std::map<uint32_t, std::string> commands;
  for (const ProcessImage& image : profile.catalog().images())
    commands[image.pid] = image.Command();
  bool totals = false;
  for (const TimelineRow& row : timeline.rows) totals |= row.pid == 0 && row.kind != "peak";
  if (totals) commands[0] = "all processes";
  for (const auto& [pid, command] : commands) {
    writer.Add(
        {{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", command}}}});
  }

  // Memory counters: one track per value per process ("all processes" when there are several).
  for (const TimelineRow& row : timeline.rows) {
    if (row.kind == "peak" && totals && row.pid != 0) continue;
    json args = {{"heap_bytes", row.heap_bytes}, {"mapped_bytes", row.mapped_bytes}};
    if (row.rss_bytes) args["rss_bytes"] = *row.rss_bytes;
    if (row.pss_bytes) args["pss_bytes"] = *row.pss_bytes;
    writer.Add({{"name", "memory"},
                {"cat", "memory"},
                {"ph", "C"},
                {"ts", Micros(row.time_ns)},
                {"pid", row.pid},
                {"args", args}});
  }
  // A sampled-only trace records no time for its peak (heap_profile.h): no peak event.
  if (analysis.peak_bytes > 0 && !profile.sampled_only()) {
    writer.Add({{"name", "heap peak"},
                {"cat", "memory"},
                {"ph", "i"},
                {"s", "g"},
                {"ts", Micros(profile.SinceStart(analysis.peak_ts_ns))},
                {"pid", 0},
                {"tid", 0},
                {"args", {{"heap_bytes", analysis.peak_bytes}}}});
  }

  // System calls: a slice on their thread.
  for (const SyscallSlice& call : events.syscalls) {
    json args = {{"number", call.number}};
    if (call.unfinished) {
      args["unfinished"] = true;
    } else {
      args["result"] = call.result;
    }
    json call_args = json::array();
    for (uint64_t arg : call.args) call_args.push_back(Hex(arg));
    args["args"] = call_args;
    writer.Add({{"name", SyscallName(call.number)},
                {"cat", "syscall"},
                {"ph", "X"},
                {"ts", Micros(call.time_ns)},
                {"dur", Micros(call.duration_ns)},
                {"pid", call.pid},
                {"tid", call.tid},
                {"args", args}});
  }

  // Instants: marks and samples on their thread, the rest on their process.
  for (const PointEvent& point : events.points) {
    json event = {{"cat", point.category},
                  {"ph", "i"},
                  {"ts", Micros(point.time_ns)},
                  {"pid", point.pid},
                  {"tid", point.tid != 0 ? point.tid : point.pid},
                  {"s", point.tid != 0 ? "t" : "p"}};
    if (point.category == "stack_sample") {
      event["name"] = "stack sample";
      json frames = json::array();
      for (const SourceFrame& frame : profile.resolver().Frames(point.image, point.stack)) {
        frames.push_back(FrameName(frame));
      }
      event["args"] = {{"frames", frames}};
    } else {
      event["name"] = point.category + ": " + point.text;
    }
    writer.Add(event);
  }
  writer.Finish(
      {{"source", "memwrap export --format chrome"},
       {"trace", profile.trace_path()},
       {"command", profile.Command()},
       {"peak_heap_bytes",
        profile.sampled_only() ? profile.CountedPeakBytes() : analysis.peak_bytes},
       {"sampled", profile.sampled_only()},
       {"peak_heap_bound_bytes", profile.sampled_only() ? profile.CountedPeakBoundBytes() : 0}});
  return out.str();
}

}  // namespace memwrap
