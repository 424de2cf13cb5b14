#include "tracer/plugin/plugin_judge.h"

#include <stdio.h>

namespace memwrap {

PluginJudge::PluginJudge(std::unique_ptr<PluginProcess> process, PluginSpec spec,
                         RequestHandler on_request)
    : process_(std::move(process)), spec_(std::move(spec)), on_request_(std::move(on_request)) {}

void PluginJudge::Judge(uint32_t pid, const uint8_t* records, size_t size,
                        std::vector<uint8_t>* keep) {
  if (size == 0 || process_->failed()) return;  // every allocation kept
  requests_.clear();
  if (!process_->Exchange(pid, records, size, &verdicts_, &requests_)) {
    Failed();
    return;
  }
  // The host splits the same bytes by the same rules: one verdict per record. Anything else
  // is not trusted, and the batch is kept whole.
  if (keep != nullptr && verdicts_.size() == keep->size()) {
    for (size_t i = 0; i < verdicts_.size(); ++i) {
      if (verdicts_[i] == 0) (*keep)[i] = 0;  // several judges: kept only if all keep it
    }
  }
  for (const PluginRequest& request : requests_) {
    if (on_request_) on_request_(spec_, pid, request);
  }
}

void PluginJudge::Observe(uint32_t pid, const uint8_t* records, size_t size) {
  Judge(pid, records, size, nullptr);
}

void PluginJudge::Finish() {
  if (process_->failed()) return;
  process_->Finish();
  if (process_->failed()) Failed();
}

void PluginJudge::Failed() {
  if (said_failure_) return;
  said_failure_ = true;
  fprintf(stderr, "memwrap: plugin %s %s; recording goes on without it\n", spec_.text.c_str(),
          process_->failure().c_str());
}

}  // namespace memwrap
