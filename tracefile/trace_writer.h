// Writes a .mwt trace: the file header, then one checksummed zstd chunk per call.
// Used by the collector; the reader side is trace_reader.h.
#pragma once

#include <stdint.h>

#include <map>
#include <string>
#include <vector>

#include <memory>

#include "fileio/output_file.h"
#include "memwrap/trace_format.h"
#include "tracefile/byte_buffer.h"
#include "tracefile/columnar_codec.h"
#include "tracefile/record_sink.h"

struct ZSTD_CCtx_s;

namespace memwrap {

class TraceWriter : public RecordSink {
 public:
  enum class Existing { kRefuse, kReplace, kAppend };
  // Creates `path` (mode 0600) by the rules of fileio/output_file.h and writes the file
  // header. An existing file is refused unless `existing` is kReplace (memwrap run --force) or
  // kAppend. Throws TraceError(kIo) with a message naming the path and the reason; nothing is
  // left behind then (a header that could not be written, a full disk: the new file goes).
  //
  // kRefuse writes the trace in place, so a recording that is killed leaves what it wrote at
  // `path`. kReplace writes it beside `path` ("PATH.partial-XXXXXX") and renames it over
  // `path` when the writer is destroyed: until then the old trace stays whole, a killed
  // recording leaves its records in the .partial file, and of concurrent writers to one path
  // the last to end wins with a whole trace.
  //
  // Every writer holds an exclusive flock(2) on its file while it lives.
  //
  // kAppend (cronlogger): an existing trace gets more chunks at its end (its end-of-trace
  // chunk is cut off first, Finish() writes it again after them). Concurrent appenders
  // take turns; one that waits over 2 s for the lock (another writer is still running on the
  // file) gives up with TraceError(kIo). An
  // incomplete last chunk (an earlier writer was killed mid-write; readers already stop before
  // it) is cut off first, so the new chunks follow the last complete one and the file stays
  // readable. A file that is not a trace, is of a newer major version, or whose chunk headers
  // are corrupt is refused (TraceError kNotATrace / kNewerFormat / kCorrupt) and left as it is.
  // An empty file is treated as new.
  explicit TraceWriter(const std::string& path, Existing existing = Existing::kRefuse);
  // The header's clock pair (the trace's time origin) given rather than read now: a flight
  // recorder dump is created long after the run it belongs to began.
  struct ClockOrigin {
    uint64_t realtime_ns;
    uint64_t monotonic_ns;
  };
  TraceWriter(const std::string& path, Existing existing, ClockOrigin origin);
  static ClockOrigin Now();
  // Puts the trace at path() (kReplace: renames it there); a failure is one line on stderr.
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void WriteSessionInfo(const std::map<std::string, std::string>& info);
  // One chunk with `size` bytes of records of process `pid`. Large inputs are split at record
  // boundaries by the caller (size <= kMaxChunkRawSize).
  void WriteRecords(uint32_t pid, const void* records, size_t size) override;
  // Ends the file with the end-of-trace chunk, which says that everything the recording
  // produced was written: call it last, once, and only then (not after a write error, not for
  // a recording cut short). Without it a reader reports the trace as incomplete.
  void Finish() override;
  // For a recording that did not start (the program is missing): removes what this writer
  // created and leaves path() as it was before.
  void Discard();
  uint64_t bytes_written() const { return offset_; }
  // kAppend only: true when the file existed with chunks or a header (nothing new was created).
  bool appended() const { return appended_; }
  // kAppend only: bytes of an incomplete last chunk that were cut off (0 almost always).
  uint64_t torn_tail_bytes() const { return torn_tail_bytes_; }
  const std::string& path() const { return path_; }

 private:
  void WriteChunk(ChunkType type, ChunkCodec codec, uint32_t pid, const void* data, size_t size,
                  size_t raw_size);
  void WriteStored(ChunkType type, ChunkCodec codec, uint32_t pid, size_t raw_size);
  void WriteAll(const void* data, size_t size);
  void WriteFileHeader(ClockOrigin origin);
  void OpenForAppend(ClockOrigin origin);

  std::string path_;
  OutputFile file_;
  uint64_t offset_ = 0;
  bool appended_ = false;
  uint64_t torn_tail_bytes_ = 0;
  struct FreeZstd {
    void operator()(ZSTD_CCtx_s* ctx) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, FreeZstd> zstd_;
  ByteBuffer scratch_;
  ByteBuffer packed_;
  ColumnarEncoder encoder_;
};

}  // namespace memwrap
