// One process's records for TraceStream's merge, chunk after chunk; the next chunk is read
// (and decompressed) on the ChunkDecoder's thread while this one is replayed. Apart from
// trace_stream.cpp because TraceStream::ForEachRecord, a template, steps it for every record:
// the step within a chunk is inline, only the move to the next chunk is a call.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <future>
#include <string>
#include <vector>

#include "analyzer/chunk_decoder.h"
#include "memwrap/records.h"
#include "tracefile/byte_buffer.h"
#include "tracefile/columnar_codec.h"
#include "tracefile/record_cursor.h"
#include "tracefile/trace_reader.h"

namespace memwrap {

// Timestamp of a record for ordering; false for records that carry none (STACK).
inline bool RecordTimestamp(const RecordView& record, uint64_t* ts_ns) {
  // Every record type except STACK has ts_ns right after its header (records.h). Types this
  // reader does not know (a newer minor version) are not trusted to: they keep the time of
  // the record before them.
  const auto type = static_cast<uint16_t>(record.type);
  if (type == 0 || type > uint16_t(RecordType::kMaxType)) return false;
  return ReadRecordTimestamp(record.data, record.size, ts_ns);
}

class ProcessCursor {
 public:
  ProcessCursor(ChunkDecoder* decoder, ColumnarDecoder* columnar, const std::string& path,
                uint32_t pid, const std::vector<uint64_t>* offsets, uint32_t largest_chunk);

  // Moves to the next record; false at the end of this process's stream. `ahead(pid, record)`
  // is shown each record kLookahead records before it becomes the current one (within a
  // chunk), so that the caller can prefetch what it will touch.
  template <class AheadFn>
  bool Advance(AheadFn& ahead) {
    for (;;) {
      if (cursor_.Next(&record_, where_)) {
        uint64_t ts;
        if (RecordTimestamp(record_, &ts)) ts_ = ts;  // STACK keeps its predecessor's time
        if (lookahead_.TryNext(&ahead_record_)) ahead(pid_, ahead_record_);
        return true;
      }
      if (!NextChunk()) return false;
      for (int i = 0; i < kLookahead && lookahead_.TryNext(&ahead_record_); ++i) {
        ahead(pid_, ahead_record_);
      }
    }
  }

  uint32_t pid() const { return pid_; }
  uint64_t ts() const { return ts_; }
  size_t chunks_read() const { return next_chunk_; }
  const RecordView& record() const { return record_; }

 private:
  // Takes the chunk read ahead (decoding its columns here, see the .cpp), asks for the next
  // one and points the cursors at the records; false when there is none.
  bool NextChunk();
  void RequestNext();

  // Far enough ahead for a cache miss to resolve while the records before it are replayed.
  static constexpr int kLookahead = 16;

  ChunkDecoder* decoder_;
  ColumnarDecoder* columnar_;  // shared by the cursors: they decode one at a time
  const std::string& path_;
  uint32_t pid_;
  const std::vector<uint64_t>* offsets_;
  uint32_t largest_chunk_;  // the raw size of the process's largest chunk
  size_t next_chunk_ = 0;   // chunks requested so far
  std::future<Chunk> next_;
  Chunk chunk_;
  ByteBuffer records_;      // the current chunk's records when it was columnar
  RecordCursor cursor_;     // at its end until the first chunk
  RecordCursor lookahead_;  // kLookahead records ahead of cursor_
  RecordView ahead_record_;
  std::string where_;
  RecordView record_;
  uint64_t ts_ = 0;
};

}  // namespace memwrap
