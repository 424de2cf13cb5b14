// Grows and shrinks blocks with realloc, many times over, then frees them all: every block's
// life is a chain of reallocs (in place and moving, growing past glibc's mmap threshold and
// back, realloc(p, 0) on some), so that in sampled mode both the inline path and the full one
// carry reallocs. Nothing is left live: the program writes its figures with write(2), not
// stdio, whose buffer would stay allocated.
// Prints expected_allocations (malloc + each successful realloc), expected_frees (free +
// each successful realloc + realloc(p, 0)) and expected_bytes (the sizes asked for).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kBlocks = 500, kSteps = 60 };

int main(void) {
  static void* blocks[kBlocks];
  uint64_t allocations = 0, frees = 0, bytes = 0;
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < kBlocks; ++i) {
    blocks[i] = malloc(16);
    if (blocks[i] == NULL) return 1;
    ++allocations;
    bytes += 16;
  }
  for (int step = 0; step < kSteps; ++step) {
    for (int i = 0; i < kBlocks; ++i) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      // Mostly small, now and then past the mmap threshold (128 KiB).
      size_t size = (state & 63) == 0 ? 200000 + (state >> 40) % 100000 : 1 + (state >> 32) % 3000;
      if ((state & 1023) == 1) {
        // realloc(p, 0) frees p (glibc) and returns NULL: a free; a fresh block follows.
        void* none = realloc(blocks[i], 0);
        if (none != NULL) return 2;
        ++frees;
        blocks[i] = malloc(size);
        if (blocks[i] == NULL) return 1;
        ++allocations;
        bytes += size;
        continue;
      }
      void* grown = realloc(blocks[i], size);
      if (grown == NULL) return 1;
      memset(grown, step, size < 64 ? size : 64);
      blocks[i] = grown;
      ++allocations;
      ++frees;
      bytes += size;
    }
  }
  for (int i = 0; i < kBlocks; ++i) {
    free(blocks[i]);
    ++frees;
  }
  char line[160];
  int length = snprintf(
      line, sizeof(line), "expected_allocations=%llu\nexpected_frees=%llu\nexpected_bytes=%llu\n",
      (unsigned long long)allocations, (unsigned long long)frees, (unsigned long long)bytes);
  return write(STDOUT_FILENO, line, (size_t)length) == length ? 0 : 3;
}
