#include "analyzer/system_sample_format.h"

#include <stdio.h>
#include <time.h>

#include <algorithm>

#include "units/byte_format.h"

namespace memwrap {
namespace {

constexpr size_t kRxBytes = 0, kTxBytes = 4;         // network values (records.h)
constexpr size_t kReadBytes = 1, kWrittenBytes = 4;  // disk values

std::string Percent(double value) {
  char text[32];
  snprintf(text, sizeof(text), "%.1f", value);
  return text;
}

std::string Milli(uint32_t milli) {
  char text[32];
  snprintf(text, sizeof(text), "%u.%02u", milli / 1000, (milli % 1000) / 10);
  return text;
}

std::string CsvQuote(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

double SharePercent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0 : 100.0 * double(part) / double(whole);
}

}  // namespace

std::string WallTimeText(uint64_t realtime_ns) {
  const time_t seconds = time_t(realtime_ns / 1000000000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", utc.tm_year + 1900,
           utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
           unsigned(realtime_ns % 1000000000 / 1000000));
  return text;
}

double CpuBusyPercent(const SystemCpuRecord* before, const SystemCpuRecord& now) {
  auto total = [](const SystemCpuRecord& c) {
    return c.user + c.nice + c.system + c.idle + c.iowait + c.irq + c.softirq + c.steal;
  };
  auto idle = [](const SystemCpuRecord& c) { return c.idle + c.iowait; };
  const uint64_t all = total(now) - (before ? total(*before) : 0);
  const uint64_t resting = idle(now) - (before ? idle(*before) : 0);
  return all == 0 || resting > all ? 0 : 100.0 * double(all - resting) / double(all);
}

bool HasItems(const SystemSample& sample, SystemItemKind kind) {
  for (const SystemItem& item : sample.items) {
    if (item.kind == kind) return true;
  }
  return false;
}

uint64_t SumItems(const SystemSample& sample, SystemItemKind kind, size_t value) {
  uint64_t sum = 0;
  for (const SystemItem& item : sample.items) {
    if (item.kind != kind) continue;
    if (kind == SystemItemKind::kNetworkInterface && item.name == "lo") continue;
    sum += item.values[value];
  }
  return sum;
}

bool SystemSampleFormatter::Has(const char* module) const {
  return std::find(modules_.begin(), modules_.end(), module) != modules_.end();
}

std::string SystemSampleFormatter::CsvHeader() const {
  std::string header = "time,host";
  if (Has("memory")) {
    header +=
        ",total_bytes,used_bytes,free_bytes,available_bytes,buffers_bytes,cache_bytes,"
        "shared_bytes,swap_total_bytes,swap_used_bytes";
  }
  if (Has("cpu")) header += ",cpu_busy_percent";
  if (Has("load")) header += ",load1,load5,load15,tasks";
  if (Has("network")) header += ",net_rx_bytes,net_tx_bytes";
  if (Has("disk")) header += ",disk_read_bytes,disk_written_bytes";
  if (Has("top")) header += ",top_processes";
  return header + "\n";
}

std::string SystemSampleFormatter::CsvRow(const SystemSample& sample) {
  std::string row = WallTimeText(sample.realtime_ns) + "," + CsvQuote(sample.host);
  // A module whose file could not be read this time leaves its columns empty.
  if (Has("memory")) {
    if (const auto& m = sample.memory) {
      for (uint64_t v : {m->total, m->used, m->free, m->available, m->buffers, m->cache, m->shared,
                         m->swap_total, m->swap_used}) {
        row += "," + std::to_string(v);
      }
    } else {
      row += ",,,,,,,,,";
    }
  }
  if (Has("cpu")) {
    row += ",";
    if (sample.cpu) {
      row += Percent(
          CpuBusyPercent(previous_ && previous_->cpu ? &*previous_->cpu : nullptr, *sample.cpu));
    }
  }
  if (Has("load")) {
    if (const auto& l = sample.load) {
      row += "," + Milli(l->load1_milli) + "," + Milli(l->load5_milli) + "," +
             Milli(l->load15_milli) + "," + std::to_string(l->tasks);
    } else {
      row += ",,,,";
    }
  }
  // No item of a kind (its file could not be read, or no disk did any I/O): empty columns.
  auto sums = [&](SystemItemKind kind, size_t first, size_t second) {
    if (!HasItems(sample, kind)) return std::string(",,");
    return "," + std::to_string(SumItems(sample, kind, first)) + "," +
           std::to_string(SumItems(sample, kind, second));
  };
  if (Has("network")) row += sums(SystemItemKind::kNetworkInterface, kRxBytes, kTxBytes);
  if (Has("disk")) row += sums(SystemItemKind::kDisk, kReadBytes, kWrittenBytes);
  if (Has("top")) {
    std::string top;
    for (const SystemItem& item : sample.items) {
      if (item.kind != SystemItemKind::kProcess) continue;
      top += (top.empty() ? "" : ";") + item.name + ":" + std::to_string(item.id) + ":" +
             std::to_string(item.values[0]);
    }
    row += "," + CsvQuote(top);
  }
  Remember(sample);
  return row + "\n";
}

std::string SystemSampleFormatter::TextLine(const SystemSample& sample) {
  std::string line = WallTimeText(sample.realtime_ns) + " " + sample.host;
  if (const auto& m = sample.memory) {
    line += " | mem used " + HumanBytes(m->used) + " of " + HumanBytes(m->total) + " (" +
            Percent(SharePercent(m->used, m->total)) + "%), available " + HumanBytes(m->available) +
            ", free " + HumanBytes(m->free) + ", buffers " + HumanBytes(m->buffers) + ", cache " +
            HumanBytes(m->cache) + ", swap used " + HumanBytes(m->swap_used) + " of " +
            HumanBytes(m->swap_total);
  }
  const bool first = !previous_;
  if (sample.cpu) {
    line += " | cpu " +
            Percent(CpuBusyPercent(previous_ && previous_->cpu ? &*previous_->cpu : nullptr,
                                   *sample.cpu)) +
            "% busy" + (previous_ && previous_->cpu ? "" : " since boot") + " (" +
            std::to_string(sample.cpu->cpus) + " CPUs)";
  }
  if (const auto& l = sample.load) {
    line += " | load " + Milli(l->load1_milli) + " " + Milli(l->load5_milli) + " " +
            Milli(l->load15_milli) + ", " + std::to_string(l->tasks) + " tasks";
  }
  // Traffic: a rate over the time since the previous sample, or the total since boot when the
  // previous sample of the run did not have it (the first one, or a file that was unreadable).
  const double seconds =
      first ? 0 : double(sample.ts_ns - std::min(sample.ts_ns, previous_->ts_ns)) / 1e9;
  auto traffic = [&](SystemItemKind kind, const char* what, size_t first_value,
                     const char* second_what, size_t second_value) {
    const bool since_boot = first || seconds <= 0 || !HasItems(*previous_, kind);
    auto one = [&](size_t value) {
      const uint64_t now = SumItems(sample, kind, value);
      if (since_boot) return HumanBytes(now);
      const uint64_t before = SumItems(*previous_, kind, value);
      return HumanBytes(uint64_t(double(now > before ? now - before : 0) / seconds)) + "/s";
    };
    return std::string(what) + one(first_value) + second_what + one(second_value) +
           (since_boot ? " since boot" : "");
  };
  if (HasItems(sample, SystemItemKind::kNetworkInterface)) {
    line += traffic(SystemItemKind::kNetworkInterface, " | net rx ", kRxBytes, ", tx ", kTxBytes);
  }
  if (HasItems(sample, SystemItemKind::kDisk)) {
    line +=
        traffic(SystemItemKind::kDisk, " | disk read ", kReadBytes, ", written ", kWrittenBytes);
  }
  std::string top;
  for (const SystemItem& item : sample.items) {
    if (item.kind != SystemItemKind::kProcess) continue;
    top += (top.empty() ? " | top rss " : ", ") + item.name + "[" + std::to_string(item.id) + "] " +
           HumanBytes(item.values[0]);
  }
  line += top;
  Remember(sample);
  return line;
}

}  // namespace memwrap
