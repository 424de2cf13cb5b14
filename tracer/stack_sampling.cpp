#include "tracer/stack_sampling.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "memwrap/monotonic_clock.h"

namespace memwrap {
namespace {

// Unwinding may stop the program's threads for at most this share of the wall time.
constexpr uint64_t kBudgetPercent = 5;

}  // namespace

StackSampling::StackSampling(ProcessTree* tree, TraceRecorder* recorder, uint32_t rate_hz,
                             uint32_t max_depth)
    : tree_(tree), recorder_(recorder), rate_hz_(rate_hz), max_depth_(max_depth) {}

void StackSampling::Tick(uint64_t now_ns) {
  if (now_ns < next_round_ns_) return;
  const uint64_t period = 1000000000ull / rate_hz_;
  std::uniform_int_distribution<uint64_t> jitter(period / 2, period + period / 2);
  next_round_ns_ = now_ns + jitter(random_);
  for (const auto& [pid, tids] : tree_->Threads()) {
    for (pid_t tid : tids) {
      const pid_t process = pid;
      tree_->WhenStopped(tid, [this, process](pid_t stopped) { Sample(process, stopped); });
    }
  }
  CheckBudget(now_ns);
}

void StackSampling::NewImage(pid_t pid) {
  sampler_.Forget(pid);
  stacks_.erase(pid);
  modules_written_.erase(pid);
}

void StackSampling::Sample(pid_t pid, pid_t tid) {
  const uint64_t start = MonotonicNs();
  StackSampleRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kStackSample), 0};
  record.ts_ns = start;
  record.tid = uint32_t(tid);
  record.stack = kNoStack;
  if (sampler_.Unwind(pid, tid, max_depth_, &frames_)) {
    if (recorder_->WithoutShim(pid) && modules_written_.insert(pid).second) {
      for (const auto& module : sampler_.ModuleRecords(pid, start)) {
        recorder_->AddRecord(pid, module.data(), module.size(), start);
      }
    }
    record.stack = Intern(pid, frames_, start);
  }
  recorder_->AddRecord(pid, &record, sizeof(record), start);
  ++samples_;
  window_busy_ns_ += MonotonicNs() - start;
}

StackId StackSampling::Intern(pid_t pid, const std::vector<uint64_t>& frames, uint64_t now_ns) {
  auto& stacks = stacks_[pid];
  auto it = stacks.find(frames);
  if (it != stacks.end()) return it->second;
  const StackId id = kTracerStackIdBit | StackId(stacks.size() + 1);
  stacks.emplace(frames, id);
  const uint32_t depth = uint32_t(std::min<size_t>(frames.size(), kMaxStackDepth));
  StackRecord header{};
  header.h = {uint32_t(sizeof(header) + 8 * depth), uint16_t(RecordType::kStack), 0};
  header.id = id;
  header.depth = depth;
  std::vector<uint8_t> bytes(header.h.size);
  memcpy(bytes.data(), &header, sizeof(header));
  memcpy(bytes.data() + sizeof(header), frames.data(), 8 * depth);
  recorder_->AddRecord(pid, bytes.data(), bytes.size(), now_ns);
  return id;
}

void StackSampling::CheckBudget(uint64_t now_ns) {
  if (window_start_ns_ == 0) window_start_ns_ = now_ns;
  const uint64_t elapsed = now_ns - window_start_ns_;
  if (elapsed < 1000000000ull) return;
  if (window_busy_ns_ * 100 > elapsed * kBudgetPercent && rate_hz_ > 1) {
    const uint32_t before = rate_hz_;
    rate_hz_ = std::max<uint32_t>(1, rate_hz_ / 2);
    if (!announced_) {
      fprintf(stderr,
              "memwrap: stack samples stop the program for %.1f%% of the time; sampling at %u Hz "
              "instead of %u Hz (budget %llu%%)\n",
              double(window_busy_ns_) * 100 / double(elapsed), rate_hz_, before,
              static_cast<unsigned long long>(kBudgetPercent));
      announced_ = true;
    }
  }
  window_start_ns_ = now_ns;
  window_busy_ns_ = 0;
}

}  // namespace memwrap
