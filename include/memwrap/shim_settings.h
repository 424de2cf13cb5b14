// How memwrap tells the shim what to record: MEMWRAP_* environment variables, set by memwrap
// for the program it starts (the values are plain decimal numbers or words). The shim reads
// them once per process image; a variable holding garbage disables the shim with one line on
// stderr (the program then runs untraced), and without a live collector (MEMWRAP_SOCKET) they
// are ignored altogether.
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memwrap/records.h"
#include "memwrap/ring.h"

namespace memwrap {

inline constexpr const char* kEnvStacks = "MEMWRAP_STACKS";  // full | none | sampled
inline constexpr const char* kEnvSampleBytes =
    "MEMWRAP_SAMPLE_BYTES";                                    // mean bytes between samples
inline constexpr const char* kEnvOnFull = "MEMWRAP_ON_FULL";   // block | drop
inline constexpr const char* kEnvBuffers = "MEMWRAP_BUFFERS";  // per-process | per-thread
// The sampler's seed (a positive decimal): the same program with the same seed samples the
// same allocations. Unset: a seed from the clock.
inline constexpr const char* kEnvSampleSeed = "MEMWRAP_SAMPLE_SEED";

enum class StackMode : uint32_t {
  kFull = 0,     // every allocation's stack
  kNone = 1,     // no stacks: counts and totals only
  kSampled = 2,  // a Poisson sample by bytes (every sample_bytes bytes on average)
};

enum class FullRingPolicy : uint32_t {
  kBlock = 0,  // lossless: a producer waits for space
  kDrop = 1,   // never waits: records that do not fit are counted and reported as LOST
};

enum class BufferMode : uint32_t {
  kPerProcess = 0,  // one shared ring per process: every record reserved with a fetch_add on head
  kPerThread = 1,   // a ring per thread, merged by time in the collector (memwrap/ring.h)
};

inline constexpr uint32_t kDefaultStackDepth = 64;
inline constexpr uint64_t kDefaultSampleBytes = 512 * 1024;

struct ShimSettings {
  uint64_t ring_capacity = kDefaultRingCapacity;
  uint32_t stack_depth = kDefaultStackDepth;
  StackMode stacks = StackMode::kFull;
  uint64_t sample_bytes = kDefaultSampleBytes;
  FullRingPolicy on_full = FullRingPolicy::kBlock;
  BufferMode buffers = BufferMode::kPerProcess;
};

namespace settings_detail {
// A whole decimal number, nothing else.
inline bool ParseNumber(const char* text, uint64_t* value) {
  if (text == nullptr || *text < '0' || *text > '9') return false;
  char* end = nullptr;
  *value = strtoull(text, &end, 10);
  return end != nullptr && *end == '\0';
}
}  // namespace settings_detail

// Fills `out` from the variables' values (nullptr = unset: the default). Returns nullptr when
// all are valid, else the name of the first variable whose value is not.
inline const char* ParseShimSettings(const char* ring_capacity, const char* stack_depth,
                                     const char* stacks, const char* sample_bytes,
                                     const char* on_full, const char* buffers, ShimSettings* out) {
  using settings_detail::ParseNumber;
  uint64_t number = 0;
  if (ring_capacity != nullptr) {
    if (!ParseNumber(ring_capacity, &number) || !IsValidRingCapacity(number))
      return "MEMWRAP_BUFFER";
    out->ring_capacity = number;
  }
  if (stack_depth != nullptr) {
    if (!ParseNumber(stack_depth, &number) || number < 1 || number > kMaxStackDepth) {
      return "MEMWRAP_STACK_DEPTH";
    }
    out->stack_depth = uint32_t(number);
  }
  if (stacks != nullptr) {
    if (strcmp(stacks, "full") == 0) {
      out->stacks = StackMode::kFull;
    } else if (strcmp(stacks, "none") == 0) {
      out->stacks = StackMode::kNone;
    } else if (strcmp(stacks, "sampled") == 0) {
      out->stacks = StackMode::kSampled;
    } else {
      return kEnvStacks;
    }
  }
  if (sample_bytes != nullptr) {
    if (!ParseNumber(sample_bytes, &number) || number < 1 || number > (1ull << 40)) {
      return kEnvSampleBytes;
    }
    out->sample_bytes = number;
  }
  if (on_full != nullptr) {
    if (strcmp(on_full, "block") == 0) {
      out->on_full = FullRingPolicy::kBlock;
    } else if (strcmp(on_full, "drop") == 0) {
      out->on_full = FullRingPolicy::kDrop;
    } else {
      return kEnvOnFull;
    }
  }
  if (buffers != nullptr) {
    if (strcmp(buffers, "per-process") == 0) {
      out->buffers = BufferMode::kPerProcess;
    } else if (strcmp(buffers, "per-thread") == 0) {
      out->buffers = BufferMode::kPerThread;
    } else {
      return kEnvBuffers;
    }
  }
  return nullptr;
}

}  // namespace memwrap
