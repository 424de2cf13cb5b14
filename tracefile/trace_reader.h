// Streams a .mwt trace chunk by chunk (memory: one chunk at a time). Random access by chunk
// offset lets the analyzer follow several processes' streams side by side.
#pragma once

#include <stdint.h>

#include <map>
#include <string>
#include <vector>

#include <memory>

#include "memwrap/trace_format.h"
#include "tracefile/byte_buffer.h"
#include "tracefile/columnar_codec.h"
#include "tracefile/unique_fd.h"

struct ZSTD_DCtx_s;

namespace memwrap {

struct Chunk {
  uint64_t offset = 0;  // of the ChunkHeader in the file
  uint64_t next_offset = 0;
  ChunkType type = ChunkType::kRecords;
  uint32_t pid = 0;
  // The decompressed payload; with `columns`, the columnar form of the records instead.
  ByteBuffer data;
  bool columns = false;  // read with defer_columns from a codec 3 or 4 chunk: see DecodeColumns
  ColumnarVersion columnar_version =
      ColumnarVersion::kCodec4;  // with `columns`: the chunk's codec's
  uint32_t raw_size = 0;         // the records' size, as the chunk header states it
};

class TraceReader {
 public:
  // Opens and checks the file header. Throws TraceError: kIo, kNotATrace (also for an empty
  // file), kNewerFormat, kCorrupt.
  explicit TraceReader(const std::string& path);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  const FileHeader& header() const { return header_; }
  const std::string& path() const { return path_; }
  uint64_t file_size() const { return file_size_; }
  // How many bytes of decompressed chunks a reader of this file may hold at once
  // (trace_format.h, kMaxChunkBytesHeld).
  uint64_t chunk_bytes_allowed() const;
  uint64_t first_chunk_offset() const { return header_.header_size; }

  enum class Status { kChunk, kEnd, kTruncated };
  // Reads the chunk at `offset` (decompressing only when `with_data`). kEnd exactly at end of
  // file; kTruncated when the file ends inside the chunk (see truncation_message()). Throws
  // TraceError(kCorrupt) naming the offset when the chunk cannot be right.
  //
  // With `defer_columns`, a columnar chunk (codec 3 or 4) is decompressed but not decoded: `data`
  // holds its columns and `columns` is set, and DecodeColumns makes its records. The analyzer
  // reads chunks on one thread and replays them on another: the columns are a few bytes per
  // event where the records are 32 to 48, and decoding them where they are replayed keeps the
  // records in that core's cache (handing the records over cost more CPU time than decoding).
  Status ReadChunkAt(uint64_t offset, Chunk* chunk, bool with_data = true,
                     bool defer_columns = false);
  // The records of a chunk read with defer_columns, into `records` (replacing its content).
  // Throws TraceError(kCorrupt) as ReadChunkAt would have; `path` names the trace in it.
  static void DecodeColumns(const std::string& path, const Chunk& chunk, ColumnarDecoder* decoder,
                            ByteBuffer* records);
  // Sequential reading from the first chunk.
  Status NextChunk(Chunk* chunk, bool with_data = true);

  bool truncated() const { return !truncation_message_.empty(); }
  const std::string& truncation_message() const { return truncation_message_; }

 private:
  bool ReadExact(uint64_t offset, void* out, size_t size, size_t* got);
  [[noreturn]] void Corrupt(uint64_t offset, const std::string& what) const;
  // The payload in stored_ (read and checked), decoded by the chunk's codec into chunk->data
  // (columns left as they are with `defer_columns`).
  void DecodePayload(uint64_t offset, const ChunkHeader& header, bool defer_columns, Chunk* chunk);
  static void DecodeColumns(const std::string& path, const Chunk& chunk, const ByteBuffer& columns,
                            ColumnarDecoder* decoder, ByteBuffer* records);

  std::string path_;
  UniqueFd fd_;
  uint64_t file_size_ = 0;
  FileHeader header_{};
  uint64_t next_offset_ = 0;
  std::string truncation_message_;
  std::vector<uint8_t> stored_;
  ByteBuffer packed_;
  ColumnarDecoder columnar_;
  struct FreeZstd {
    void operator()(ZSTD_DCtx_s* ctx) const;
  };
  std::unique_ptr<ZSTD_DCtx_s, FreeZstd> zstd_;
};

// Session info chunk ("key=value" lines) as a map.
std::map<std::string, std::string> ParseSessionInfo(const ByteBuffer& data);

}  // namespace memwrap
