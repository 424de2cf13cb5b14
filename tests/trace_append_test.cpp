// The trace writer's append mode, which cronlogger relies on: each call adds chunks after the
// existing ones, one end-of-trace chunk stays last, a trace still being written is never
// touched, a torn tail is cut, and a file that is not a sound trace is refused and kept.
#include <gtest/gtest.h>

#include <string>
#include <vector>

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

void WriteOneRecord(TraceWriter* writer, uint64_t ts) {
  SystemLoadRecord r{};
  r.h = {sizeof(r), uint16_t(RecordType::kSystemLoad), 0};
  r.ts_ns = ts;
  writer->WriteRecords(0, &r, sizeof(r));
}

std::vector<uint64_t> ReadTimestamps(const std::string& path, bool* truncated) {
  TraceReader reader(path);
  std::vector<uint64_t> ts;
  Chunk chunk;
  while (reader.NextChunk(&chunk) == TraceReader::Status::kChunk) {
    RecordCursor cursor(chunk.data.data(), chunk.data.size());
    RecordView view;
    while (cursor.Next(&view, "test")) ts.push_back(view.As<SystemLoadRecord>()->ts_ns);
  }
  *truncated = reader.truncated();
  return ts;
}

TEST(TraceAppend, AddsChunksAfterTheExistingOnes) {
  ScratchDir dir;
  const std::string path = dir.File("a.mwt");
  {
    TraceWriter writer(path, TraceWriter::Existing::kAppend);
    EXPECT_FALSE(writer.appended());
    WriteOneRecord(&writer, 1);
  }
  {
    TraceWriter writer(path, TraceWriter::Existing::kAppend);
    EXPECT_TRUE(writer.appended());
    EXPECT_EQ(writer.torn_tail_bytes(), 0u);
    WriteOneRecord(&writer, 2);
  }
  bool truncated = true;
  EXPECT_EQ(ReadTimestamps(path, &truncated), (std::vector<uint64_t>{1, 2}));
  EXPECT_FALSE(truncated);
}

// The types of a trace's chunks, in file order.
std::vector<ChunkType> ChunkTypes(const std::string& path) {
  TraceReader reader(path);
  std::vector<ChunkType> types;
  Chunk chunk;
  while (reader.NextChunk(&chunk, /*with_data=*/false) == TraceReader::Status::kChunk) {
    types.push_back(chunk.type);
  }
  return types;
}

TEST(TraceAppend, KeepsOneEndOfTraceChunkLastAndNoneWhileAppending) {
  // Each cronlogger call ends the log; the next one takes that end away before it appends, so
  // the file says "complete" only between calls, and only once.
  ScratchDir dir;
  const std::string path = dir.File("a.mwt");
  for (uint64_t ts : {1, 2}) {
    TraceWriter writer(path, TraceWriter::Existing::kAppend);
    WriteOneRecord(&writer, ts);
    writer.Finish();
  }
  EXPECT_EQ(ChunkTypes(path), (std::vector<ChunkType>{ChunkType::kRecords, ChunkType::kRecords,
                                                      ChunkType::kEndOfTrace}));
  {
    TraceWriter writer(path, TraceWriter::Existing::kAppend);  // killed before it finished
    WriteOneRecord(&writer, 3);
  }
  EXPECT_EQ(ChunkTypes(path), (std::vector<ChunkType>{ChunkType::kRecords, ChunkType::kRecords,
                                                      ChunkType::kRecords}));
  bool truncated = true;
  EXPECT_EQ(ReadTimestamps(path, &truncated), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_FALSE(truncated);
}

TEST(TraceAppend, NeverWritesIntoATraceThatIsStillBeingWritten) {
  ScratchDir dir;
  const std::string path = dir.File("a.mwt");
  TraceWriter running(path);  // a dlogger still writing its trace
  WriteOneRecord(&running, 1);
  try {
    TraceWriter appender(path, TraceWriter::Existing::kAppend);
    FAIL() << "appended to a trace being written";
  } catch (const TraceError& error) {
    EXPECT_NE(std::string(error.what()).find("another process"), std::string::npos) << error.what();
  }
  WriteOneRecord(&running, 2);
  bool truncated = true;
  EXPECT_EQ(ReadTimestamps(path, &truncated), (std::vector<uint64_t>{1, 2}));
}

TEST(TraceAppend, CutsAnIncompleteLastChunkSoTheFileStaysReadable) {
  ScratchDir dir;
  const std::string path = dir.File("a.mwt");
  {
    TraceWriter writer(path, TraceWriter::Existing::kAppend);
    WriteOneRecord(&writer, 1);
    WriteOneRecord(&writer, 2);
  }
  // An appender killed halfway through its write: the last chunk loses its last 5 bytes.
  std::string bytes = ReadFile(path);
  WriteFile(path, bytes.substr(0, bytes.size() - 5));
  bool truncated = false;
  EXPECT_EQ(ReadTimestamps(path, &truncated), (std::vector<uint64_t>{1}));
  EXPECT_TRUE(truncated);
  {
    TraceWriter writer(path, TraceWriter::Existing::kAppend);
    EXPECT_GT(writer.torn_tail_bytes(), 0u);
    WriteOneRecord(&writer, 3);
  }
  EXPECT_EQ(ReadTimestamps(path, &truncated), (std::vector<uint64_t>{1, 3}));
  EXPECT_FALSE(truncated);
}

TEST(TraceAppend, RefusesAndKeepsAFileThatIsNotATraceOrIsCorrupt) {
  ScratchDir dir;
  const std::string text = dir.File("notes.txt");
  WriteFile(text, "my notes\n");
  EXPECT_THROW(TraceWriter(text, TraceWriter::Existing::kAppend), TraceError);
  EXPECT_EQ(ReadFile(text), "my notes\n");

  const std::string path = dir.File("a.mwt");
  {
    TraceWriter writer(path, TraceWriter::Existing::kAppend);
    WriteOneRecord(&writer, 1);
  }
  std::string bytes = ReadFile(path);
  bytes[sizeof(FileHeader) + 9] ^= 0x40;  // inside the first chunk's header: checksum fails
  WriteFile(path, bytes);
  try {
    TraceWriter writer(path, TraceWriter::Existing::kAppend);
    FAIL() << "appended to a corrupt trace";
  } catch (const TraceError& error) {
    EXPECT_EQ(error.kind(), TraceError::Kind::kCorrupt);
    EXPECT_NE(std::string(error.what()).find("offset 64"), std::string::npos) << error.what();
  }
  EXPECT_EQ(ReadFile(path), bytes);
}

}  // namespace
}  // namespace memwrap
