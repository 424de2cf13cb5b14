// A plugin as an AllocationJudge (allocation_judge.h): each batch goes to the plugin's host
// (plugin_process.h), whose answer says which allocations the trace keeps and what the plugin
// asked of memwrap (marks, a dump, the end of the recording), handed to `on_request`. A host
// that crashes or hangs is said so once on standard error and let go: from then on every
// allocation is kept and the plugin sees nothing more.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "tracer/collector/allocation_judge.h"
#include "tracer/plugin/plugin_process.h"

namespace memwrap {

class PluginJudge : public AllocationJudge {
 public:
  // `pid`: the process whose batch the plugin was handling when it asked.
  using RequestHandler =
      std::function<void(const PluginSpec& plugin, uint32_t pid, const PluginRequest&)>;
  PluginJudge(std::unique_ptr<PluginProcess> process, PluginSpec spec, RequestHandler on_request);

  // A batch drained from `pid`'s ring: the plugin's verdicts go into `keep`.
  void Judge(uint32_t pid, const uint8_t* records, size_t size,
             std::vector<uint8_t>* keep) override;
  // Records the plugin sees but that are not judged: those the collector adds itself
  // (PROCESS_START, MEMORY_SAMPLE, IMAGE_END: Collector::ObserveOwnRecords), or a batch seen
  // while no collector stage applies verdicts.
  void Observe(uint32_t pid, const uint8_t* records, size_t size);
  // The plugin's fini, after the collector has finished (no more batches).
  void Finish();

  bool failed() const { return process_->failed(); }
  bool drops_allocations() const { return process_->drops_allocations(); }
  const PluginSpec& spec() const { return spec_; }

 private:
  void Failed();

  std::unique_ptr<PluginProcess> process_;
  PluginSpec spec_;
  RequestHandler on_request_;
  bool said_failure_ = false;
  std::vector<uint8_t> verdicts_;
  std::vector<uint8_t> scratch_;
  std::vector<PluginRequest> requests_;
};

}  // namespace memwrap
