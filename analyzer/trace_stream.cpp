#include "trace_stream.h"

#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <queue>
#include <string.h>

#include "chunk_decoder.h"
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
    } else if (chunk.type == ChunkType::kSessionInfo) {
      Chunk full;
      reader_->ReadChunkAt(chunk.offset, &full, true);
      for (const auto& [key, value] : ParseSessionInfo(full.data)) session_info_[key] = value;
    }
    offset = chunk.next_offset;
  }
  // Checked before any records chunk is decompressed: a hostile file is refused at a cost of
  // its headers, not of what they claim.
  // A codec 3 chunk is decoded on the replaying thread: it holds its columns (up to twice the
  // records' size) and the records decoded from them, so three times the records' size.
  uint64_t needed = 0;
  for (const auto& [pid, held] : held_by_pid) needed += 3 * held.most;
  if (needed > reader_->chunk_bytes_allowed()) TooMuchHeld(needed);
  ending_ = JudgeEnding(reader_->path(), reader_->header(), last_type, last_offset,
                        reader_->truncation_message());
  if (ending_.kind != TraceEnding::Kind::kComplete) warnings_.push_back(ending_.message);
}

namespace {

// One process's records, chunk after chunk; the next chunk is read while this one is replayed.
class ProcessCursor {
 public:
  ProcessCursor(ChunkDecoder* decoder, ColumnarDecoder* columnar, const std::string& path,
                uint32_t pid, const std::vector<uint64_t>* offsets, const TraceStream::Ahead* ahead)
      : decoder_(decoder),
        columnar_(columnar),
        path_(path),
        pid_(pid),
        offsets_(offsets),
        ahead_(ahead) {
    RequestNext();
  }

  // Moves to the next record; false at the end of this process's stream.
  bool Advance() {
    for (;;) {
      if (cursor_ != nullptr && cursor_->Next(&record_, where_)) {
        uint64_t ts;
        if (RecordTimestamp(record_, &ts)) ts_ = ts;  // STACK keeps its predecessor's time
        if (*ahead_ && lookahead_->TryNext(&ahead_record_)) (*ahead_)(pid_, ahead_record_);
        return true;
      }
      if (!next_.valid()) return false;
      const uint64_t offset = (*offsets_)[next_chunk_ - 1];
      cursor_.reset();
      chunk_ = next_.get();  // a chunk that cannot be decoded throws its TraceError here
      RequestNext();
      // A columnar chunk is decoded here, into the same buffer each time: its records stay
      // in this core's cache until they are replayed.
      const ByteBuffer* records = &chunk_.data;
      if (chunk_.columns) {
        TraceReader::DecodeColumns(path_, chunk_, columnar_, &records_);  // or throws
        records = &records_;
      }
      where_ = "trace '" + path_ + "' chunk at offset " + std::to_string(offset);
      cursor_ = std::make_unique<RecordCursor>(records->data(), records->size());
      lookahead_ = std::make_unique<RecordCursor>(records->data(), records->size());
      if (*ahead_) {
        for (int i = 0; i < kLookahead && lookahead_->TryNext(&ahead_record_); ++i) {
          (*ahead_)(pid_, ahead_record_);
        }
      }
    }
  }

  uint32_t pid() const { return pid_; }
  uint64_t ts() const { return ts_; }
  size_t chunks_read() const { return next_chunk_; }
  const RecordView& record() const { return record_; }

 private:
  void RequestNext() {
    next_ = next_chunk_ < offsets_->size() ? decoder_->Request((*offsets_)[next_chunk_++])
                                           : std::future<Chunk>();
  }

  // Far enough ahead for a cache miss to resolve while the records before it are replayed.
  static constexpr int kLookahead = 16;

  ChunkDecoder* decoder_;
  ColumnarDecoder* columnar_;  // shared by the cursors: they decode one at a time
  const std::string& path_;
  uint32_t pid_;
  const std::vector<uint64_t>* offsets_;
  size_t next_chunk_ = 0;  // chunks requested so far
  std::future<Chunk> next_;
  Chunk chunk_;
  ByteBuffer records_;  // the current chunk's records when it was columnar
  std::unique_ptr<RecordCursor> cursor_;
  std::unique_ptr<RecordCursor> lookahead_;  // kLookahead records ahead of cursor_
  const TraceStream::Ahead* ahead_;
  RecordView ahead_record_;
  std::string where_;
  RecordView record_;
  uint64_t ts_ = 0;
};

}  // namespace

void TraceStream::TooMuchHeld(uint64_t needed) const {
  throw TraceError(TraceError::Kind::kCorrupt,
                   "trace '" + reader_->path() + "' would need " +
                       std::to_string(needed >> 20) +
                       " MiB of decompressed chunks at once, more than the " +
                       std::to_string(reader_->chunk_bytes_allowed() >> 20) + " MiB allowed for a " +
                       std::to_string(reader_->file_size()) +
                       "-byte file (its chunk headers claim far more than it can hold); "
                       "refusing it rather than exhausting memory");
}

void TraceStream::ForEach(const Visit& visit, const Ahead& ahead) {
  // Declared before the cursors: they hold its futures, and it must outlive them.
  ChunkDecoder decoder(reader_);
  ColumnarDecoder columnar;
  std::vector<std::unique_ptr<ProcessCursor>> cursors;
  for (const auto& [pid, offsets] : chunks_by_pid_) {
    cursors.push_back(std::make_unique<ProcessCursor>(&decoder, &columnar, reader_->path(), pid,
                                                      &offsets, &ahead));
  }
  auto later = [](const ProcessCursor* a, const ProcessCursor* b) {
    return a->ts() != b->ts() ? a->ts() > b->ts() : a->pid() > b->pid();
  };
  std::priority_queue<ProcessCursor*, std::vector<ProcessCursor*>, decltype(later)> heads(later);
  for (auto& cursor : cursors) {
    if (cursor->Advance()) heads.push(cursor.get());
  }
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
  // The cursor being read stays out of the heap while it is still the earliest: most runs of
  // records belong to one process, and a heap operation per record showed in profiles.
  ProcessCursor* cursor = nullptr;
  for (;;) {
    if (cursor == nullptr) {
      if (heads.empty()) break;
      cursor = heads.top();
      heads.pop();
    }
    if ((++visited & 0xffff) == 0) show_progress();
    if (!visit(cursor->pid(), cursor->record())) {
      if (shown) fprintf(stderr, "\r\033[K");
      return;
    }
    const bool more = cursor->Advance();
    if (!more) {
      cursor = nullptr;
    } else if (!heads.empty() && later(cursor, heads.top())) {
      heads.push(cursor);
      cursor = nullptr;
    }
  }
  if (shown) fprintf(stderr, "\r\033[K");  // the line goes once the pass is done
}

}  // namespace memwrap
