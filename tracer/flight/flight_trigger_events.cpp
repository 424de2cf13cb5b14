#include "tracer/flight/flight_trigger_events.h"

#include <string.h>

#include "symbols/module_record.h"
#include "tracefile/record_cursor.h"
#include "tracer/syscalls/syscall_table.h"

namespace memwrap {
TriggerEvents::TriggerEvents(bool read_stacks, uint64_t origin_ns)
    : read_stacks_(read_stacks), origin_ns_(origin_ns) {
  stack_.owner = this;
}

size_t TriggerEvents::Stack::Depth() {
  if (!known->resolved) {
    known->resolved = true;
    known->frames.clear();
    for (uint64_t address : known->addresses) {
      // Each return address stands for its inlined functions and the one they were inlined
      // into: a frame each, innermost first.
      for (const SourceFrame& frame : owner->symbolizer_.Symbolize(image, address)) {
        known->frames.push_back({frame.function, frame.module, frame.file, frame.line});
      }
    }
  }
  return known->frames.size();
}

uint32_t TriggerEvents::ImageOf(uint32_t pid) {
  auto [it, added] = images_.try_emplace(pid, next_image_);
  if (added) ++next_image_;
  return it->second;
}

FilterStack* TriggerEvents::StackOf(uint32_t pid, StackId id) {
  if (!read_stacks_) return nullptr;
  const uint32_t image = ImageOf(pid);
  auto it = stacks_.find(uint64_t(image) << 32 | id);
  if (it == stacks_.end()) return nullptr;
  stack_.image = image;
  stack_.known = &it->second;
  return &stack_;
}

void TriggerEvents::NewImage(uint32_t pid) {
  auto it = images_.find(pid);
  if (it == images_.end()) return;
  const uint64_t image = it->second;
  for (auto stack = stacks_.begin(); stack != stacks_.end();) {
    stack = (stack->first >> 32) == image ? stacks_.erase(stack) : std::next(stack);
  }
  images_.erase(it);  // the next record takes a fresh image number
}

void TriggerEvents::Keep(uint32_t pid, const uint8_t* record, const RecordHeader& header) {
  switch (RecordType(header.type)) {
    case RecordType::kProcessStart:
      // A new image (exec): its own modules and stack ids.
      images_[pid] = next_image_++;
      break;
    case RecordType::kModule: {
      LoadedModule module;
      if (read_stacks_ && ReadModuleRecord(record, header.size, &module)) {
        symbolizer_.AddModule(ImageOf(pid), module);
      }
      break;
    }
    case RecordType::kStack: {
      StackRecord stack;
      if (!read_stacks_ || !CopyRecord(record, header.size, &stack) ||
          stack.depth > kMaxStackDepth || sizeof(stack) + uint64_t(stack.depth) * 8 > header.size) {
        break;
      }
      KnownStack& known = stacks_[uint64_t(ImageOf(pid)) << 32 | stack.id];
      known.resolved = false;  // (re)sent: resolved again when asked
      known.addresses.resize(stack.depth);
      if (stack.depth > 0) {
        memcpy(known.addresses.data(), record + sizeof(stack), stack.depth * 8ull);
      }
      break;
    }
    default:
      break;
  }
}

std::optional<FilterEvent> TriggerEvents::EventOf(uint32_t pid, const uint8_t* record,
                                                  const RecordHeader& header) {
  Keep(pid, record, header);
  FilterEvent event;
  event.pid = pid;
  uint64_t ts = 0;
  switch (RecordType(header.type)) {
    case RecordType::kAlloc:
      if (AllocRecord r; CopyRecord(record, header.size, &r)) {
        event.kind = FilterKind::kAlloc;
        event.size = r.size;
        event.address = r.addr;
        event.tid = r.tid;
        event.stack = StackOf(pid, r.stack);
        ts = r.ts_ns;
        break;
      }
      return std::nullopt;
    case RecordType::kFree:
    case RecordType::kReallocBegin:
      // FREE and REALLOC_BEGIN share their layout (records.h).
      if (FreeRecord r; CopyRecord(record, header.size, &r)) {
        event.kind = FilterKind::kFree;
        event.address = r.addr;
        event.tid = r.tid;
        ts = r.ts_ns;
        break;
      }
      return std::nullopt;
    case RecordType::kReallocEnd:
      if (ReallocEndRecord r; CopyRecord(record, header.size, &r)) {
        event.kind = FilterKind::kRealloc;
        event.size = r.size;
        event.address = r.new_addr;
        event.tid = r.tid;
        event.stack = StackOf(pid, r.stack);
        ts = r.ts_ns;
        break;
      }
      return std::nullopt;
    case RecordType::kMmap:
      if (MmapRecord r; CopyRecord(record, header.size, &r)) {
        event.kind = FilterKind::kMmap;
        event.size = r.length;
        event.address = r.addr;
        event.tid = r.tid;
        event.stack = StackOf(pid, r.stack);
        ts = r.ts_ns;
        break;
      }
      return std::nullopt;
    case RecordType::kMunmap:
      if (MunmapRecord r; CopyRecord(record, header.size, &r)) {
        event.kind = FilterKind::kMunmap;
        event.size = r.length;
        event.address = r.addr;
        event.tid = r.tid;
        ts = r.ts_ns;
        break;
      }
      return std::nullopt;
    case RecordType::kSyscall:
      if (SyscallRecord r; CopyRecord(record, header.size, &r)) {
        event.kind = FilterKind::kSyscall;
        event.syscall = Syscall(r.number).name;
        event.result = r.result;
        event.tid = r.tid;
        ts = r.ts_ns;
        break;
      }
      return std::nullopt;
    case RecordType::kMark:
      if (MarkRecord r;
          CopyRecord(record, header.size, &r) && ReadMarkName(record, header.size, &mark_)) {
        marked_ = true;
        event.kind = FilterKind::kMark;
        event.tid = r.tid;
        ts = r.ts_ns;
        break;
      }
      return std::nullopt;
    case RecordType::kMemorySample:
    case RecordType::kHeapCounters:
      if (!ReadRecordTimestamp(record, header.size, &ts)) return std::nullopt;
      event.kind = FilterKind::kSample;
      break;
    default:
      return std::nullopt;
  }
  if (marked_) event.mark = mark_;
  event.time_ns = ts > origin_ns_ ? ts - origin_ns_ : 0;
  return event;
}

}  // namespace memwrap
