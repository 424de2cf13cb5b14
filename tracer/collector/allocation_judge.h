// Decides, on the collector thread, which allocations keep their record and call stack in the
// trace: `memwrap run --keep-stacks-if EXPR` and `--plugin LIB`. A judge only says yes or no;
// the collector keeps the trace consistent around its answers (kept_allocations.h): every
// event is still counted, so totals and the peak stay exact, the free (or realloc) of a kept
// block is kept with it, and a STACK record is written before the first kept event that
// names it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

namespace memwrap {

class AllocationJudge {
 public:
  virtual ~AllocationJudge() = default;
  // `records`: one batch drained from process `pid`'s heap ring, whole records in ring order
  // (memwrap/records.h: ALLOC, FREE, REALLOC_BEGIN/END, STACK, MODULE, MMAP, MARK...).
  // `keep` has one entry per record of the batch, in order, each 1 on entry. Set the entry of
  // an ALLOC or a REALLOC_END to 0 to drop that allocation; the entries of other records are
  // ignored (their fate follows the blocks they name). Called on the collector thread: a judge
  // that may wait (a plugin process) bounds its own wait.
  virtual void Judge(uint32_t pid, const uint8_t* records, size_t size,
                     std::vector<uint8_t>* keep) = 0;
  // The process's heap stream ended (its image exited, exec'd or died).
  virtual void ImageEnded(uint32_t pid) { (void)pid; }
};

}  // namespace memwrap
