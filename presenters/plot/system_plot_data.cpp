#include "presenters/plot/system_plot_data.h"

#include <math.h>

#include <algorithm>
#include <functional>
#include <map>

#include "analyzer/downsample.h"
#include "analyzer/system_samples.h"
#include "analyzer/trace_stream.h"
#include "memwrap/session_info_keys.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"

namespace memwrap {
namespace {

using nlohmann::json;

struct HostLog {
  std::vector<std::string> traces;
  std::string recorder;
  uint64_t interval_ns = 0;
  std::vector<SystemMemoryRow> rows;
};

double Percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * double(part) / double(whole);
}

// One series of [time_ns, value] points, min and max kept per span of time. Percentages are
// ranked by their value in millionths of a percent, and written as computed.
template <class Value>
json Series(const std::vector<SystemMemoryRow>& rows, uint64_t origin,
            const std::function<Value(const SystemMemoryRow&)>& value, size_t buckets) {
  std::vector<uint64_t> times, ranks;
  for (const SystemMemoryRow& row : rows) {
    times.push_back(row.realtime_ns - origin);
    const Value v = value(row);
    if constexpr (std::is_floating_point_v<Value>)
      ranks.push_back(uint64_t(llround(v * 1e6)));
    else
      ranks.push_back(v);
  }
  json points = json::array();
  for (size_t index : MinMaxPerBucket(times, ranks, buckets)) {
    points.push_back({times[index], value(rows[index])});
  }
  return points;
}

// The row with the largest value (the earliest of equals).
const SystemMemoryRow* Highest(const std::vector<SystemMemoryRow>& rows,
                               uint64_t SystemMemoryRecord::*field) {
  const SystemMemoryRow* best = nullptr;
  for (const SystemMemoryRow& row : rows) {
    if (best == nullptr || row.memory.*field > best->memory.*field) best = &row;
  }
  return best;
}

// One log read: its rows go to the hosts they name, in order of first appearance.
void ReadLog(const std::string& path, std::vector<std::string>* hosts,
             std::map<std::string, HostLog>* logs, std::vector<std::string>* warnings) {
  TraceReader reader(path);
  TraceStream stream(&reader);
  const auto& info = stream.session_info();
  if (!IsSystemLog(info)) {
    throw TraceError(TraceError::Kind::kNotATrace,
                     "'" + path + "' is a program's trace, not a system log");
  }
  for (const std::string& warning : stream.warnings()) warnings->push_back(path + ": " + warning);
  std::vector<SystemMemoryRow> rows = ReadSystemSamples(stream);
  auto value = [&](const char* key) {
    auto found = info.find(key);
    return found == info.end() ? std::string() : found->second;
  };
  if (rows.empty()) {
    warnings->push_back(path + ": no memory samples (recorded without the memory module?)");
  }
  // A log names its host in every sample; a log without samples is still listed, under the
  // host of its session info.
  std::vector<std::string> hosts_of_log;
  if (rows.empty()) hosts_of_log.push_back(value(session_key::kHost));
  for (SystemMemoryRow& row : rows) {
    if (std::find(hosts_of_log.begin(), hosts_of_log.end(), row.host) == hosts_of_log.end()) {
      hosts_of_log.push_back(row.host);
    }
  }
  for (const std::string& host : hosts_of_log) {
    if (logs->find(host) == logs->end()) hosts->push_back(host);
    HostLog& log = (*logs)[host];
    log.traces.push_back(path);
    if (log.recorder.empty()) log.recorder = value(session_key::kRecorder);
    if (log.interval_ns == 0) {
      log.interval_ns = strtoull(value(session_key::kSampleIntervalNs).c_str(), nullptr, 10);
    }
  }
  for (SystemMemoryRow& row : rows) (*logs)[row.host].rows.push_back(std::move(row));
}

// Each host's rows in time order; returns the earliest time of all (0 without rows).
uint64_t SortRowsByTime(std::map<std::string, HostLog>* logs) {
  uint64_t origin = UINT64_MAX;
  for (auto& [host, log] : *logs) {
    std::stable_sort(log.rows.begin(), log.rows.end(),
                     [](const SystemMemoryRow& a, const SystemMemoryRow& b) {
                       return a.realtime_ns < b.realtime_ns;
                     });
    if (!log.rows.empty()) origin = std::min(origin, log.rows.front().realtime_ns);
  }
  if (origin == UINT64_MAX) origin = 0;
  return origin;
}

// The series of a host's rows, each downsampled to n buckets.
json SeriesJson(const std::vector<SystemMemoryRow>& rows, uint64_t origin, size_t n) {
  using Bytes = std::function<uint64_t(const SystemMemoryRow&)>;
  using Share = std::function<double(const SystemMemoryRow&)>;
  auto bytes = [&](const Bytes& value) { return Series<uint64_t>(rows, origin, value, n); };
  auto share = [&](const Share& value) { return Series<double>(rows, origin, value, n); };
  return {
      {"total", bytes([](const SystemMemoryRow& r) { return r.memory.total; })},
      {"used", bytes([](const SystemMemoryRow& r) { return r.memory.used; })},
      {"available", bytes([](const SystemMemoryRow& r) { return r.memory.available; })},
      {"buffers_cache",
       bytes([](const SystemMemoryRow& r) { return r.memory.buffers + r.memory.cache; })},
      {"free", bytes([](const SystemMemoryRow& r) { return r.memory.free; })},
      {"swap_used", bytes([](const SystemMemoryRow& r) { return r.memory.swap_used; })},
      {"swap_total", bytes([](const SystemMemoryRow& r) { return r.memory.swap_total; })},
      {"used_percent", share([](const SystemMemoryRow& r) { return r.used_percent; })},
      {"buffers_cache_percent", share([](const SystemMemoryRow& r) {
         return Percent(r.memory.buffers + r.memory.cache, r.memory.total);
       })},
      {"available_percent", share([](const SystemMemoryRow& r) { return r.available_percent; })},
      {"swap_used_percent", share([](const SystemMemoryRow& r) { return r.swap_used_percent; })},
  };
}

json HostJson(const std::string& host, const HostLog& log, uint64_t origin, size_t n) {
  const std::vector<SystemMemoryRow>& rows = log.rows;
  json entry = {{"host", host},
                {"traces", log.traces},
                {"recorder", log.recorder},
                {"interval_ns", log.interval_ns},
                {"samples", rows.size()}};
  if (!rows.empty()) {
    const SystemMemoryRecord& last = rows.back().memory;
    entry["first_realtime_ns"] = rows.front().realtime_ns;
    entry["last_realtime_ns"] = rows.back().realtime_ns;
    entry["total_bytes"] = last.total;
    entry["swap_total_bytes"] = last.swap_total;
    const SystemMemoryRow* used = Highest(rows, &SystemMemoryRecord::used);
    entry["peak_used"] = {{"bytes", used->memory.used},
                          {"percent", used->used_percent},
                          {"time_ns", used->realtime_ns - origin}};
    const SystemMemoryRow* swap = Highest(rows, &SystemMemoryRecord::swap_used);
    entry["peak_swap_used"] = {{"bytes", swap->memory.swap_used},
                               {"percent", swap->swap_used_percent},
                               {"time_ns", swap->realtime_ns - origin}};
  }
  entry["series"] = SeriesJson(rows, origin, n);
  return entry;
}

}  // namespace

json BuildSystemPlotData(const std::vector<std::string>& trace_paths,
                         const PlotDataOptions& options) {
  std::vector<std::string> hosts;  // in order of first appearance
  std::map<std::string, HostLog> logs;
  std::vector<std::string> warnings;
  for (const std::string& path : trace_paths) ReadLog(path, &hosts, &logs, &warnings);

  const uint64_t origin = SortRowsByTime(&logs);

  json out;
  out["origin_realtime_ns"] = origin;
  out["warnings"] = warnings;
  out["hosts"] = json::array();
  const size_t n = options.chart_buckets;
  for (const std::string& host : hosts) {
    out["hosts"].push_back(HostJson(host, logs[host], origin, n));
  }
  return out;
}

}  // namespace memwrap
