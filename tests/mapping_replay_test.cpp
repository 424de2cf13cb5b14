// The mapping replay on hand-made records: each piece still mapped comes back with its bounds
// and the MMAP record that made it (what fltrec writes back in a dump), through munmaps that
// split a mapping and mremaps that move it; the break's growth adds up the program's own moves.
#include "replay/mapping_replay.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <vector>

namespace memwrap {
namespace {

constexpr ImageId kImage = 1;
constexpr uint64_t kBase = 0x7f0000000000;

template <class T>
RecordView View(const T& record) {
  return RecordView{static_cast<RecordType>(record.h.type), record.h.flags,
                    reinterpret_cast<const uint8_t*>(&record), record.h.size};
}

MmapRecord Mmap(uint64_t addr, uint64_t length) {
  MmapRecord r{};
  r.h = {sizeof(r), uint16_t(RecordType::kMmap), 0};
  r.ts_ns = 100;
  r.addr = addr;
  r.length = length;
  r.prot = PROT_READ | PROT_WRITE;
  r.flags = MAP_PRIVATE | MAP_ANONYMOUS;
  r.tid = 7;
  r.stack = 42;
  return r;
}
MunmapRecord Munmap(uint64_t addr, uint64_t length) {
  MunmapRecord r{};
  r.h = {sizeof(r), uint16_t(RecordType::kMunmap), 0};
  r.addr = addr;
  r.length = length;
  r.tid = 7;
  return r;
}
MremapBeginRecord MremapBegin(uint64_t old_addr, uint64_t old_length) {
  MremapBeginRecord r{};
  r.h = {sizeof(r), uint16_t(RecordType::kMremapBegin), 0};
  r.old_addr = old_addr;
  r.old_length = old_length;
  r.tid = 7;
  return r;
}
MremapEndRecord MremapEnd(uint64_t old_addr, uint64_t old_length, uint64_t new_addr,
                          uint64_t new_length) {
  MremapEndRecord r{};
  r.h = {sizeof(r), uint16_t(RecordType::kMremapEnd), 0};
  r.ts_ns = 300;
  r.old_addr = old_addr;
  r.old_length = old_length;
  r.new_addr = new_addr;
  r.new_length = new_length;
  r.flags = MREMAP_MAYMOVE;
  r.tid = 7;
  r.stack = 99;
  return r;
}

// What the test compares: a piece's bounds and the fields of the record that made it.
void ExpectPiece(const MmapRecord& piece, uint64_t addr, uint64_t length, uint64_t ts_ns,
                 StackId stack) {
  EXPECT_EQ(piece.h.type, uint16_t(RecordType::kMmap));
  EXPECT_EQ(piece.h.size, sizeof(MmapRecord));
  EXPECT_EQ(piece.addr, addr);
  EXPECT_EQ(piece.length, length);
  EXPECT_EQ(piece.ts_ns, ts_ns);
  EXPECT_EQ(piece.prot, uint32_t(PROT_READ | PROT_WRITE));
  EXPECT_EQ(piece.flags, uint32_t(MAP_PRIVATE | MAP_ANONYMOUS));
  EXPECT_EQ(piece.tid, 7u);
  EXPECT_EQ(piece.stack, stack);
}

TEST(MappingReplay, UnmappingTheMiddlePageLeavesTwoPiecesWithTheirRecord) {
  MappingReplay replay;
  const MmapRecord mmap = Mmap(kBase, 3 * kPageSize - 100);  // rounded up to 3 pages
  EXPECT_TRUE(replay.Apply(kImage, View(mmap)));
  EXPECT_EQ(replay.mapped_bytes(), 3 * kPageSize);
  EXPECT_TRUE(replay.Apply(kImage, View(Munmap(kBase + kPageSize, kPageSize))));
  EXPECT_EQ(replay.mapped_bytes(), 2 * kPageSize);

  const std::vector<MmapRecord> pieces = replay.MappedPieces(kImage);
  ASSERT_EQ(pieces.size(), 2u);
  ExpectPiece(pieces[0], kBase, kPageSize, 100, 42);
  ExpectPiece(pieces[1], kBase + 2 * kPageSize, kPageSize, 100, 42);
  EXPECT_TRUE(replay.MappedPieces(kImage + 1).empty());
}

TEST(MappingReplay, AMovedPieceKeepsItsRecordAndIsWhereItWasUntilTheMremapEnds) {
  MappingReplay replay;
  const uint64_t moved_to = kBase + 100 * kPageSize;
  replay.Apply(kImage, View(Mmap(kBase, 2 * kPageSize)));
  replay.Apply(kImage, View(MremapBegin(kBase, 2 * kPageSize)));
  // Between BEGIN and END the range is the call's, not mapped; a dump still writes it where it
  // was, so the END a reader finds after it moves it.
  EXPECT_EQ(replay.mapped_bytes(), 0u);
  std::vector<MmapRecord> pieces = replay.MappedPieces(kImage);
  ASSERT_EQ(pieces.size(), 1u);
  ExpectPiece(pieces[0], kBase, 2 * kPageSize, 100, 42);

  replay.Apply(kImage, View(MremapEnd(kBase, 2 * kPageSize, moved_to, 4 * kPageSize)));
  EXPECT_EQ(replay.mapped_bytes(), 4 * kPageSize);
  pieces = replay.MappedPieces(kImage);
  ASSERT_EQ(pieces.size(), 1u);
  ExpectPiece(pieces[0], moved_to, 4 * kPageSize, 300, 42);  // the move's time, the mmap's stack
}

TEST(MappingReplay, ADuplicatedSharedMappingGetsASharedAnonymousRecordOfItsCall) {
  MappingReplay replay;
  // old_length 0: mremap duplicates a shared mapping the replay never saw made.
  replay.Apply(kImage, View(MremapEnd(kBase, 0, kBase + kPageSize, kPageSize)));
  const std::vector<MmapRecord> pieces = replay.MappedPieces(kImage);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].addr, kBase + kPageSize);
  EXPECT_EQ(pieces[0].length, kPageSize);
  EXPECT_EQ(pieces[0].flags, uint32_t(MAP_SHARED | MAP_ANONYMOUS));
  EXPECT_EQ(pieces[0].stack, 99u);
  EXPECT_EQ(pieces[0].ts_ns, 300u);
}

TEST(MappingReplay, TheBreakGrowsByTheProgramsOwnMovesNeverBelowZero) {
  MappingReplay replay;
  auto brk = [&](uint64_t old_break, uint64_t new_break) {
    BrkRecord r{};
    r.h = {sizeof(r), uint16_t(RecordType::kBrk), 0};
    r.old_break = old_break;
    r.new_break = new_break;
    replay.Apply(kImage, View(r));
    return replay.images().at(kImage).break_bytes;
  };
  EXPECT_EQ(brk(0x1000, 0x3000), 0x2000u);
  EXPECT_EQ(brk(0x9000, 0xa000), 0x3000u);  // glibc moved it in between: only the move counts
  EXPECT_EQ(brk(0xa000, 0x1000), 0u);
  EXPECT_EQ(replay.mapped_bytes(), 0u);
}

}  // namespace
}  // namespace memwrap
