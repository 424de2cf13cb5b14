#include "analyzer/trace_stream.h"

#include <stdio.h>
#include <unistd.h>

#include <string.h>
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <queue>

#include "analyzer/chunk_decoder.h"
#include "memwrap/records.h"
#include "tracefile/trace_error.h"

namespace memwrap {

TraceStream::TraceStream(TraceReader* reader) : reader_(reader) {
  Chunk chunk;
  uint64_t offset = reader_->first_chunk_offset();
  std::optional<ChunkType> last_type;
  uint64_t last_offset = 0;
  // What ForEach will hold at most, from the chunk headers: each process's cursor keeps its
  // current chunk and the next one, read ahead.
  struct Held {
    uint32_t last = 0;
    uint64_t most = 0;
  };
  std::map<uint32_t, Held> held_by_pid;
  for (;;) {
    TraceReader::Status status = reader_->ReadChunkAt(offset, &chunk, /*with_data=*/false);
    if (status != TraceReader::Status::kChunk) break;  // the end, or a chunk cut short
    last_type = chunk.type;
    last_offset = chunk.offset;
    if (chunk.type == ChunkType::kRecords) {
      chunks_by_pid_[chunk.pid].push_back(chunk.offset);
      ++chunk_count_;
      Held& held = held_by_pid[chunk.pid];
      held.most = std::max(held.most, uint64_t(held.last) + chunk.raw_size);
      held.last = chunk.raw_size;
      uint32_t& largest = largest_chunk_by_pid_[chunk.pid];
      largest = std::max(largest, chunk.raw_size);
    } else if (chunk.type == ChunkType::kSessionInfo) {
      Chunk full;
      reader_->ReadChunkAt(chunk.offset, &full, true);
      for (const auto& [key, value] : ParseSessionInfo(full.data)) session_info_[key] = value;
    }
    offset = chunk.next_offset;
  }
  // Checked before any records chunk is decompressed: a hostile file is refused at a cost of
  // its headers, not of what they claim.
  // A columnar chunk (codec 3 or 4) is decoded on the replaying thread: it holds its columns (up to
  // twice the records' size) and the records decoded from them, so three times the records' size.
  uint64_t needed = 0;
  for (const auto& [pid, held] : held_by_pid) needed += 3 * held.most;
  if (needed > reader_->chunk_bytes_allowed()) TooMuchHeld(needed);
  ending_ = JudgeEnding(reader_->path(), reader_->header(), last_type, last_offset,
                        reader_->truncation_message());
  if (ending_.kind != TraceEnding::Kind::kComplete) warnings_.push_back(ending_.message);
}

ProcessCursor::ProcessCursor(ChunkDecoder* decoder, ColumnarDecoder* columnar,
                             const std::string& path, uint32_t pid,
                             const std::vector<uint64_t>* offsets, uint32_t largest_chunk)
    : decoder_(decoder),
      columnar_(columnar),
      path_(path),
      pid_(pid),
      offsets_(offsets),
      largest_chunk_(largest_chunk) {
  RequestNext();
}

void ProcessCursor::RequestNext() {
  next_ = next_chunk_ < offsets_->size() ? decoder_->Request((*offsets_)[next_chunk_++])
                                         : std::future<Chunk>();
}

bool ProcessCursor::NextChunk() {
  if (!next_.valid()) return false;
  const uint64_t offset = (*offsets_)[next_chunk_ - 1];
  cursor_ = RecordCursor();
  lookahead_ = RecordCursor();
  decoder_->Recycle(std::move(chunk_.data));
  chunk_ = next_.get();  // a chunk that cannot be decoded throws its TraceError here
  RequestNext();
  // A columnar chunk is decoded here, into the same buffer each time: its records stay in this
  // core's cache until they are replayed.
  const ByteBuffer* records = &chunk_.data;
  if (chunk_.columns) {
    // Room for the largest chunk at once: growing it chunk after chunk took fresh pages each
    // time (a page fault per 4 KiB, a tenth of a report's time on this machine).
    if (records_.capacity() < largest_chunk_) records_.reserve(largest_chunk_);
    TraceReader::DecodeColumns(path_, chunk_, columnar_, &records_);  // or throws
    records = &records_;
  }
  where_ = "trace '" + path_ + "' chunk at offset " + std::to_string(offset);
  cursor_ = RecordCursor(records->data(), records->size());
  lookahead_ = RecordCursor(records->data(), records->size());
  return true;
}

TraceStream::Pass::Pass(TraceStream* stream)
    : stream_(stream),
      decoder_(stream->reader_),
      number_(++stream->passes_),
      terminal_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {
  for (const auto& [pid, offsets] : stream->chunks_by_pid_) {
    cursors_.push_back(std::make_unique<ProcessCursor>(&decoder_, &columnar_,
                                                       stream->reader_->path(), pid, &offsets,
                                                       stream->largest_chunk_by_pid_[pid]));
  }
}

TraceStream::Pass::~Pass() {
  if (shown_) fprintf(stderr, "\r\033[K");  // the line goes once the pass is done
}

// Progress, for long passes over big traces: chunks read so far out of all, on a terminal only
// (scripts reading stderr get nothing extra), and only once a pass takes over 2 s.
void TraceStream::Pass::ShowProgress() {
  if (!terminal_ || stream_->chunk_count_ == 0) return;
  if (std::chrono::steady_clock::now() - start_ < std::chrono::seconds(2)) return;
  size_t read = 0;
  for (const auto& cursor : cursors_) read += cursor->chunks_read();
  fprintf(stderr, "\rmemwrap: reading %s, pass %d: %3zu%%", stream_->reader_->path().c_str(),
          number_, read * 100 / stream_->chunk_count_);
  shown_ = true;
}

void TraceStream::TooMuchHeld(uint64_t needed) const {
  throw TraceError(TraceError::Kind::kCorrupt,
                   "trace '" + reader_->path() + "' would need " + std::to_string(needed >> 20) +
                       " MiB of decompressed chunks at once, more than the " +
                       std::to_string(reader_->chunk_bytes_allowed() >> 20) +
                       " MiB allowed for a " + std::to_string(reader_->file_size()) +
                       "-byte file (its chunk headers claim far more than it can hold); "
                       "refusing it rather than exhausting memory");
}

void TraceStream::ForEach(const Visit& visit, const Ahead& ahead) {
  if (ahead) {
    ForEachRecord(visit, ahead);
  } else {
    ForEachRecord(visit, [](uint32_t, const RecordView&) {});
  }
}

}  // namespace memwrap
