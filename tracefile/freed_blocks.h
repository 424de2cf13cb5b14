// Where the columnar codec (columnar_codec.h) expects an allocation to land: on a block freed
// shortly before. glibc hands out the last freed block of a size first (tcache and fastbins are
// LIFO lists per size class), so the address of an ALLOC is most often the newest freed address
// of its size class, else one of the few addresses freed last, whatever their size.
//
// The candidates for an allocation of size class c, in order: the blocks freed of class c
// (newest first, kPerClass at most), then the last kRecent blocks freed of any size (newest
// first). An ALLOC stores its address as its place in that list. A block allocated again
// leaves both lists (a stale candidate would push the right one further down). Encoder and
// decoder keep the same lists by making the same calls.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <array>

namespace memwrap {

class FreedBlocks {
 public:
  static constexpr size_t kPerClass = 8;
  static constexpr size_t kRecent = 16;
  // Size classes as glibc's malloc rounds a request (8 bytes of header, 16-byte steps, 32 bytes
  // at least) up to its tcache's largest, 1,032 bytes; 0 for larger or unknown sizes.
  static constexpr uint32_t kClasses = 66;
  static uint32_t ClassOf(uint64_t size) {
    return size <= 1032 - 8 ? uint32_t(((size + 8 + 15) & ~uint64_t(15)) >> 4) : 0;
  }

  // A new chunk: nothing freed.
  void Reset() {
    for (List& list : classes_) list.count = 0;
    recent_.count = 0;
  }
  // A block at `addr` of class `size_class` (0: unknown) was freed.
  void Freed(uint64_t addr, uint32_t size_class);
  // Encoder: the place of `addr` among the candidates for `size_class`, which leaves the lists;
  // false when it is not among them.
  bool Find(uint64_t addr, uint32_t size_class, uint64_t* place);
  // Decoder: the candidate at `place` for `size_class`, which leaves the lists; false when
  // there are not that many.
  bool Take(uint64_t place, uint32_t size_class, uint64_t* addr);

 private:
  // A list is a ring: adding the newest entry and taking it again (what most frees and
  // allocations do) move nothing, and dropping the oldest of a full list is overwriting it.
  // Shifting plain arrays instead showed in profiles (GCC turns those loops into memmove calls).
  static constexpr uint32_t kRing = 16;  // entries a ring holds, >= kRecent, a power of two
  struct List {
    uint64_t addrs[kRing];
    uint8_t classes[kRing];
    uint32_t head;   // the slot of the newest entry
    uint32_t count;  // entries: place p (0: the newest) is slot (head - p) mod kRing
    uint32_t Slot(uint32_t place) const { return (head - place) & (kRing - 1); }
  };
  static_assert(kRecent <= kRing && kPerClass <= kRing && (kRing & (kRing - 1)) == 0);
  static void Push(List* list, uint32_t capacity, uint64_t addr, uint8_t size_class);
  static void Remove(List* list, uint32_t place);
  static void RemoveAddress(List* list, uint64_t addr);
  // Place `place` of `list` (of class `size_class`, or the recent list) leaves both lists.
  void Taken(List* list, uint32_t place);

  std::array<List, kClasses> classes_{};
  List recent_{};
};

}  // namespace memwrap
