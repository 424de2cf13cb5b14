// The plugins of one recording (memwrap run|fltrec|watch --plugin LIB[:ARG]): starts their
// hosts before the program, feeds them what the collector drains and adds, and does what they
// ask: a mark goes into the process's stream, a dump fires the flight recorder (or, without
// one, is the mark "dump: REASON"), a stop ends the recording cleanly while the program runs
// on. Everything runs on the collector's thread, but Start and Finish.
#pragma once

#include <stdint.h>

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "tracer/plugin/plugin_judge.h"

namespace memwrap {

class Collector;
class FlightRecorder;

struct PluginOptions {
  std::vector<std::string> plugins;  // --plugin, as given
  std::string timeout = "1s";        // --plugin-timeout, as given
  uint64_t timeout_ns = 1'000'000'000;
};

class PluginSession {
 public:
  // Starts a host per plugin and waits until each has loaded its library. Throws
  // std::runtime_error "plugin LIB: reason" for the first that cannot.
  PluginSession(const PluginOptions& options, const std::string& host_executable);
  ~PluginSession();

  // Where requests go; `flight` null unless fltrec. `quiet`: no notice for a stop. Call
  // before the collector starts: installs the observer of the collector's own records.
  void Attach(Collector* collector, FlightRecorder* flight, bool quiet);
  // A batch drained from `pid`'s ring (Collector::ObserveHeapRecords), for every plugin but
  // those that judge the batches already (`judging`: the collector's KeptAllocations has
  // them, DroppingJudges).
  void OnHeapRecords(uint32_t pid, const uint8_t* records, size_t size, bool judging);
  // After the collector has finished: each plugin's fini.
  void Finish();

  // The plugins that drop allocations (plugin.h: memwrap_plugin_drops_allocations), for the
  // collector stage that applies their verdicts (kept_allocations.h); and their names.
  std::vector<AllocationJudge*> DroppingJudges() const;
  std::string DroppingNames() const;

 private:
  void Apply(const PluginSpec& plugin, uint32_t batch_pid, const PluginRequest& request);
  void Saw(uint32_t pid) { pids_.insert(pid); }

  std::vector<std::unique_ptr<PluginJudge>> judges_;
  Collector* collector_ = nullptr;
  FlightRecorder* flight_ = nullptr;
  bool quiet_ = false;
  bool stopped_ = false;
  std::unordered_set<uint32_t> pids_;  // every process a plugin was given records of
};

// A MARK record named `name` at `ts_ns` (thread 0: memwrap's, not the program's).
std::vector<uint8_t> MarkRecordOf(uint64_t ts_ns, const std::string& name);

}  // namespace memwrap
