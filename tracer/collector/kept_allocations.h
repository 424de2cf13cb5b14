// `memwrap run --keep-stacks-if EXPR` (and plugins that drop events): the collector stage that
// keeps only the allocations its judges accept (allocation_judge.h), and keeps the trace
// consistent and its figures exact around them.
//
// What the trace keeps of an image:
//  * an ALLOC or a realloc's new block: when every judge accepts it, or when it lands on the
//    address of a kept block still live (a missed free: the replay must see it replaced);
//  * the FREE, REALLOC_BEGIN/END of a kept block (so no kept block looks leaked). A realloc
//    whose old block was kept but whose new one is not becomes an END with no new block and
//    size 0 ("the old block was freed"); one whose new block is kept but whose old one was not
//    becomes an ALLOC of the new block (entry point realloc) at the END's time;
//  * a STACK record just before the first kept record that names it (records that name no
//    kept event cost nothing);
//  * every other record (mappings, marks, modules, samples, notices) as it came.
// What it counts: every heap event, replayed exactly as the analyzer replays them
// (analyzer/heap_replay.h), into a HEAP_COUNTERS record flagged kHeapCountersCounted
// (memwrap/records.h) at each --interval and when the image ends. So allocation and free
// counts, bytes, the live heap, the peak and its time are those of the full trace.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "memwrap/records.h"
#include "replay/heap_replay.h"
#include "tracefile/byte_buffer.h"
#include "tracer/collector/allocation_judge.h"

namespace memwrap {

class KeptAllocations {
 public:
  // `judges`: all must accept an allocation for it to be kept; they outlive this.
  explicit KeptAllocations(std::vector<AllocationJudge*> judges) : judges_(std::move(judges)) {}
  KeptAllocations(const KeptAllocations&) = delete;
  KeptAllocations& operator=(const KeptAllocations&) = delete;

  // One batch of whole records drained from image `image` (the caller's key: one per
  // connection, never reused) of process `pid`: appends what the trace keeps to `out`.
  // Records of earlier batches (stacks) may come out now: whenever `out` reaches
  // `flush_bytes` the stage calls `flush`, which must empty it, so one batch never makes an
  // oversized chunk.
  void Filter(uint32_t image, uint32_t pid, const uint8_t* records, size_t size, ByteBuffer* out,
              size_t flush_bytes, const std::function<void()>& flush);
  // The image's exact figures so far, as a HEAP_COUNTERS record (kHeapCountersCounted; and
  // kHeapCountersFinal when `final`).
  HeapCountersRecord Counters(uint32_t image, uint64_t ts_ns, bool final);
  // The image ended (after its final Counters): forget it.
  void EndImage(uint32_t image, uint32_t pid);

  // Allocations (ALLOC and realloc results) seen and kept, over every image: for the summary.
  uint64_t allocations_seen() const { return seen_; }
  uint64_t allocations_kept() const { return kept_; }

 private:
  struct Image {
    std::unordered_set<uint64_t> kept_blocks;  // live blocks whose allocation was kept
    // STACK records not written yet, by id (the shim sends each stack once, before its first
    // use; it is written before the first kept record that names it).
    std::unordered_map<StackId, std::vector<uint8_t>> unwritten_stacks;
    // Per thread: whether its realloc in flight (REALLOC_BEGIN seen, END not yet) had a kept
    // old block, and which.
    struct Realloc {
      bool old_kept = false;
      uint64_t old_addr = 0;
    };
    std::unordered_map<uint32_t, Realloc> reallocs;
  };
  // Writes one record of `image`, preceded by the STACK record it names if not written yet.
  void Emit(Image& image, const uint8_t* record, uint32_t size, StackId stack, ByteBuffer* out);
  // Applies one record to the replay and appends what is kept of it; `judged_keep`: the
  // judges' verdict (for allocations).
  void Apply(uint32_t image_id, Image& image, const uint8_t* record, const RecordHeader& header,
             bool judged_keep, ByteBuffer* out);
  void ApplyReallocEnd(uint32_t image_id, Image& image, const uint8_t* record,
                       const RecordHeader& header, bool judged_keep, ByteBuffer* out);

  // Raises the peak of every image's live heap together after an event.
  void NotePeak(uint64_t ts_ns);

  std::vector<AllocationJudge*> judges_;
  HeapReplay replay_;  // exact figures of every event, as the analyzer counts them
  uint64_t all_images_peak_bytes_ = 0;
  uint64_t all_images_peak_ts_ns_ = 0;
  std::unordered_map<uint32_t, Image> images_;
  std::vector<uint8_t> verdicts_;
  uint64_t seen_ = 0;
  uint64_t kept_ = 0;
};

}  // namespace memwrap
