#include "analyzer/system_timeline.h"

#include <stdio.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analyzer/system_sample_format.h"
#include "analyzer/trace_stream.h"
#include "memwrap/session_info_keys.h"
#include "units/byte_format.h"

namespace memwrap {
namespace {

std::string Fixed(double value, int digits) {
  char text[64];
  snprintf(text, sizeof(text), "%.*f", digits, value);
  return text;
}

}  // namespace

std::vector<SystemMemoryRow> ThinSystemRows(const std::vector<SystemMemoryRow>& rows,
                                            uint64_t step_ns) {
  if (step_ns == 0) return rows;
  std::vector<SystemMemoryRow> kept;
  for (const SystemMemoryRow& row : rows) {
    if (kept.empty() || row.time_ns / step_ns != kept.back().time_ns / step_ns) {
      kept.push_back(row);
    }
  }
  return kept;
}

std::string FormatSystemTimeline(const std::string& trace_path,
                                 const std::vector<SystemMemoryRow>& rows,
                                 const std::vector<std::string>& warnings,
                                 const std::string& format) {
  std::ostringstream out;
  if (format == "csv") {
    out << "time_s,time,host,total_bytes,used_bytes,free_bytes,available_bytes,buffers_bytes,"
           "cache_bytes,shared_bytes,swap_total_bytes,swap_used_bytes,used_percent,"
           "available_percent,swap_used_percent\n";
    for (const SystemMemoryRow& row : rows) {
      const SystemMemoryRecord& m = row.memory;
      out << Fixed(double(row.time_ns) / 1e9, 3) << ',' << WallTimeText(row.realtime_ns) << ','
          << row.host << ',' << m.total << ',' << m.used << ',' << m.free << ',' << m.available
          << ',' << m.buffers << ',' << m.cache << ',' << m.shared << ',' << m.swap_total << ','
          << m.swap_used << ',' << Fixed(row.used_percent, 2) << ','
          << Fixed(row.available_percent, 2) << ',' << Fixed(row.swap_used_percent, 2) << '\n';
    }
    return out.str();
  }
  if (format == "jsonl") {
    using nlohmann::json;
    for (const SystemMemoryRow& row : rows) {
      const SystemMemoryRecord& m = row.memory;
      json line = {{"time_s", double(row.time_ns) / 1e9},
                   {"time", WallTimeText(row.realtime_ns)},
                   {"realtime_ns", row.realtime_ns},
                   {"host", row.host},
                   {"total_bytes", m.total},
                   {"used_bytes", m.used},
                   {"free_bytes", m.free},
                   {"available_bytes", m.available},
                   {"buffers_bytes", m.buffers},
                   {"cache_bytes", m.cache},
                   {"shared_bytes", m.shared},
                   {"swap_total_bytes", m.swap_total},
                   {"swap_used_bytes", m.swap_used},
                   {"used_percent", row.used_percent},
                   {"available_percent", row.available_percent},
                   {"swap_used_percent", row.swap_used_percent}};
      out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    }
    return out.str();
  }
  constexpr int kBarWidth = 30;
  out << "memwrap timeline: " << trace_path << " (system memory, one row per sample"
      << (rows.empty() ? "" : ", host " + rows.front().host) << ")\n";
  for (const std::string& warning : warnings) out << "warning: " << warning << "\n";
  out << "  time s   wall time (UTC)           used        available   buff/cache  swap used  "
         "  bar (used / total)\n";
  for (const SystemMemoryRow& row : rows) {
    const SystemMemoryRecord& m = row.memory;
    const int filled = std::clamp(int(row.used_percent / 100 * kBarWidth + 0.5), 0, kBarWidth);
    char line[320];
    snprintf(line, sizeof(line),
             "%9.3f %-25s %-11s %-11s %-11s %-11s |%s%s| %5.1f%% used, swap %.1f%%",
             double(row.time_ns) / 1e9, WallTimeText(row.realtime_ns).c_str(),
             HumanBytes(m.used).c_str(), HumanBytes(m.available).c_str(),
             HumanBytes(m.buffers + m.cache).c_str(), HumanBytes(m.swap_used).c_str(),
             std::string(size_t(filled), '#').c_str(),
             std::string(size_t(kBarWidth - filled), ' ').c_str(), row.used_percent,
             row.swap_used_percent);
    out << line << "\n";
  }
  return out.str();
}

std::string FormatSystemLogReport(const std::string& trace_path, TraceStream& stream,
                                  const std::string& format) {
  uint64_t samples = 0, first = 0, last = 0, min_used = UINT64_MAX, max_used = 0, total = 0;
  std::string host;
  ForEachSystemSample(stream, [&](const SystemSample& sample) {
    if (samples++ == 0) first = sample.realtime_ns;
    last = sample.realtime_ns;
    if (host.empty()) host = sample.host;
    if (sample.memory) {
      min_used = std::min(min_used, sample.memory->used);
      max_used = std::max(max_used, sample.memory->used);
      total = sample.memory->total;
    }
  });
  const auto& info = stream.session_info();
  auto value = [&](const char* key) {
    auto found = info.find(key);
    return found == info.end() ? std::string() : found->second;
  };
  if (host.empty()) host = value(session_key::kHost);
  if (format == "json") {
    using nlohmann::json;
    json report = {{"trace", trace_path},
                   {"trace_kind", "system"},
                   {"recorder", value(session_key::kRecorder)},
                   {"host", host},
                   {"samples", samples},
                   {"first_sample", samples ? json(WallTimeText(first)) : json(nullptr)},
                   {"last_sample", samples ? json(WallTimeText(last)) : json(nullptr)},
                   {"total_bytes", total},
                   {"min_used_bytes", max_used > 0 ? json(min_used) : json(nullptr)},
                   {"max_used_bytes", max_used > 0 ? json(max_used) : json(nullptr)},
                   {"warnings", stream.warnings()}};
    return report.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  }
  std::ostringstream out;
  out << "memwrap report: " << trace_path << "\n";
  for (const std::string& warning : stream.warnings()) out << "warning: " << warning << "\n";
  out << "This trace is a system log ("
      << (value(session_key::kRecorder).empty() ? "dlogger" : value(session_key::kRecorder))
      << ") of host " << host << ", not a program's trace: it has no heap to report.\n";
  out << "Samples: " << samples;
  if (samples > 0) out << ", from " << WallTimeText(first) << " to " << WallTimeText(last);
  out << "\n";
  if (max_used > 0) {
    out << "Memory used: lowest " << BytesWithExact(min_used) << ", highest "
        << BytesWithExact(max_used) << ", of " << BytesWithExact(total) << "\n";
  }
  out << "Memory over time: memwrap timeline " << trace_path << "\n";
  return out.str();
}

}  // namespace memwrap
