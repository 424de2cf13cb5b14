// Text, CSV and JSON-lines forms of a timeline. CSV and JSON lines carry the same keys
// (docs/timeline.md); bytes are integers, times seconds with nanosecond precision.
#include <stdio.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "analyzer/timeline.h"
#include "units/byte_format.h"

namespace memwrap {
namespace {

std::string Seconds(uint64_t ns) {
  char text[32];
  snprintf(text, sizeof(text), "%.9f", double(ns) / 1e9);
  return text;
}

std::string CsvQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

// `FUNCTION FILE:LINE`; a frame without a symbol as `?? MODULE+0xADDRESS`, as the report
// prints it, so that two unknown sites stay apart.
std::string SiteName(const TimelineSite& site) {
  std::string text = site.location.function;
  if (text == "??") {
    char address[32];
    snprintf(address, sizeof(address), "0x%llx",
             static_cast<unsigned long long>(site.location.address));
    const std::string& module = site.location.module;
    return text + " " + (module.empty() ? std::string() : module + "+") + address;
  }
  if (!site.location.file.empty()) {
    text += " " + site.location.file + ":" + std::to_string(site.location.line);
  }
  return text;
}

std::string SignedBytes(int64_t delta) {
  return std::string(delta < 0 ? "-" : "+") + HumanBytes(uint64_t(delta < 0 ? -delta : delta));
}

}  // namespace

std::string FormatTimelineCsv(const Timeline& timeline) {
  std::ostringstream out;
  out << "time_s,pid,kind,heap_bytes,mapped_bytes,rss_bytes,pss_bytes,top_site,"
         "top_site_delta_bytes,markers\n";
  for (const TimelineRow& row : timeline.rows) {
    out << Seconds(row.time_ns) << ',' << row.pid << ',' << row.kind << ',' << row.heap_bytes << ','
        << row.mapped_bytes << ',' << (row.rss_bytes ? std::to_string(*row.rss_bytes) : "") << ','
        << (row.pss_bytes ? std::to_string(*row.pss_bytes) : "") << ','
        << (row.sites.empty() ? "" : CsvQuote(SiteName(row.sites.front()))) << ','
        << (row.sites.empty() ? "" : std::to_string(row.sites.front().delta_bytes)) << ','
        << (row.markers.empty() ? "" : CsvQuote(Join(row.markers, " | "))) << '\n';
  }
  return out.str();
}

std::string FormatTimelineJsonl(const Timeline& timeline) {
  using nlohmann::json;
  std::ostringstream out;
  for (const TimelineRow& row : timeline.rows) {
    json line;
    line["time_s"] = double(row.time_ns) / 1e9;
    line["time_ns"] = row.time_ns;
    line["pid"] = row.pid;
    line["kind"] = row.kind;
    line["heap_bytes"] = row.heap_bytes;
    // Sampled-only traces: heap_bytes from the shim's counters, sites' delta_bytes estimated.
    line["sampled"] = timeline.sampled;
    line["filtered"] = timeline.filtered;
    line["mapped_bytes"] = row.mapped_bytes;
    line["rss_bytes"] = row.rss_bytes ? json(*row.rss_bytes) : json(nullptr);
    line["pss_bytes"] = row.pss_bytes ? json(*row.pss_bytes) : json(nullptr);
    line["sites"] = json::array();
    for (const TimelineSite& site : row.sites) {
      line["sites"].push_back(
          {{"function", site.location.function},
           {"file", site.location.file.empty() ? json(nullptr) : json(site.location.file)},
           {"line", site.location.line == 0 ? json(nullptr) : json(site.location.line)},
           {"module", site.location.module.empty() ? json(nullptr) : json(site.location.module)},
           {"address", site.location.address},
           {"delta_bytes", site.delta_bytes}});
    }
    line["markers"] = row.markers;
    out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return out.str();
}

// Like a memory logger's read-out: time, values, a bar scaled to the heap peak, percent of it.
std::string FormatTimelineText(const Timeline& timeline) {
  constexpr int kBarWidth = 30;
  std::ostringstream out;
  out << "memwrap timeline: " << timeline.trace_path << " (a row every "
      << HumanDuration(timeline.step_ns) << ", plus one at each spike between rows)\n";
  for (const std::string& warning : timeline.warnings) out << "warning: " << warning << "\n";
  out << "  time s   pid     heap        mapped      rss         bar (heap / peak heap)\n";
  for (const TimelineRow& row : timeline.rows) {
    const double fraction = timeline.peak_heap_bytes == 0
                                ? 0
                                : double(row.heap_bytes) / double(timeline.peak_heap_bytes);
    const int filled = int(fraction * kBarWidth + 0.5);
    char line[256];
    snprintf(line, sizeof(line), "%9.3f %6s %-11s %-11s %-11s |%s%s| %5.1f%%",
             double(row.time_ns) / 1e9, row.pid == 0 ? "all" : std::to_string(row.pid).c_str(),
             HumanBytes(row.heap_bytes).c_str(), HumanBytes(row.mapped_bytes).c_str(),
             row.rss_bytes ? HumanBytes(*row.rss_bytes).c_str() : "-",
             std::string(size_t(filled), '#').c_str(),
             std::string(size_t(kBarWidth - filled), ' ').c_str(), fraction * 100);
    out << line;
    if (row.kind == "peak") out << "  PEAK";
    if (!row.sites.empty()) {
      out << "  " << SignedBytes(row.sites.front().delta_bytes) << " "
          << SiteName(row.sites.front());
    }
    for (const std::string& marker : row.markers) out << "  [" << marker << "]";
    out << "\n";
  }
  return out.str();
}

}  // namespace memwrap
