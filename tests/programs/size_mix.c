/* A program that knows its heap truth, for `memwrap run --keep-stacks-if 'size >= 1MiB'`:
 * allocations on both sides of 1 MiB, and reallocs that cross it both ways, through named
 * functions. It prints what a filter keeping the allocations of 1 MiB and more must keep, and
 * the exact figures of every allocation:
 *
 *   make_big_blocks     5 x malloc 2 MiB              kept; 4 freed, 1 reallocated to 100 B
 *   churn_small         1,000 x malloc 100 B, freed   not kept
 *   make_calloc_blocks  3 x calloc 1 MiB              kept (exactly 1 MiB); freed
 *   grow_block          malloc 512 KiB, realloc to 1.5 MiB: the new block kept, the old not
 *   shrink_block        realloc a kept 2 MiB block to 100 B: the old kept, the new not (leaked)
 *   leak_small          malloc 100 B, leaked
 *
 * Peak = 5 x 2 MiB + 3 x 1 MiB + 1.5 MiB, when the block grows. Output goes through write(2)
 * with a stack buffer: stdio would allocate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static volatile unsigned char sink;
static void* volatile escape; /* keeps the compiler from pairing away a malloc and its free */

static void say(const char* line) {
  ssize_t ignored = write(STDOUT_FILENO, line, strlen(line));
  (void)ignored;
}

__attribute__((noinline)) static void make_big_blocks(unsigned char** big) {
  for (int i = 0; i < 5; ++i) {
    big[i] = malloc(2 * MIB);
    big[i][0] = 1;
  }
}

__attribute__((noinline)) static void churn_small(void) {
  for (int i = 0; i < 1000; ++i) {
    unsigned char* p = malloc(100);
    p[0] = (unsigned char)i;
    escape = p;
    free(escape);
  }
}

__attribute__((noinline)) static void make_calloc_blocks(unsigned char** blocks) {
  for (int i = 0; i < 3; ++i) blocks[i] = calloc(1, MIB);
}

__attribute__((noinline)) static unsigned char* grow_block(void) {
  unsigned char* p = malloc(512 * 1024);
  p[0] = 1;
  return realloc(p, 3 * MIB / 2);
}

__attribute__((noinline)) static unsigned char* shrink_block(unsigned char* p) {
  return realloc(p, 100);
}

__attribute__((noinline)) static unsigned char* leak_small(void) {
  unsigned char* p = malloc(100);
  p[0] = 1;
  return p;
}

int main(void) {
  unsigned char* big[5];
  unsigned char* blocks[3];
  make_big_blocks(big);
  churn_small();
  make_calloc_blocks(blocks);
  unsigned char* grown = grow_block();
  sink = grown[0];
  for (int i = 0; i < 4; ++i) free(big[i]);
  for (int i = 0; i < 3; ++i) free(blocks[i]);
  free(grown);
  unsigned char* shrunk = shrink_block(big[4]);
  unsigned char* leaked = leak_small();
  sink = shrunk[0] + leaked[0];

  char line[512];
  const unsigned long long allocated =
      5ull * 2 * MIB + 1000ull * 100 + 3ull * MIB + 512 * 1024 + 3ull * MIB / 2 + 100 + 100;
  snprintf(line, sizeof(line),
           "expected_allocations=1012\nexpected_frees=1010\nexpected_bytes_allocated=%llu\n"
           "expected_peak_bytes=%llu\nexpected_live_at_end_bytes=200\n"
           "expected_kept_allocations=9\n",
           allocated, 10ull * MIB + 3ull * MIB + 3ull * MIB / 2);
  say(line);
  return 0;
}
