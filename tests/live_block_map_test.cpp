// The analyzer's live-block map (live_block_map.h) against std::unordered_map: the same blocks
// after every insertion, replacement and erasure, through the table growing many times and
// backward-shift deletions in long probe runs.
#include "replay/live_block_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

namespace memwrap {
namespace {

bool Same(const LiveBlock& a, const LiveBlock& b) {
  return a.size == b.size && a.stack == b.stack && a.site == b.site;
}

// Every block of `map` is in `model` with the same contents, and as many.
void ExpectSameBlocks(const LiveBlockMap& map,
                      const std::unordered_map<uint64_t, LiveBlock>& model) {
  ASSERT_EQ(map.size(), model.size());
  size_t iterated = 0;
  for (const auto& [addr, block] : map) {
    auto it = model.find(addr);
    ASSERT_NE(it, model.end()) << "address " << addr << " is not live";
    EXPECT_TRUE(Same(block, it->second)) << "address " << addr;
    ++iterated;
  }
  EXPECT_EQ(iterated, model.size());
}

TEST(LiveBlockMap, KeepsWhatAnOrdinaryMapKeepsThroughManyShortAndLongLivedBlocks) {
  LiveBlockMap map;
  std::unordered_map<uint64_t, LiveBlock> model;
  std::mt19937_64 random(7);
  std::vector<uint64_t> long_lived;
  std::vector<uint64_t> recent;
  uint32_t next_site = 0;
  auto address = [&] { return (random() % 400000) * 16; };  // 0 included, some reused
  for (int step = 0; step < 600000; ++step) {
    const unsigned what = unsigned(random() % 100);
    if (what < 50) {  // allocate; now and then at an address still live (a free not seen)
      const uint64_t addr =
          what < 2 && !long_lived.empty() ? long_lived[random() % long_lived.size()] : address();
      const LiveBlock block{random() % 5000, uint32_t(random() % 50), next_site++};
      LiveBlock replaced;
      auto it = model.find(addr);
      const bool was = it != model.end();
      ASSERT_EQ(map.Put(addr, block, &replaced), was) << "step " << step;
      if (was) {
        EXPECT_TRUE(Same(replaced, it->second)) << "step " << step;
      }
      model[addr] = block;
      (what % 3 == 0 ? long_lived : recent).push_back(addr);
    } else if (what < 97) {  // free one of the last ones, or an old one, or one never live
      uint64_t addr;
      if (what < 92 && !recent.empty()) {
        addr = recent.back();
        recent.pop_back();
      } else if (what >= 92 && what < 95 && !long_lived.empty()) {
        const size_t i = random() % long_lived.size();
        addr = long_lived[i];
        long_lived[i] = long_lived.back();
        long_lived.pop_back();
      } else {
        addr = address();
      }
      LiveBlock removed;
      auto it = model.find(addr);
      const bool was = it != model.end();
      ASSERT_EQ(map.Erase(addr, &removed), was) << "step " << step;
      if (was) {
        EXPECT_TRUE(Same(removed, it->second)) << "step " << step;
        model.erase(it);
      }
    } else {  // look up
      const uint64_t addr = address();
      const LiveBlock* found = map.Find(addr);
      auto it = model.find(addr);
      ASSERT_EQ(found != nullptr, it != model.end()) << "step " << step;
      if (found != nullptr) {
        EXPECT_TRUE(Same(*found, it->second));
      }
      map.Prefetch(addr);
    }
    if (step % 100000 == 0) ExpectSameBlocks(map, model);
  }
  ExpectSameBlocks(map, model);
  EXPECT_GT(model.size(), 10000u);  // the table grew well beyond its first size
  map.clear();
  model.clear();
  ExpectSameBlocks(map, model);
  LiveBlock ignored;
  EXPECT_FALSE(map.Erase(16, &ignored));
  EXPECT_FALSE(map.Put(16, {1, 1, 1}, &ignored));
  EXPECT_EQ(map.at(16).size, 1u);
}

TEST(LiveBlockMap, BlockAtAddressZeroIsABlockLikeAnother) {
  LiveBlockMap map;
  LiveBlock replaced;
  EXPECT_FALSE(map.Put(0, {5, 1, 0}, &replaced));
  EXPECT_TRUE(map.Put(0, {6, 2, 1}, &replaced));
  EXPECT_EQ(replaced.size, 5u);
  EXPECT_EQ(map.size(), 1u);
  EXPECT_EQ(map.count(0), 1u);
  LiveBlock removed;
  EXPECT_TRUE(map.Erase(0, &removed));
  EXPECT_EQ(removed.size, 6u);
  EXPECT_TRUE(map.empty());
}

}  // namespace
}  // namespace memwrap
