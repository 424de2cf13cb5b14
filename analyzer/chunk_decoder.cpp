#include "analyzer/chunk_decoder.h"

namespace memwrap {

ChunkDecoder::ChunkDecoder(TraceReader* reader) : reader_(reader), thread_([this] { Run(); }) {}

ChunkDecoder::~ChunkDecoder() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::future<Chunk> ChunkDecoder::Request(uint64_t offset) {
  std::future<Chunk> result;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back({offset, {}});
    result = jobs_.back().result.get_future();
  }
  wake_.notify_one();
  return result;
}

void ChunkDecoder::Recycle(ByteBuffer&& buffer) {
  if (buffer.capacity() == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (spare_.size() < kSpareBuffers) spare_.push_back(std::move(buffer));
}

void ChunkDecoder::Run() {
  for (;;) {
    Job job;
    Chunk chunk;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      if (!spare_.empty()) {
        chunk.data = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    try {
      // Columnar chunks are decoded by the thread that replays them (Chunk::columns).
      reader_->ReadChunkAt(job.offset, &chunk, /*with_data=*/true, /*defer_columns=*/true);
      job.result.set_value(std::move(chunk));
    } catch (...) {
      job.result.set_exception(std::current_exception());
    }
  }
}

}  // namespace memwrap
