// The wire between memwrap and a plugin host (include/memwrap/plugin.h, docs/plugins.md): a
// stream socket of frames, each a PluginFrameHeader and `size` bytes of payload. Both ends are
// memwrap's own executable, so integers are in the machine's order.
//
//   host -> memwrap, once, after loading the library:
//     READY    {api_version u32, host pid u32, drops_allocations u32 (0 or 1)}
//     REFUSED  the reason, text (the library could not be loaded or refused to start)
//   memwrap -> host, then host -> memwrap, strictly alternating (one answer per batch):
//     BATCH    {pid u32, reserved u32} then whole records of that process, in their order
//              (memwrap/records.h): what the collector drained from its ring, or what it
//              added itself (PROCESS_START, MEMORY_SAMPLE, HEAP_COUNTERS, IMAGE_END)
//     ANSWER   {records u32, requests u32}, then one byte per record of the batch (1 keep,
//              0 drop: 0 only for an ALLOC or a REALLOC_END), then the requests, each
//              {kind u32 (PluginRequest::Kind), pid u32, time_ns u64 (of the record being
//              handled when the plugin asked), text size u32, reserved u32} and the text
//              (no NUL)
//   memwrap -> host at the end:
//     FINISH   (empty); the host calls memwrap_plugin_fini, answers DONE (empty) and exits.
// A host that reads a malformed frame exits; memwrap treats a malformed answer as a crash.
#pragma once

#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

namespace memwrap {

enum class PluginFrame : uint32_t {
  kReady = 1,
  kRefused = 2,
  kBatch = 3,
  kAnswer = 4,
  kFinish = 5,
  kDone = 6,
};

struct PluginFrameHeader {
  uint32_t type;  // PluginFrame
  uint32_t size;  // payload bytes
};
static_assert(sizeof(PluginFrameHeader) == 8);

// A frame's payload is never larger: a batch is at most a drain budget (4 MiB) of records.
inline constexpr uint32_t kMaxPluginFrame = 64u << 20;

struct PluginBatchHead {
  uint32_t pid;
  uint32_t reserved;
};

struct PluginAnswerHead {
  uint32_t records;
  uint32_t requests;
};

struct PluginRequestHead {
  uint32_t kind;  // PluginRequest::Kind
  uint32_t pid;
  uint64_t time_ns;
  uint32_t text_size;
  uint32_t reserved;
};
static_assert(sizeof(PluginRequestHead) == 24);

// What a plugin asked of memwrap while it handled a batch.
struct PluginRequest {
  enum class Kind : uint32_t { kMark = 1, kDump = 2, kStop = 3 };
  Kind kind = Kind::kMark;
  uint32_t pid = 0;
  uint64_t time_ns = 0;  // CLOCK_MONOTONIC: the time of the event the plugin was handling
  std::string text;      // the mark's name, the dump's or the stop's reason
};

// Appends one frame's header to `out` (its payload follows).
inline void AppendPluginFrameHeader(std::vector<uint8_t>* out, PluginFrame type, size_t size) {
  const PluginFrameHeader header{uint32_t(type), uint32_t(size)};
  const size_t at = out->size();
  out->resize(at + sizeof(header));
  memcpy(out->data() + at, &header, sizeof(header));
}

template <class T>
void AppendPluginValue(std::vector<uint8_t>* out, const T& value) {
  const size_t at = out->size();
  out->resize(at + sizeof(value));
  memcpy(out->data() + at, &value, sizeof(value));
}

}  // namespace memwrap
