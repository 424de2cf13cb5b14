#include "freed_blocks.h"

namespace memwrap {

// Plain loops over at most 16 entries: memmove calls for these few bytes showed in profiles.
void FreedBlocks::Push(List* list, size_t capacity, uint64_t addr, uint8_t size_class) {
  const size_t keep = list->count < capacity ? list->count : capacity - 1;
  for (size_t i = keep; i > 0; --i) {
    list->addrs[i] = list->addrs[i - 1];
    list->classes[i] = list->classes[i - 1];
  }
  list->addrs[0] = addr;
  list->classes[0] = size_class;
  list->count = uint32_t(keep + 1);
}

void FreedBlocks::Remove(List* list, size_t i) {
  for (size_t j = i + 1; j < list->count; ++j) {
    list->addrs[j - 1] = list->addrs[j];
    list->classes[j - 1] = list->classes[j];
  }
  --list->count;
}

void FreedBlocks::RemoveAddress(List* list, uint64_t addr) {
  for (uint32_t i = 0; i < list->count; ++i) {
    if (list->addrs[i] == addr) {
      Remove(list, i);
      return;
    }
  }
}

void FreedBlocks::Taken(List* list, size_t i) {
  const uint64_t addr = list->addrs[i];
  const uint8_t size_class = list->classes[i];
  Remove(list, i);
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
    for (uint32_t i = 0; i < list.count; ++i) {
      if (list.addrs[i] == addr) {
        *place = i;
        Taken(&list, i);
        return true;
      }
    }
    base = list.count;
  }
  for (uint32_t i = 0; i < recent_.count; ++i) {
    if (recent_.addrs[i] == addr) {
      *place = base + i;
      Taken(&recent_, i);
      return true;
    }
  }
  return false;
}

bool FreedBlocks::Take(uint64_t place, uint32_t size_class, uint64_t* addr) {
  if (size_class != 0 && size_class < kClasses) {
    List& list = classes_[size_class];
    if (place < list.count) {
      *addr = list.addrs[place];
      Taken(&list, size_t(place));
      return true;
    }
    place -= list.count;
  }
  if (place >= recent_.count) return false;
  *addr = recent_.addrs[place];
  Taken(&recent_, size_t(place));
  return true;
}

}  // namespace memwrap
