// The freed-block candidates of the columnar codec (freed_blocks.h) against a plain model of
// the lists as docs/trace-format.md ("Columnar records") states them: newest first, a list
// full drops its oldest, a candidate taken leaves both lists.
#include "tracefile/freed_blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace memwrap {
namespace {

class Model {
 public:
  void Freed(uint64_t addr, uint32_t size_class) {
    if (size_class >= FreedBlocks::kClasses) size_class = 0;
    if (size_class != 0) {
      auto& list = classes_[size_class];
      Erase(&list, addr);
      Push(&list, FreedBlocks::kPerClass, {addr, size_class});
    }
    Push(&recent_, FreedBlocks::kRecent, {addr, size_class});
  }
  std::vector<uint64_t> Candidates(uint32_t size_class) const {
    std::vector<uint64_t> out;
    if (size_class != 0 && size_class < FreedBlocks::kClasses) {
      for (const Entry& e : classes_[size_class]) out.push_back(e.addr);
    }
    for (const Entry& e : recent_) out.push_back(e.addr);
    return out;
  }
  // The candidate at `place` leaves both lists.
  void Take(uint64_t place, uint32_t size_class) {
    std::vector<Entry>* list = &recent_;
    if (size_class != 0 && size_class < FreedBlocks::kClasses) {
      if (place < classes_[size_class].size()) {
        list = &classes_[size_class];
      } else {
        place -= classes_[size_class].size();
      }
    }
    const Entry taken = (*list)[place];
    list->erase(list->begin() + ptrdiff_t(place));
    if (list != &recent_) {
      Erase(&recent_, taken.addr);
    } else if (taken.size_class != 0) {
      Erase(&classes_[taken.size_class], taken.addr);
    }
  }

 private:
  struct Entry {
    uint64_t addr;
    uint32_t size_class;
  };
  static void Push(std::vector<Entry>* list, size_t capacity, Entry e) {
    list->insert(list->begin(), e);
    if (list->size() > capacity) list->pop_back();
  }
  static void Erase(std::vector<Entry>* list, uint64_t addr) {
    auto it =
        std::find_if(list->begin(), list->end(), [&](const Entry& e) { return e.addr == addr; });
    if (it != list->end()) list->erase(it);
  }
  std::vector<Entry> classes_[FreedBlocks::kClasses];
  std::vector<Entry> recent_;
};

// Random frees and reuses over a few addresses and classes (so that lists fill, wrap around
// and share addresses): the encoder finds each address at the model's place, and the decoder
// takes the model's candidate at that place.
TEST(FreedBlocks, KeepTheListsTheFormatStates) {
  std::mt19937_64 random(5);
  FreedBlocks encoder, decoder;
  Model model;
  encoder.Reset();
  decoder.Reset();
  for (int i = 0; i < 200000; ++i) {
    const uint32_t size_class = uint32_t(random() % 5);  // 0: unknown, 1-4 small classes
    if (random() % 2 == 0) {
      const uint64_t addr = 0x1000 + (random() % 48) * 16;
      model.Freed(addr, size_class);
      encoder.Freed(addr, size_class);
      decoder.Freed(addr, size_class);
      continue;
    }
    const std::vector<uint64_t> candidates = model.Candidates(size_class);
    const uint64_t wanted = 0x1000 + (random() % 48) * 16;
    const auto at = std::find(candidates.begin(), candidates.end(), wanted);
    uint64_t place = 99, addr = 0;
    if (at == candidates.end()) {
      ASSERT_FALSE(encoder.Find(wanted, size_class, &place));
      ASSERT_FALSE(decoder.Take(candidates.size(), size_class, &addr));
      continue;
    }
    ASSERT_TRUE(encoder.Find(wanted, size_class, &place));
    ASSERT_EQ(place, uint64_t(at - candidates.begin()));
    ASSERT_TRUE(decoder.Take(place, size_class, &addr));
    ASSERT_EQ(addr, wanted);
    model.Take(place, size_class);
  }
  // A new chunk: no candidate.
  encoder.Reset();
  uint64_t place;
  EXPECT_FALSE(encoder.Find(0x1000, 1, &place));
}

}  // namespace
}  // namespace memwrap
