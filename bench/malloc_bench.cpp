// A malloc-heavy workload for measuring tracing overhead: several threads, each keeping a live
// set of blocks and replacing random ones; mixed sizes 16 B - 4 KiB; malloc/free, realloc and
// new/delete; every allocation made ~12 frames deep. Prints its operation count and a checksum
// so the work cannot be optimised away.
// usage: malloc_bench [THREADS] [OPS_PER_THREAD]
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <thread>
#include <vector>

namespace {

constexpr int kLiveSet = 2048;
constexpr int kDepth = 12;

struct Rng {
  uint64_t state;
  uint64_t Next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
};

enum class Kind : uint8_t { kMalloc, kNew };

struct Slot {
  void* block = nullptr;
  size_t size = 0;
  Kind kind = Kind::kMalloc;
};

size_t PickSize(Rng& rng) {
  // Mostly small, some up to 4 KiB, as in typical programs.
  uint64_t r = rng.Next();
  return (r & 3) != 0 ? 16 + (r >> 8) % 240 : 256 + (r >> 8) % (4096 - 256);
}

__attribute__((noinline)) void Release(Slot& slot) {
  if (slot.block == nullptr) return;
  if (slot.kind == Kind::kNew) {
    delete[] static_cast<char*>(slot.block);
  } else {
    free(slot.block);
  }
  slot.block = nullptr;
}

__attribute__((noinline)) uint64_t Operate(Slot& slot, Rng& rng) {
  uint64_t r = rng.Next() % 10;
  if (r == 0 && slot.block != nullptr && slot.kind == Kind::kMalloc) {
    slot.size = PickSize(rng);
    slot.block = realloc(slot.block, slot.size);
  } else {
    Release(slot);
    slot.size = PickSize(rng);
    if (r < 3) {
      slot.block = new char[slot.size];
      slot.kind = Kind::kNew;
    } else {
      slot.block = malloc(slot.size);
      slot.kind = Kind::kMalloc;
    }
  }
  // Fill the block, as a program fills what it allocates.
  memset(slot.block, int(r), slot.size);
  return static_cast<unsigned char*>(slot.block)[0];
}

// Recursion with distinct frames so the allocation sits kDepth frames deep.
template <int N>
__attribute__((noinline)) uint64_t Descend(Slot& slot, Rng& rng) {
  uint64_t v = Descend<N - 1>(slot, rng);
  asm volatile("" ::: "memory");  // keep the frame
  return v + N;
}
template <>
__attribute__((noinline)) uint64_t Descend<0>(Slot& slot, Rng& rng) {
  return Operate(slot, rng);
}

uint64_t Worker(int id, long ops) {
  Rng rng{0x9e3779b97f4a7c15ull * uint64_t(id + 1)};
  std::vector<Slot> live(kLiveSet);
  uint64_t sum = 0;
  for (long i = 0; i < ops; ++i) {
    Slot& slot = live[rng.Next() % kLiveSet];
    sum += Descend<kDepth>(slot, rng);
  }
  for (Slot& slot : live) Release(slot);
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 4;
  long ops = argc > 2 ? atol(argv[2]) : 500000;
  std::vector<std::thread> pool;
  std::vector<uint64_t> sums(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { sums[size_t(t)] = Worker(t, ops); });
  uint64_t total = 0;
  for (int t = 0; t < threads; ++t) {
    pool[size_t(t)].join();
    total += sums[size_t(t)];
  }
  printf("ops=%ld checksum=%llu\n", ops * threads, static_cast<unsigned long long>(total));
  return 0;
}
