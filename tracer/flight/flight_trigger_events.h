// fltrec's expression triggers (--trigger EXPR, docs/filters.md): each incoming record as a
// filter expression sees it. Keeps what later records need to be seen whole: the call stacks
// and modules of each process image (a stack is symbolized only when an expression reads it
// and the rest of the expression did not already decide), and the latest mark.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "memwrap/records.h"
#include "symbols/symbolizer.h"
#include "tracer/filter/event_filter.h"

namespace memwrap {

class TriggerEvents {
 public:
  // `read_stacks`: some expression reads the call stack (else stacks and modules are not kept).
  // `origin_ns`: the run's start (CLOCK_MONOTONIC), from which `time` counts.
  TriggerEvents(bool read_stacks, uint64_t origin_ns);

  // One incoming record of process `pid`: the event it is, or nothing for a record that is
  // not one (STACK, MODULE, ...). The event's views stay valid until the next call. The
  // caller fills in `heap` and `rss`, the recorder's state.
  std::optional<FilterEvent> EventOf(uint32_t pid, const uint8_t* record,
                                     const RecordHeader& header);
  // `pid`'s next records belong to a new image (its stream ended, or it exec'd), when no
  // PROCESS_START record says so (the collector's own streams): its stacks are forgotten.
  void NewImage(uint32_t pid);

 private:
  // One STACK record of an image: its return addresses, and their frames once an expression
  // asked (each stack is symbolized once; the frames view the symbolizer's strings, which live
  // as long as it does).
  struct KnownStack {
    std::vector<uint64_t> addresses;
    std::vector<FilterFrame> frames;
    bool resolved = false;
  };
  class Stack : public FilterStack {
   public:
    size_t Depth() override;
    FilterFrame Frame(size_t index) override { return known->frames[index]; }

    TriggerEvents* owner = nullptr;
    uint32_t image = 0;
    KnownStack* known = nullptr;
  };
  void Keep(uint32_t pid, const uint8_t* record, const RecordHeader& header);
  FilterStack* StackOf(uint32_t pid, StackId id);
  uint32_t ImageOf(uint32_t pid);

  bool read_stacks_;
  uint64_t origin_ns_;
  std::string mark_;  // the latest mark's name: a mark holds until the next one
  bool marked_ = false;
  std::unordered_map<uint32_t, uint32_t> images_;  // pid -> its current image, from 1
  uint32_t next_image_ = 1;
  std::unordered_map<uint64_t, KnownStack> stacks_;  // by image << 32 | id
  Symbolizer symbolizer_;                            // by image
  Stack stack_;
};

}  // namespace memwrap
