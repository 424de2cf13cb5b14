#include "tracer/collector/ring_consumer.h"

#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "memwrap/monotonic_clock.h"
#include "memwrap/records.h"

namespace memwrap {

std::string RingConsumer::Validate(const void* mapping, uint64_t mapping_size) {
  if (mapping_size < kRingHeaderSize) return "ring smaller than its header";
  const auto* header = static_cast<const RingHeader*>(mapping);
  if (header->magic != kRingMagic) return "ring magic mismatch";
  if (header->layout_version != kRingLayoutVersion) {
    return "ring layout version " + std::to_string(header->layout_version) + " (expected " +
           std::to_string(kRingLayoutVersion) + ")";
  }
  if (header->header_size != kRingHeaderSize) return "ring header size mismatch";
  if (!IsValidRingCapacity(header->capacity)) {
    return "ring capacity " + std::to_string(header->capacity) + " is not allowed";
  }
  const uint32_t thread_rings = header->thread_ring_count;
  const uint64_t thread_ring_capacity = header->thread_ring_capacity;
  if (thread_rings > kMaxThreadRings) return "too many thread rings";
  if (thread_rings != 0 && (thread_ring_capacity < kMinThreadRingCapacity ||
                            thread_ring_capacity > kMaxThreadRingCapacity ||
                            (thread_ring_capacity & (thread_ring_capacity - 1)) != 0)) {
    return "thread ring capacity " + std::to_string(thread_ring_capacity) + " is not allowed";
  }
  const uint32_t caller_table_entries = header->caller_table_entries;
  if (caller_table_entries != 0 && caller_table_entries != kCallerTableEntries) {
    return "caller table entries " + std::to_string(caller_table_entries) + " is not allowed";
  }
  if (RingMappingBytes(header->capacity, thread_rings, thread_rings != 0 ? thread_ring_capacity : 0,
                       caller_table_entries != 0) != mapping_size) {
    return "ring capacity/size mismatch";
  }
  return "";
}

RingConsumer::RingConsumer(void* mapping)
    : header_(static_cast<RingHeader*>(mapping)),
      data_(static_cast<uint8_t*>(mapping) + kRingHeaderSize),
      capacity_(header_->capacity),
      mask_(capacity_ - 1),
      tail_(header_->tail.load(std::memory_order_relaxed)) {
  // Slots start 8-aligned, which is what keeps a commit tag from straddling the end of the data
  // area. The starting tail comes from the shared header, so a hostile shim could make it
  // anything: a misaligned one would make Drain read a tag past the end of the mapping.
  if (tail_ % kSlotTagSize != 0) {
    damage_ = "ring tail " + std::to_string(tail_) + " is not a slot position";
  }
}

namespace {

// Minimum size of each record type a shim may send; 0 for types a shim must not send.
uint32_t MinimumShimRecordSize(RecordType type) {
  switch (type) {
    case RecordType::kModule:
      return sizeof(ModuleRecord);
    case RecordType::kStack:
      return sizeof(StackRecord);
    case RecordType::kAlloc:
      return sizeof(AllocRecord);
    case RecordType::kFree:
      return sizeof(FreeRecord);
    case RecordType::kReallocBegin:
      return sizeof(ReallocBeginRecord);
    case RecordType::kReallocEnd:
      return sizeof(ReallocEndRecord);
    case RecordType::kShimNotice:
      return sizeof(ShimNoticeRecord);
    case RecordType::kLost:
      return sizeof(LostRecord);
    case RecordType::kMmap:
      return sizeof(MmapRecord);
    case RecordType::kMunmap:
      return sizeof(MunmapRecord);
    case RecordType::kMremapBegin:
      return sizeof(MremapBeginRecord);
    case RecordType::kMremapEnd:
      return sizeof(MremapEndRecord);
    case RecordType::kBrk:
      return sizeof(BrkRecord);
    case RecordType::kModulesChanged:
      return sizeof(ModulesChangedRecord);
    case RecordType::kMark:
      return sizeof(MarkRecord);
    case RecordType::kThreadHeapCounters:
      return sizeof(ThreadHeapCountersRecord);
    case RecordType::kCallerTotals:
      return sizeof(CallerTotalsRecord);
    case RecordType::kLibraryObject:
      return sizeof(LibraryObjectRecord);
    case RecordType::kLibraryFunction:
      return sizeof(LibraryFunctionRecord);
    case RecordType::kLibraryCall:
      return sizeof(LibraryCallRecord);
    default:
      return 0;
  }
}

}  // namespace

bool ValidShimRecord(const uint8_t* record, uint32_t size) {
  RecordHeader header;
  memcpy(&header, record, sizeof(header));
  uint32_t minimum = MinimumShimRecordSize(static_cast<RecordType>(header.type));
  if (minimum == 0 || size < minimum) return false;
  if (header.type == uint16_t(RecordType::kStack)) {
    StackRecord stack;
    memcpy(&stack, record, sizeof(stack));
    return stack.depth <= kMaxStackDepth && sizeof(stack) + uint64_t(stack.depth) * 8 <= size;
  }
  // A slot's sums are the collector's to read (records.h): a shim sends a thread's own.
  if (header.type == uint16_t(RecordType::kThreadHeapCounters)) {
    return (header.flags & kThreadHeapCountersSlotTotal) == 0;
  }
  // Likewise the tables are the collector's to read: a shim sends evictions only.
  if (header.type == uint16_t(RecordType::kCallerTotals)) {
    return (header.flags & kCallerTotalsFromTable) == 0;
  }
  if (header.type == uint16_t(RecordType::kMark)) {
    MarkRecord mark;
    memcpy(&mark, record, sizeof(mark));
    return mark.name_size >= 1 && mark.name_size <= kMaxMarkName &&
           sizeof(mark) + uint64_t(mark.name_size) <= size &&
           record[sizeof(mark) + mark.name_size - 1] == '\0';
  }
  // Named records: the name lies within the record and ends with its NUL.
  auto named = [&](uint64_t fixed, uint32_t name_size) {
    return name_size >= 1 && fixed + name_size <= size && record[fixed + name_size - 1] == '\0';
  };
  if (header.type == uint16_t(RecordType::kLibraryCall)) {
    LibraryCallRecord call;
    memcpy(&call, record, sizeof(call));
    return sizeof(call) + uint64_t(call.text_size) <= size;
  }
  if (header.type == uint16_t(RecordType::kLibraryObject)) {
    LibraryObjectRecord object;
    memcpy(&object, record, sizeof(object));
    return named(sizeof(object), object.path_size);
  }
  if (header.type == uint16_t(RecordType::kLibraryFunction)) {
    LibraryFunctionRecord function;
    memcpy(&function, record, sizeof(function));
    return named(sizeof(function), function.name_size);
  }
  if (header.type == uint16_t(RecordType::kModule)) {
    ModuleRecord module;
    memcpy(&module, record, sizeof(module));
    uint64_t need = sizeof(module) + uint64_t(module.segment_count) * sizeof(ModuleSegment) +
                    module.build_id_size + module.path_size;
    return module.segment_count <= kMaxModuleSegments && module.build_id_size <= kMaxBuildIdSize &&
           module.path_size >= 1 && need <= size && record[need - 1] == '\0';
  }
  return true;
}

size_t RingConsumer::Drain(ByteBuffer* out, size_t max_bytes) {
  if (damaged()) return 0;
  size_t appended = 0;
  const uint64_t start_tail = tail_;
  // Records of threads that can read no clock carry time 0: they get the time they are read,
  // late by at most the time they waited in the ring (ring.h, clockless_threads).
  uint64_t read_time_ns = 0;
  if (header_->clockless_threads.load(std::memory_order_acquire) != 0) {
    read_time_ns = MonotonicNs();
  }
  while (appended < max_bytes) {
    const uint64_t offset = tail_ & mask_;
    // Acquire: pairs with the producer's release store of this tag, which it made after the
    // record bytes; so the copy below sees a complete record.
    auto* tag = reinterpret_cast<std::atomic<uint64_t>*>(data_ + offset);
    if (tag->load(std::memory_order_acquire) != CommitTag(tail_)) break;

    auto copy_out = [&](uint64_t position, uint8_t* dst, uint64_t size) {
      uint64_t off = position & mask_;
      uint64_t first = capacity_ - off < size ? capacity_ - off : size;
      memcpy(dst, data_ + off, first);
      if (first < size) memcpy(dst + first, data_, size - first);
    };
    RecordHeader header;
    copy_out(tail_ + kSlotTagSize, reinterpret_cast<uint8_t*>(&header), sizeof(header));
    if (header.size < sizeof(RecordHeader) || header.size > kMaxRecordSize ||
        header.size % kRecordAlign != 0 || header.size + kSlotTagSize > capacity_) {
      damage_ = "record at ring position " + std::to_string(tail_) + " has impossible size " +
                std::to_string(header.size);
      break;
    }
    // Copied once, straight into `out`, and checked there: the ring's bytes may change under
    // us, the copy cannot.
    const size_t at = out->size();
    out->resize(at + header.size);
    copy_out(tail_ + kSlotTagSize, out->data() + at, header.size);
    // The producer side may have rewritten the header since we read it: the size checked above
    // is the one we copy and forward, so the record must say that size (and the type
    // ValidShimRecord checks must be the one forwarded), or the chunk it lands in is unreadable.
    memcpy(out->data() + at, &header, sizeof(header));
    if (!ValidShimRecord(out->data() + at, header.size)) {
      out->resize(at);
      damage_ = "malformed record of type " + std::to_string(header.type) + " at ring position " +
                std::to_string(tail_);
      break;
    }
    uint64_t ts_ns = 0;
    if (read_time_ns != 0 && ReadRecordTimestamp(out->data() + at, header.size, &ts_ns) &&
        ts_ns == 0) {
      WriteRecordTimestamp(out->data() + at, read_time_ns);
    }
    appended += header.size;
    tail_ += kSlotTagSize + header.size;
  }
  if (tail_ != start_tail) {
    // Release: our copies above are complete before producers may reuse the space. Pairs
    // with the producer's acquire load of tail in WaitForSpace.
    header_->tail.store(tail_, std::memory_order_release);
    header_->consumer_seq.fetch_add(1, std::memory_order_seq_cst);
    if (header_->waiters.load(std::memory_order_seq_cst) != 0) {
      syscall(SYS_futex, &header_->consumer_seq, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
    }
  }
  return appended;
}

uint64_t RingConsumer::UnreadBytes() const {
  uint64_t head = header_->head.load(std::memory_order_acquire);
  // A hostile or torn head below our tail means nothing sensible is left to count.
  return head > tail_ ? head - tail_ : 0;
}

}  // namespace memwrap
