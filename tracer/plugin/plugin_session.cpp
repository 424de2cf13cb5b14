#include "tracer/plugin/plugin_session.h"

#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <stdexcept>

#include "memwrap/monotonic_clock.h"
#include "memwrap/records.h"
#include "tracer/collector/collector.h"
#include "tracer/flight/flight_recorder.h"

namespace memwrap {
namespace {

// Loading a library (and its dependencies) may take longer than answering a batch.
constexpr uint64_t kMinLoadTimeoutNs = 10'000'000'000;

}  // namespace

std::vector<uint8_t> MarkRecordOf(uint64_t ts_ns, const std::string& name) {
  const size_t length = std::min<size_t>(name.size(), kMaxMarkName - 1);
  MarkRecord record{};
  record.ts_ns = ts_ns;
  record.tid = 0;
  record.name_size = uint32_t(length + 1);
  const uint32_t used = uint32_t(sizeof(record) + record.name_size);
  record.h = {AlignRecordSize(used), uint16_t(RecordType::kMark), 0};
  std::vector<uint8_t> bytes(record.h.size, 0);
  memcpy(bytes.data(), &record, sizeof(record));
  memcpy(bytes.data() + sizeof(record), name.data(), length);
  return bytes;
}

PluginSession::PluginSession(const PluginOptions& options, const std::string& host_executable) {
  for (const std::string& text : options.plugins) {
    const PluginSpec spec = ParsePluginSpec(text);
    std::unique_ptr<PluginProcess> process;
    try {
      process = std::make_unique<PluginProcess>(spec, host_executable, options.timeout_ns,
                                                options.timeout,
                                                std::max(options.timeout_ns, kMinLoadTimeoutNs));
    } catch (const std::runtime_error& error) {
      throw std::runtime_error("plugin " + spec.text + ": " + error.what());
    }
    judges_.push_back(std::make_unique<PluginJudge>(
        std::move(process), spec,
        [this](const PluginSpec& plugin, uint32_t pid, const PluginRequest& request) {
          Apply(plugin, pid, request);
        }));
  }
}

PluginSession::~PluginSession() = default;

void PluginSession::Attach(Collector* collector, FlightRecorder* flight, bool quiet) {
  collector_ = collector;
  flight_ = flight;
  quiet_ = quiet;
  collector->ObserveOwnRecords([this](uint32_t pid, const uint8_t* records, size_t size) {
    Saw(pid);
    for (auto& judge : judges_) judge->Observe(pid, records, size);
  });
}

void PluginSession::OnHeapRecords(uint32_t pid, const uint8_t* records, size_t size, bool judging) {
  Saw(pid);
  // An image's PROCESS_START alone: the plugins have it from the collector's own records
  // (Attach), once.
  RecordHeader first;
  if (size >= sizeof(first)) {
    memcpy(&first, records, sizeof(first));
    if (first.type == uint16_t(RecordType::kProcessStart) && first.size == size) return;
  }
  for (auto& judge : judges_) {
    if (!(judging && judge->drops_allocations())) judge->Observe(pid, records, size);
  }
}

std::vector<AllocationJudge*> PluginSession::DroppingJudges() const {
  std::vector<AllocationJudge*> dropping;
  for (const auto& judge : judges_) {
    if (judge->drops_allocations()) dropping.push_back(judge.get());
  }
  return dropping;
}

std::string PluginSession::DroppingNames() const {
  std::string names;
  for (const auto& judge : judges_) {
    if (judge->drops_allocations()) names += (names.empty() ? "" : ", ") + judge->spec().text;
  }
  return names;
}

void PluginSession::Finish() {
  for (auto& judge : judges_) judge->Finish();
}

void PluginSession::Apply(const PluginSpec& plugin, uint32_t batch_pid,
                          const PluginRequest& request) {
  const uint64_t ts = request.time_ns != 0 ? request.time_ns : MonotonicNs();
  // A mark goes to a process of the recording: one the plugin names that is not (0, or a
  // mistake) means the one whose events it was handling.
  const uint32_t pid = pids_.count(request.pid) != 0 ? request.pid : batch_pid;
  switch (request.kind) {
    case PluginRequest::Kind::kMark:
      collector_->AddRecord(pid, MarkRecordOf(ts, request.text));
      break;
    case PluginRequest::Kind::kDump:
      if (flight_ != nullptr) {
        flight_->RequestDump("plugin " + plugin.text + ": " + request.text);
      } else {
        collector_->AddRecord(pid, MarkRecordOf(ts, "dump: " + request.text));
      }
      break;
    case PluginRequest::Kind::kStop:
      if (stopped_) break;
      stopped_ = true;
      if (!quiet_) {
        fprintf(stderr,
                "memwrap: plugin %s stopped the recording%s%s; the program runs on untraced\n",
                plugin.text.c_str(), request.text.empty() ? "" : ": ", request.text.c_str());
      }
      collector_->StopCleanly();
      break;
  }
}

}  // namespace memwrap
