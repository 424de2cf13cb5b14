#include "tracefile/freed_blocks.h"

namespace memwrap {

void FreedBlocks::Push(List* list, uint32_t capacity, uint64_t addr, uint8_t size_class) {
  list->head = (list->head + 1) & (kRing - 1);
  list->addrs[list->head] = addr;
  list->classes[list->head] = size_class;
  if (list->count < capacity) ++list->count;  // else the oldest is out of the list's places
}

// The entries newer than `place` move one place older, over it; the newest slot is freed.
void FreedBlocks::Remove(List* list, uint32_t place) {
  for (uint32_t p = place; p > 0; --p) {
    const uint32_t to = list->Slot(p), from = list->Slot(p - 1);
    list->addrs[to] = list->addrs[from];
    list->classes[to] = list->classes[from];
  }
  list->head = (list->head - 1) & (kRing - 1);
  --list->count;
}

void FreedBlocks::RemoveAddress(List* list, uint64_t addr) {
  for (uint32_t p = 0; p < list->count; ++p) {
    if (list->addrs[list->Slot(p)] == addr) {
      Remove(list, p);
      return;
    }
  }
}

void FreedBlocks::Taken(List* list, uint32_t place) {
  const uint32_t slot = list->Slot(place);
  const uint64_t addr = list->addrs[slot];
  const uint8_t size_class = list->classes[slot];
  Remove(list, place);
  if (list != &recent_) {
    RemoveAddress(&recent_, addr);
  } else if (size_class != 0) {
    RemoveAddress(&classes_[size_class], addr);
  }
}

void FreedBlocks::Freed(uint64_t addr, uint32_t size_class) {
  if (size_class >= kClasses) size_class = 0;
  if (size_class != 0) {
    // Freed twice without an allocation between (a damaged or hostile stream): one entry.
    RemoveAddress(&classes_[size_class], addr);
    Push(&classes_[size_class], kPerClass, addr, uint8_t(size_class));
  }
  Push(&recent_, kRecent, addr, uint8_t(size_class));
}

bool FreedBlocks::Find(uint64_t addr, uint32_t size_class, uint64_t* place) {
  uint64_t base = 0;
  if (size_class != 0 && size_class < kClasses) {
    List& list = classes_[size_class];
    for (uint32_t p = 0; p < list.count; ++p) {
      if (list.addrs[list.Slot(p)] == addr) {
        *place = p;
        Taken(&list, p);
        return true;
      }
    }
    base = list.count;
  }
  for (uint32_t p = 0; p < recent_.count; ++p) {
    if (recent_.addrs[recent_.Slot(p)] == addr) {
      *place = base + p;
      Taken(&recent_, p);
      return true;
    }
  }
  return false;
}

bool FreedBlocks::Take(uint64_t place, uint32_t size_class, uint64_t* addr) {
  if (size_class != 0 && size_class < kClasses) {
    List& list = classes_[size_class];
    if (place < list.count) {
      *addr = list.addrs[list.Slot(uint32_t(place))];
      Taken(&list, uint32_t(place));
      return true;
    }
    place -= list.count;
  }
  if (place >= recent_.count) return false;
  *addr = recent_.addrs[recent_.Slot(uint32_t(place))];
  Taken(&recent_, uint32_t(place));
  return true;
}

}  // namespace memwrap
