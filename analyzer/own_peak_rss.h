// The program's own peak RSS, from the kernel's high-water mark less memwrap's share of the
// process (docs/tracer.md, "How the program's own RSS is obtained").
//
// VmHWM at exit less memwrap's share at exit is the program's peak only if that share did not
// grow after the program's peak. Each memory sample that read memwrap's share gives another
// figure: VmHWM then less the share then. A sample may raise the exit's figure only by what
// memwrap's share grew since: its VmHWM is taken no higher than VmHWM at exit. VmHWM readings
// are not quite monotone (the kernel sums RSS from per-CPU batches, and sets the high-water
// mark from an approximate sum: a reading at exit was 287 KiB below an earlier sample's here),
// and that noise must not pass for the program's memory. So a process in which memwrap's share
// never changed gets exactly VmHWM at exit less that share.
#pragma once

#include <stdint.h>

#include <algorithm>
#include <iterator>
#include <map>

namespace memwrap {

class OwnPeakRss {
 public:
  // A sample: VmHWM less memwrap's share (`own_hwm`), and that share.
  void AddSample(uint64_t own_hwm, uint64_t memwrap) {
    // Only the samples that no other beats for every VmHWM at exit are kept: a larger figure at
    // a share no larger. Kept ones rise with the share, so there are at most as many as the
    // distinct shares at which the figure rose.
    auto after = frontier_.upper_bound(memwrap);
    if (after != frontier_.begin() && std::prev(after)->second >= own_hwm) return;
    for (auto it = frontier_.lower_bound(memwrap);
         it != frontier_.end() && it->second <= own_hwm;) {
      it = frontier_.erase(it);
    }
    frontier_[memwrap] = own_hwm;
  }

  // The peak, given the exit's VmHWM less memwrap's share then, and that share.
  uint64_t AtExit(uint64_t own_at_exit, uint64_t memwrap_at_exit) const {
    const uint64_t hwm_at_exit = own_at_exit + memwrap_at_exit;
    uint64_t peak = own_at_exit;
    for (const auto& [memwrap, own_hwm] : frontier_) {
      if (memwrap >= memwrap_at_exit) break;  // it cannot raise the figure
      peak = std::max(peak, std::min(own_hwm, hwm_at_exit - memwrap));
    }
    return peak;
  }

 private:
  std::map<uint64_t, uint64_t> frontier_;  // memwrap's share -> the largest figure at it
};

}  // namespace memwrap
