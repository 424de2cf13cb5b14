#include "analyzer/system_samples.h"

#include <string.h>

#include "analyzer/trace_stream.h"
#include "memwrap/session_info_keys.h"
#include "tracefile/trace_error.h"

namespace memwrap {

bool SystemSampleAssembler::Add(const RecordView& record) {
  switch (record.type) {
    case RecordType::kSystemItem: {
      const auto* r = record.As<SystemItemRecord>();
      if (r == nullptr) return true;
      const auto kind = SystemItemKind(record.flags);
      const std::string name(r->name, strnlen(r->name, sizeof(r->name)));
      if (kind == SystemItemKind::kSampleStart) {
        current_.emplace();
        current_->ts_ns = r->ts_ns;
        current_->realtime_ns = r->values[0];
        current_->interval_ns = r->values[2];
        current_->host = name;
        return true;
      }
      if (!current_) return true;  // records before any sample start are not trusted
      SystemItem item;
      item.kind = kind;
      item.id = r->id;
      item.name = name;
      memcpy(item.values, r->values, sizeof(item.values));
      current_->items.push_back(std::move(item));
      return true;
    }
    case RecordType::kSystemMemory:
      if (current_ && record.As<SystemMemoryRecord>()) {
        current_->memory = *record.As<SystemMemoryRecord>();
      }
      return true;
    case RecordType::kSystemCpu:
      if (current_ && record.As<SystemCpuRecord>()) current_->cpu = *record.As<SystemCpuRecord>();
      return true;
    case RecordType::kSystemLoad:
      if (current_ && record.As<SystemLoadRecord>()) {
        current_->load = *record.As<SystemLoadRecord>();
      }
      return true;
    default:
      return false;
  }
}

bool SystemSampleAssembler::Take(SystemSample* sample) {
  if (!current_) return false;
  *sample = std::move(*current_);
  current_.reset();
  return true;
}

bool IsSystemLog(const std::map<std::string, std::string>& session_info) {
  auto kind = session_info.find(session_key::kTraceKind);
  return kind != session_info.end() && kind->second == session_key::kTraceKindSystem;
}

void RefuseSystemLog(const std::string& trace_path,
                     const std::map<std::string, std::string>& session_info) {
  if (!IsSystemLog(session_info)) return;
  throw TraceError(TraceError::Kind::kNotATrace,
                   "'" + trace_path + "' is a system log (dlogger), not a program's trace: " +
                       "read it with memwrap timeline or memwrap report");
}

void ForEachSystemSample(TraceStream& stream,
                         const std::function<void(const SystemSample&)>& visit) {
  SystemSampleAssembler assembler;
  SystemSample sample;
  stream.ForEach([&](uint32_t pid, const RecordView& record) {
    if (pid != 0) return true;
    // A new sample start completes the previous sample.
    if (record.type == RecordType::kSystemItem &&
        SystemItemKind(record.flags) == SystemItemKind::kSampleStart && assembler.Take(&sample)) {
      visit(sample);
    }
    assembler.Add(record);
    return true;
  });
  if (assembler.Take(&sample)) visit(sample);
}

std::vector<SystemMemoryRow> ReadSystemSamples(TraceStream& stream) {
  std::vector<SystemMemoryRow> rows;
  uint64_t first_realtime = 0;
  ForEachSystemSample(stream, [&](const SystemSample& sample) {
    if (!sample.memory) return;
    if (rows.empty()) first_realtime = sample.realtime_ns;
    SystemMemoryRow row;
    row.realtime_ns = sample.realtime_ns;
    row.time_ns = sample.realtime_ns > first_realtime ? sample.realtime_ns - first_realtime : 0;
    row.host = sample.host;
    row.memory = *sample.memory;
    const SystemMemoryRecord& m = row.memory;
    if (m.total > 0) {
      row.used_percent = 100.0 * double(m.used) / double(m.total);
      row.available_percent = 100.0 * double(m.available) / double(m.total);
    }
    if (m.swap_total > 0)
      row.swap_used_percent = 100.0 * double(m.swap_used) / double(m.swap_total);
    rows.push_back(std::move(row));
  });
  return rows;
}

}  // namespace memwrap
