// Which process image each pid runs at each point of a TraceStream, numbered exactly as
// TraceCatalog numbers them (both count PROCESS_START records in stream order).
#pragma once

#include <stdint.h>

#include <map>

#include "memwrap/records.h"
#include "replay/image_id.h"
#include "tracefile/record_cursor.h"

namespace memwrap {

class ImageTracker {
 public:
  // Returns the image of `pid` after this record; sets *ended to the image whose heap is gone
  // (IMAGE_END, or a new image of the same pid).
  ImageId Track(uint32_t pid, const RecordView& record, ImageId* ended) {
    *ended = 0;
    if (record.type == RecordType::kImageEnd || record.type == RecordType::kProcessStart) {
      cached_image_ = 0;
    }
    if (record.type == RecordType::kImageEnd && record.As<ImageEndRecord>() != nullptr) {
      auto it = current_.find(pid);
      if (it != current_.end()) *ended = it->second;
      return *ended;
    }
    if (record.type == RecordType::kProcessStart && record.As<ProcessStartRecord>() != nullptr) {
      auto it = current_.find(pid);
      if (it != current_.end()) *ended = it->second;
      current_[pid] = ++last_;
      return last_;
    }
    // Runs of records nearly always come from one pid: remember the latest lookup.
    if (pid == cached_pid_ && cached_image_ != 0) return cached_image_;
    auto it = current_.find(pid);
    cached_pid_ = pid;
    cached_image_ = it == current_.end() ? 0 : it->second;
    return cached_image_;
  }

 private:
  std::map<uint32_t, ImageId> current_;
  ImageId last_ = 0;
  uint32_t cached_pid_ = 0;
  ImageId cached_image_ = 0;  // 0: nothing cached (an unknown pid is looked up again)
};

}  // namespace memwrap
