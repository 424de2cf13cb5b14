#include "trace_stream.h"

#include <stdio.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <queue>
#include <string.h>

#include "memwrap/records.h"
#include "tracefile/trace_error.h"

namespace memwrap {

bool RecordTimestamp(const RecordView& record, uint64_t* ts_ns) {
  // Every record type except STACK has ts_ns right after its header (records.h). Types this
  // reader does not know (a newer minor version) are not trusted to: they keep the time of
  // the record before them.
  const auto type = static_cast<uint16_t>(record.type);
  if (record.type == RecordType::kStack || type == 0 || type > uint16_t(RecordType::kMaxType) ||
      record.size < sizeof(RecordHeader) + 8) {
    return false;
  }
  memcpy(ts_ns, record.data + sizeof(RecordHeader), sizeof(*ts_ns));
  return true;
}

TraceStream::TraceStream(TraceReader* reader) : reader_(reader) {
  Chunk chunk;
  uint64_t offset = reader_->first_chunk_offset();
  for (;;) {
    TraceReader::Status status = reader_->ReadChunkAt(offset, &chunk, /*with_data=*/false);
    if (status == TraceReader::Status::kEnd) break;
    if (status == TraceReader::Status::kTruncated) {
      warnings_.push_back(reader_->truncation_message());
      break;
    }
    if (chunk.type == ChunkType::kRecords) {
      chunks_by_pid_[chunk.pid].push_back(chunk.offset);
      ++chunk_count_;
    } else if (chunk.type == ChunkType::kSessionInfo) {
      Chunk full;
      reader_->ReadChunkAt(chunk.offset, &full, true);
      for (const auto& [key, value] : ParseSessionInfo(full.data)) session_info_[key] = value;
    }
    offset = chunk.next_offset;
  }
}

namespace {

// One process's records, chunk after chunk.
class ProcessCursor {
 public:
  ProcessCursor(TraceReader* reader, uint32_t pid, const std::vector<uint64_t>* offsets)
      : reader_(reader), pid_(pid), offsets_(offsets) {}

  // Moves to the next record; false at the end of this process's stream.
  bool Advance() {
    for (;;) {
      if (cursor_ != nullptr && cursor_->Next(&record_, where_)) {
        uint64_t ts;
        if (RecordTimestamp(record_, &ts)) ts_ = ts;  // STACK keeps its predecessor's time
        return true;
      }
      if (next_chunk_ >= offsets_->size()) return false;
      uint64_t offset = (*offsets_)[next_chunk_++];
      reader_->ReadChunkAt(offset, &chunk_, true);
      where_ = "trace '" + reader_->path() + "' chunk at offset " + std::to_string(offset);
      cursor_ = std::make_unique<RecordCursor>(chunk_.data.data(), chunk_.data.size());
    }
  }

  uint32_t pid() const { return pid_; }
  uint64_t ts() const { return ts_; }
  size_t chunks_read() const { return next_chunk_; }
  size_t chunk_bytes() const { return chunk_.data.capacity(); }
  const RecordView& record() const { return record_; }

 private:
  TraceReader* reader_;
  uint32_t pid_;
  const std::vector<uint64_t>* offsets_;
  size_t next_chunk_ = 0;
  Chunk chunk_;
  std::unique_ptr<RecordCursor> cursor_;
  std::string where_;
  RecordView record_;
  uint64_t ts_ = 0;
};

}  // namespace

void TraceStream::TooMuchHeld() const {
  throw TraceError(TraceError::Kind::kCorrupt,
                   "trace '" + reader_->path() + "' needs more than " +
                       std::to_string(kMaxChunkBytesHeld >> 30) +
                       " GiB of decompressed chunks at once (many processes with large chunks); "
                       "refusing it rather than exhausting memory");
}

void TraceStream::ForEach(
    const std::function<bool(uint32_t pid, const RecordView& record)>& visit) {
  std::vector<std::unique_ptr<ProcessCursor>> cursors;
  for (const auto& [pid, offsets] : chunks_by_pid_) {
    cursors.push_back(std::make_unique<ProcessCursor>(reader_, pid, &offsets));
  }
  auto later = [](const ProcessCursor* a, const ProcessCursor* b) {
    return a->ts() != b->ts() ? a->ts() > b->ts() : a->pid() > b->pid();
  };
  std::priority_queue<ProcessCursor*, std::vector<ProcessCursor*>, decltype(later)> heads(later);
  for (auto& cursor : cursors) {
    if (cursor->Advance()) heads.push(cursor.get());
  }
  // Bytes of decompressed chunks held by all cursors at once (each keeps its current chunk).
  auto held = [&] {
    uint64_t bytes = 0;
    for (const auto& cursor : cursors) bytes += cursor->chunk_bytes();
    return bytes;
  };
  if (held() > kMaxChunkBytesHeld) TooMuchHeld();
  // Progress, for long passes over big traces: chunks read so far out of all, on a terminal
  // only (scripts reading stderr get nothing extra), and only once a pass takes over 2 s.
  const int pass = ++passes_;
  const bool terminal = isatty(STDERR_FILENO) == 1;
  const auto start = std::chrono::steady_clock::now();
  bool shown = false;
  uint64_t visited = 0;
  auto show_progress = [&] {
    if (!terminal || chunk_count_ == 0) return;
    if (std::chrono::steady_clock::now() - start < std::chrono::seconds(2)) return;
    size_t read = 0;
    for (const auto& cursor : cursors) read += cursor->chunks_read();
    fprintf(stderr, "\rmemwrap: reading %s, pass %d: %3zu%%", reader_->path().c_str(), pass,
            read * 100 / chunk_count_);
    shown = true;
  };
  while (!heads.empty()) {
    if ((++visited & 0xffff) == 0) show_progress();
    ProcessCursor* cursor = heads.top();
    heads.pop();
    if (!visit(cursor->pid(), cursor->record())) {
      if (shown) fprintf(stderr, "\r\033[K");
      return;
    }
    const size_t before = cursor->chunk_bytes();
    if (cursor->Advance()) heads.push(cursor);
    // A cursor grows only when it moves to a bigger chunk: check then (rarely).
    if (cursor->chunk_bytes() > before && held() > kMaxChunkBytesHeld) TooMuchHeld();
  }
  if (shown) fprintf(stderr, "\r\033[K");  // the line goes once the pass is done
}

}  // namespace memwrap
