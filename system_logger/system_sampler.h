// The system logger's clock: samples every module at start and then every `interval` on a
// timerfd with absolute deadlines (start + k x interval, so the period never drifts however
// long a sample takes), until `duration` has passed or SIGINT / SIGTERM / SIGHUP arrives.
#pragma once

#include <stdint.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "system_logger/system_module.h"

namespace memwrap {

struct SamplerSchedule {
  uint64_t interval_ns = 1000000000;
  uint64_t duration_ns = 0;  // 0: until a signal stops it
  bool once = false;         // one sample, then return (cronlogger)
  std::string host;          // named in each sample's first record
};

struct SamplerResult {
  uint64_t samples = 0;
  uint64_t missed_ticks = 0;  // deadlines that passed while a sample was late (not sampled)
  int stop_signal = 0;        // the signal that stopped it, 0 if none
  bool stopped_by_sink = false;
};

// Calls on_sample(ts_ns, records) with each sample's records: a SYSTEM_ITEM kSampleStart, then
// the modules' records in their order;
// on_sample returns false to stop (an output that failed). SIGINT, SIGTERM and SIGHUP are
// blocked while it runs and read from a signalfd, so a stop never tears a sample. After a stop
// by a signal they stay blocked (a second signal must not kill the caller while it finishes
// its outputs): the caller is expected to exit.
SamplerResult RunSystemSampler(const std::vector<std::unique_ptr<SystemModule>>& modules,
                               const SamplerSchedule& schedule,
                               const std::function<bool(uint64_t, const ByteBuffer&)>& on_sample);

}  // namespace memwrap
