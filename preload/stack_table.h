// Interns call stacks inside the traced process: each distinct sequence of return addresses
// gets a 32-bit id, so a stack's frames cross the ring once and every later event carries only
// the id. Storage is mmap'ed directly (never the hooked heap) with MAP_NORESERVE, so only the
// pages actually used cost memory.
//
// Lookups are lock-free; insertions take a spinlock (they are rare once the program warmed
// up). A full table stops interning: new stacks get kNoStack and are counted.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "memwrap/records.h"

namespace memwrap::shim {

class StackTable {
 public:
  // Maps the storage. False if the mapping failed (the caller stops tracing).
  bool Init();
  // Forgets every stack (a forked child starts over). Single-threaded use only.
  void Reset();

  // The id of frames[0..depth). `*must_send` is set when the id's STACK record has not been
  // sent yet and this caller is the one to send it (before or after the event that uses it;
  // the analyzer resolves ids at the end). If sending fails (a full ring in drop mode), the
  // caller calls MarkUnsent and a later caller tries again.
  StackId Intern(const uint64_t* frames, uint32_t depth, bool* must_send);
  void MarkUnsent(StackId id);

  uint64_t overflowed() const { return __atomic_load_n(&overflowed_, __ATOMIC_RELAXED); }

 private:
  struct Entry;
  Entry* entries_ = nullptr;
  uint32_t* entry_of_id_ = nullptr;  // id -> index into entries_
  uint64_t* frames_ = nullptr;
  uint64_t frames_used_ = 0;  // under lock_
  uint32_t next_id_ = 1;      // under lock_
  uint64_t overflowed_ = 0;   // written under lock_, read atomically
  int lock_ = 0;
};

}  // namespace memwrap::shim
