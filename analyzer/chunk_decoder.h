// Decodes chunks ahead of the record merge on a thread of its own. Reading a chunk is a
// third of a report's time (read, CRC, zstd, unpacking the packed codec) and does not depend
// on the records before it: while the caller replays chunk N of a process, chunk N+1 is being
// decoded on the other core. Columnar chunks (codecs 3 and 4) come decompressed but not decoded:
// the caller decodes their columns (TraceReader::DecodeColumns), where the records are replayed.
//
// The TraceReader is used only by the decoder's thread while a ChunkDecoder exists.
#pragma once

#include <stdint.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "tracefile/trace_reader.h"

namespace memwrap {

class ChunkDecoder {
 public:
  explicit ChunkDecoder(TraceReader* reader);
  // Pending requests are dropped (their futures report a broken promise); the thread joins.
  ~ChunkDecoder();
  ChunkDecoder(const ChunkDecoder&) = delete;
  ChunkDecoder& operator=(const ChunkDecoder&) = delete;

  // The chunk at `offset`, decoded in request order. A TraceError thrown while decoding comes
  // out of the future's get().
  std::future<Chunk> Request(uint64_t offset);
  // The buffer of a chunk the caller is done with, for a later chunk's data: a buffer of
  // megabytes allocated on this thread and freed on the caller's went back to the system at
  // each free (glibc trims the top of the thread's heap), and every chunk faulted its pages in
  // again (page faults were a tenth of a report's time).
  void Recycle(ByteBuffer&& buffer);

 private:
  struct Job {
    uint64_t offset;
    std::promise<Chunk> result;
  };
  void Run();

  TraceReader* reader_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  // Recycled buffers. One is what a process's cursor gives back as the decoder fills the next;
  // the second covers a merge switching between processes. At most two: memory beyond what
  // TraceStream checks a trace's chunk headers against is two chunks' columns.
  std::vector<ByteBuffer> spare_;
  static constexpr size_t kSpareBuffers = 2;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace memwrap
