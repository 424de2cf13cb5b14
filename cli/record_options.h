// What the shim records, as memwrap's options: --buffer, --buffers, --on-full, --stacks,
// --stack-depth,
// --sample-bytes, --sample-seed. Turned into the MEMWRAP_* settings the shim reads
// (memwrap/shim_settings.h) and into the trace's session info, so a report can say how its trace
// was recorded.
#pragma once

#include <boost/program_options.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "memwrap/shim_settings.h"

namespace memwrap {

struct RecordOptions {
  std::string buffer;  // as given: a size such as 64KiB
  std::string on_full = "block";
  std::string buffers = "per-process";
  std::string stacks = "full";
  uint32_t stack_depth = kDefaultStackDepth;
  std::string sample_bytes;
  uint64_t sample_seed = 0;  // 0: from the clock

  ShimSettings settings;  // the validated result

  void AddTo(boost::program_options::options_description* options);
  // Checks and converts the values; returns "" or a one-line reason.
  std::string Validate();
  // Every MEMWRAP_* setting, so none is inherited from memwrap's own environment.
  std::vector<std::pair<std::string, std::string>> Environment() const;
  void AddSessionInfo(std::map<std::string, std::string>* info) const;
};

}  // namespace memwrap
