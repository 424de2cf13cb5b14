#include "analyzer/trace_catalog.h"

#include <string.h>

#include "analyzer/trace_stream.h"
#include "symbols/module_record.h"

namespace memwrap {
namespace {

// A NUL-terminated string inside [p, p + size), or "" if it is not terminated there.
std::string BoundedString(const uint8_t* p, size_t size) {
  const void* nul = memchr(p, '\0', size);
  return nul == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
}

}  // namespace

ImageId TraceCatalog::CurrentImage(uint32_t pid) const {
  auto it = current_image_.find(pid);
  return it == current_image_.end() ? 0 : it->second;
}

std::optional<ProcessEnd> TraceCatalog::End(uint32_t pid) const {
  auto it = ends_.find(pid);
  if (it == ends_.end()) return std::nullopt;
  return it->second;
}

void TraceCatalog::AddRecord(uint32_t pid, const RecordView& record) {
  uint64_t ts;
  if (RecordTimestamp(record, &ts)) {
    if (first_ts_ns_ == 0 || ts < first_ts_ns_) first_ts_ns_ = ts;
    if (ts > last_ts_ns_) last_ts_ns_ = ts;
  }
  switch (record.type) {
    case RecordType::kProcessStart: {
      const auto* start = record.As<ProcessStartRecord>();
      if (start == nullptr) return;
      ProcessImage image;
      image.id = ImageId(images_.size() + 1);
      image.pid = pid;
      image.ppid = start->ppid;
      image.start_ts_ns = start->ts_ns;
      image.has_shim = (record.flags & kProcessStartWithoutShim) == 0;
      const uint8_t* strings = record.data + sizeof(*start);
      size_t room = record.size - sizeof(*start);
      size_t exe_size = start->exe_size <= room ? start->exe_size : room;
      image.exe = BoundedString(strings, exe_size);
      size_t cmd_size =
          start->cmdline_size <= room - exe_size ? start->cmdline_size : room - exe_size;
      for (size_t pos = 0; pos < cmd_size;) {
        std::string arg = BoundedString(strings + exe_size + pos, cmd_size - pos);
        pos += arg.size() + 1;
        image.argv.push_back(arg);
      }
      current_image_[pid] = image.id;
      images_.push_back(std::move(image));
      return;
    }
    case RecordType::kModule: {
      ImageId image = CurrentImage(pid);
      LoadedModule loaded;
      if (image == 0 || !ReadModuleRecord(record.data, record.size, &loaded)) return;
      // dlopen/dlclose make the shim send the whole map again: keep each object once.
      for (const LoadedModule& known : images_[image - 1].modules) {
        if (known.base == loaded.base && known.path == loaded.path) return;
      }
      images_[image - 1].modules.push_back(std::move(loaded));
      return;
    }
    case RecordType::kStack: {
      const auto* stack = record.As<StackRecord>();
      ImageId image = CurrentImage(pid);
      if (stack == nullptr || image == 0 || stack->depth > kMaxStackDepth ||
          sizeof(*stack) + uint64_t(stack->depth) * 8 > record.size) {
        return;
      }
      // The frames may be unaligned in the record: copied out first. A STACK of depth 0 is
      // well-formed (the unwinder found no frame).
      uint64_t frames[kMaxStackDepth];
      if (stack->depth != 0) memcpy(frames, record.data + sizeof(*stack), stack->depth * 8ull);
      stacks_.Add(image, stack->id, frames, stack->depth);
      return;
    }
    case RecordType::kProcessExit: {
      ProcessExitRecord exit;
      if (!record.Copy(&exit)) return;
      ProcessEnd& end = ends_[exit.pid];
      end = {static_cast<ExitKind>(exit.kind), exit.status, exit.ts_ns,
             uint64_t(exit.max_rss_kib) * 1024, std::nullopt};
      if (record.flags & kProcessExitMemwrapRssKnown) {
        end.memwrap_rss_bytes = uint64_t(exit.memwrap_rss_kib) * 1024;
      }
      return;
    }
    case RecordType::kLost: {
      const auto* lost = record.As<LostRecord>();
      if (lost == nullptr) return;
      (lost->unit == uint32_t(LostUnit::kBytes) ? lost_bytes_ : lost_records_) += lost->count;
      return;
    }
    case RecordType::kHeapCounters:
    case RecordType::kThreadHeapCounters:
    case RecordType::kCallerTotals:
      AddSampledCounts(pid, record);
      return;
    case RecordType::kShimNotice: {
      const auto* notice = record.As<ShimNoticeRecord>();
      ImageId image = CurrentImage(pid);
      if (notice == nullptr || image == 0) return;
      images_[image - 1].untracked_nested_calls = notice->untracked_nested_calls;
      images_[image - 1].stacks_not_interned = notice->stacks_not_interned;
      return;
    }
    default:
      return;
  }
}

// Sampled mode's exact figures, kept with the image they describe.
void TraceCatalog::AddSampledCounts(uint32_t pid, const RecordView& record) {
  const ImageId image = CurrentImage(pid);
  if (image == 0) return;
  ProcessImage& into = images_[image - 1];
  if (HeapCountersRecord counters;
      record.type == RecordType::kHeapCounters && record.Copy(&counters)) {
    into.heap_counters = counters;  // the latest reading holds the others
  } else if (ThreadHeapCountersRecord thread;
             record.type == RecordType::kThreadHeapCounters && record.Copy(&thread)) {
    into.thread_counters.push_back(thread);
  } else if (CallerTotalsRecord caller;
             record.type == RecordType::kCallerTotals && record.Copy(&caller)) {
    into.caller_totals.Add(caller.address, caller.calls, caller.bytes);
  }
}

}  // namespace memwrap
