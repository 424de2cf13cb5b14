#include "analyzer/stack_store.h"

#include <gtest/gtest.h>

#include <vector>

namespace memwrap {
namespace {

std::vector<uint64_t> FramesOf(const StackStore& store, uint32_t image, StackId id) {
  auto frames = store.Find(image, id);
  if (!frames) return {0xdead};
  return std::vector<uint64_t>(frames->begin(), frames->end());
}

TEST(StackStore, KeepsEachStackOfEachImageApart) {
  StackStore store;
  const uint64_t a[] = {0x10, 0x20, 0x30};
  const uint64_t b[] = {0x40};
  store.Add(1, 1, a, 3);
  store.Add(1, 2, b, 1);
  store.Add(2, 1, b, 1);
  EXPECT_EQ(FramesOf(store, 1, 1), (std::vector<uint64_t>{0x10, 0x20, 0x30}));
  EXPECT_EQ(FramesOf(store, 1, 2), (std::vector<uint64_t>{0x40}));
  EXPECT_EQ(FramesOf(store, 2, 1), (std::vector<uint64_t>{0x40}));
  EXPECT_EQ(store.size(), 3u);
}

TEST(StackStore, UnknownStacksAndImagesAreNotFound) {
  StackStore store;
  const uint64_t a[] = {0x10};
  store.Add(1, 5, a, 1);
  EXPECT_FALSE(store.Find(1, 4).has_value());
  EXPECT_FALSE(store.Find(1, 6).has_value());
  EXPECT_FALSE(store.Find(2, 5).has_value());
  EXPECT_FALSE(store.Find(0, 5).has_value());
  EXPECT_FALSE(store.Find(1, kTracerStackIdBit | 5).has_value());
}

TEST(StackStore, AStackWithoutFramesIsFoundEmpty) {
  StackStore store;
  store.Add(1, 3, nullptr, 0);
  auto frames = store.Find(1, 3);
  ASSERT_TRUE(frames.has_value());
  EXPECT_TRUE(frames->empty());
}

TEST(StackStore, TheTracersIdsDoNotCollideWithTheShims) {
  StackStore store;
  const uint64_t shim[] = {0x1};
  const uint64_t tracer[] = {0x2, 0x3};
  store.Add(1, 7, shim, 1);
  store.Add(1, kTracerStackIdBit | 7, tracer, 2);
  EXPECT_EQ(FramesOf(store, 1, 7), (std::vector<uint64_t>{0x1}));
  EXPECT_EQ(FramesOf(store, 1, kTracerStackIdBit | 7), (std::vector<uint64_t>{0x2, 0x3}));
}

TEST(StackStore, ALaterRecordOfTheSameIdReplacesTheFrames) {
  StackStore store;
  const uint64_t first[] = {0x1, 0x2};
  const uint64_t second[] = {0x3};
  store.Add(1, 1, first, 2);
  store.Add(1, 1, second, 1);
  EXPECT_EQ(FramesOf(store, 1, 1), (std::vector<uint64_t>{0x3}));
  EXPECT_EQ(store.size(), 1u);
}

TEST(StackStore, FarIdsOfADamagedTraceAreKeptWithoutAHugeTable) {
  StackStore store;
  const uint64_t a[] = {0xa};
  const uint64_t b[] = {0xb};
  store.Add(1, 0x7ffffff0, a, 1);  // far beyond any dense range
  store.Add(1, 2, b, 1);
  EXPECT_EQ(FramesOf(store, 1, 0x7ffffff0), (std::vector<uint64_t>{0xa}));
  EXPECT_EQ(FramesOf(store, 1, 2), (std::vector<uint64_t>{0xb}));
  // Dense ids stored after a far one of the same image stay found, and so does the far one.
  for (StackId id = 3; id < 5000; ++id) store.Add(1, id, b, 1);
  EXPECT_EQ(FramesOf(store, 1, 0x7ffffff0), (std::vector<uint64_t>{0xa}));
  EXPECT_EQ(FramesOf(store, 1, 4999), (std::vector<uint64_t>{0xb}));
}

}  // namespace
}  // namespace memwrap
