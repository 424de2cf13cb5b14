// The trace file library: what the writer writes, the reader reads back; a torn tail is read up
// to the last complete chunk; damage is an error that names its offset.
#include <gtest/gtest.h>
#include <string.h>
#include <sys/stat.h>

#include "memwrap/records.h"
#include "memwrap/trace_format.h"
#include "tests/test_support.h"
#include "tracefile/record_cursor.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"
#include "tracefile/trace_writer.h"

namespace memwrap {
namespace {

using test_support::ReadFile;
using test_support::ScratchDir;
using test_support::WriteFile;

std::vector<uint8_t> AllocRecords(uint64_t first, int count) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < count; ++i) {
    AllocRecord record{};
    record.h = {sizeof(record), uint16_t(RecordType::kAlloc), 0};
    record.ts_ns = first + uint64_t(i);
    record.addr = 0x1000 + uint64_t(i) * 16;
    record.size = uint64_t(i);
    record.tid = 9;
    record.stack = 3;
    const auto* p = reinterpret_cast<const uint8_t*>(&record);
    bytes.insert(bytes.end(), p, p + sizeof(record));
  }
  return bytes;
}

// Writes a session chunk and three record chunks (pids 10, 20, 10); returns chunk offsets.
std::vector<uint64_t> WriteSample(const std::string& path) {
  TraceWriter writer(path);
  std::vector<uint64_t> offsets;
  offsets.push_back(writer.bytes_written());
  writer.WriteSessionInfo({{"command", "./app --flag"}, {"host", "box"}});
  for (auto [pid, first] : {std::pair{10u, 0ull}, {20u, 100ull}, {10u, 200ull}}) {
    offsets.push_back(writer.bytes_written());
    auto records = AllocRecords(first, 1000);
    writer.WriteRecords(pid, records.data(), records.size());
  }
  offsets.push_back(writer.bytes_written());
  return offsets;
}

TEST(TraceFile, RoundTripsChunksAndRecords) {
  ScratchDir dir;
  WriteSample(dir.File("t.mwt"));
  TraceReader reader(dir.File("t.mwt"));
  EXPECT_EQ(reader.header().format_major, kTraceFormatMajor);
  Chunk chunk;
  ASSERT_EQ(reader.NextChunk(&chunk), TraceReader::Status::kChunk);
  EXPECT_EQ(chunk.type, ChunkType::kSessionInfo);
  auto info = ParseSessionInfo(chunk.data);
  EXPECT_EQ(info["command"], "./app --flag");
  EXPECT_EQ(info["host"], "box");
  std::vector<uint32_t> pids;
  uint64_t records = 0;
  while (reader.NextChunk(&chunk) == TraceReader::Status::kChunk) {
    pids.push_back(chunk.pid);
    RecordCursor cursor(chunk.data.data(), chunk.data.size());
    RecordView view;
    while (cursor.Next(&view, "test")) {
      const auto* alloc = view.As<AllocRecord>();
      ASSERT_NE(alloc, nullptr);
      EXPECT_EQ(alloc->size, records % 1000);
      EXPECT_EQ(alloc->tid, 9u);
      ++records;
    }
  }
  EXPECT_EQ(pids, (std::vector<uint32_t>{10, 20, 10}));
  EXPECT_EQ(records, 3000u);
  EXPECT_FALSE(reader.truncated());
}

TEST(TraceFile, IsCreatedPrivateAndRefusesASymlink) {
  ScratchDir dir;
  WriteSample(dir.File("t.mwt"));
  struct stat st {};
  ASSERT_EQ(stat(dir.File("t.mwt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(symlink(dir.File("victim").c_str(), dir.File("link.mwt").c_str()), 0);
  EXPECT_THROW(TraceWriter writer(dir.File("link.mwt")), TraceError);
  EXPECT_THROW(TraceWriter writer(dir.File("link.mwt"), TraceWriter::Existing::kReplace),
               TraceError);
  EXPECT_FALSE(test_support::FileExists(dir.File("victim")));
}

TEST(TraceFile, KeepsAnExistingFileUnlessToldToReplaceIt) {
  ScratchDir dir;
  test_support::WriteFile(dir.File("t.mwt"), "precious");
  try {
    TraceWriter writer(dir.File("t.mwt"));
    FAIL() << "an existing file was overwritten";
  } catch (const TraceError& error) {
    EXPECT_NE(std::string(error.what()).find("--force"), std::string::npos) << error.what();
  }
  EXPECT_EQ(test_support::ReadFile(dir.File("t.mwt")), "precious");
  { TraceWriter writer(dir.File("t.mwt"), TraceWriter::Existing::kReplace); }
  EXPECT_NE(test_support::ReadFile(dir.File("t.mwt")), "precious");
}

TEST(TraceFile, ReadsATruncatedTraceUpToItsLastCompleteChunk) {
  ScratchDir dir;
  std::vector<uint64_t> offsets = WriteSample(dir.File("t.mwt"));
  std::string full = ReadFile(dir.File("t.mwt"));
  // Cut inside the last chunk's payload, then inside its header.
  for (uint64_t cut : {offsets[3] + 40, offsets[3] + 5}) {
    WriteFile(dir.File("cut.mwt"), full.substr(0, cut));
    TraceReader reader(dir.File("cut.mwt"));
    Chunk chunk;
    int chunks = 0;
    TraceReader::Status status;
    while ((status = reader.NextChunk(&chunk)) == TraceReader::Status::kChunk) ++chunks;
    EXPECT_EQ(status, TraceReader::Status::kTruncated);
    EXPECT_EQ(chunks, 3) << "session + two complete record chunks";
    EXPECT_NE(reader.truncation_message().find("truncated at offset " + std::to_string(offsets[3])),
              std::string::npos)
        << reader.truncation_message();
  }
}

TEST(TraceFile, ReportsCorruptionWithItsOffset) {
  ScratchDir dir;
  std::vector<uint64_t> offsets = WriteSample(dir.File("t.mwt"));
  std::string data = ReadFile(dir.File("t.mwt"));
  data[offsets[2] + sizeof(ChunkHeader) + 10] ^= 0x40;  // a bit in the second records chunk
  WriteFile(dir.File("bad.mwt"), data);
  TraceReader reader(dir.File("bad.mwt"));
  Chunk chunk;
  try {
    while (reader.NextChunk(&chunk) == TraceReader::Status::kChunk) {
    }
    FAIL() << "corruption was not detected";
  } catch (const TraceError& error) {
    EXPECT_EQ(error.kind(), TraceError::Kind::kCorrupt);
    EXPECT_NE(std::string(error.what()).find("offset " + std::to_string(offsets[2])),
              std::string::npos)
        << error.what();
  }
}

TEST(TraceFile, RefusesWhatIsNotATraceOrIsNewer) {
  ScratchDir dir;
  WriteFile(dir.File("empty.mwt"), "");
  WriteFile(dir.File("text.mwt"), "hello, this is not a trace at all, not even close to one.....");
  auto kind_of = [](const std::string& path) {
    try {
      TraceReader reader(path);
    } catch (const TraceError& error) {
      return error.kind();
    }
    return TraceError::Kind::kIo;  // "no error" is not a valid answer either
  };
  EXPECT_EQ(kind_of(dir.File("empty.mwt")), TraceError::Kind::kNotATrace);
  EXPECT_EQ(kind_of(dir.File("text.mwt")), TraceError::Kind::kNotATrace);

  WriteSample(dir.File("t.mwt"));
  std::string data = ReadFile(dir.File("t.mwt"));
  uint16_t newer = kTraceFormatMajor + 1;
  memcpy(data.data() + offsetof(FileHeader, format_major), &newer, sizeof(newer));
  WriteFile(dir.File("new.mwt"), data);
  EXPECT_EQ(kind_of(dir.File("new.mwt")), TraceError::Kind::kNewerFormat);
}

TEST(RecordCursor, RejectsARecordWhoseSizeCannotBeRight) {
  std::vector<uint8_t> bytes = AllocRecords(0, 2);
  RecordHeader bad{12, uint16_t(RecordType::kAlloc), 0};  // not a multiple of 8
  memcpy(bytes.data() + sizeof(AllocRecord), &bad, sizeof(bad));
  RecordCursor cursor(bytes.data(), bytes.size());
  RecordView view;
  EXPECT_TRUE(cursor.Next(&view, "test"));
  EXPECT_THROW(cursor.Next(&view, "test"), TraceError);
}

}  // namespace
}  // namespace memwrap
