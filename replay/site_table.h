// Dense numbers (0, 1, 2, ...) for the (process image, stack) pairs of a trace, so that
// per-call-site state lives in plain vectors indexed by site: the replay touches a site on every
// allocation and free, and a node-based hash map per touch was the analyzer's top cost.
// An open-addressing table with linear probing; one remembered lookup, because consecutive
// records very often come from the same call site.
#pragma once

#include <stdint.h>

#include <utility>
#include <vector>

#include "memwrap/records.h"
#include "replay/image_id.h"

namespace memwrap {

class SiteTable {
 public:
  using Site = uint32_t;

  Site Intern(ImageId image, StackId stack) {
    const uint64_t key = uint64_t(image) << 32 | stack;
    if (key == last_key_ && !keys_.empty()) return last_site_;
    if ((keys_.size() + 1) * 2 > slots_.size()) Grow();
    size_t i = Home(key);
    for (;; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == 0) {
        keys_.push_back(key);
        slots_[i] = Site(keys_.size());  // site + 1: 0 marks a free slot
        break;
      }
      if (keys_[slots_[i] - 1] == key) break;
    }
    last_key_ = key;
    last_site_ = slots_[i] - 1;
    return last_site_;
  }

  ImageId image_of(Site site) const { return ImageId(keys_[site] >> 32); }
  StackId stack_of(Site site) const { return StackId(keys_[site] & 0xffffffff); }
  size_t size() const { return keys_.size(); }

 private:
  size_t Home(uint64_t key) const {
    key ^= key >> 29;
    key *= 0xbf58476d1ce4e5b9ull;
    key ^= key >> 32;
    return size_t(key) & (slots_.size() - 1);
  }
  void Grow() {
    slots_.assign(slots_.empty() ? 1024 : slots_.size() * 2, 0);
    for (size_t site = 0; site < keys_.size(); ++site) {
      size_t i = Home(keys_[site]);
      while (slots_[i] != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = Site(site + 1);
    }
  }

  std::vector<uint64_t> keys_;  // by site
  std::vector<Site> slots_;     // site + 1, or 0
  uint64_t last_key_ = 0;       // meaningful once a key was interned
  Site last_site_ = 0;
};

}  // namespace memwrap
