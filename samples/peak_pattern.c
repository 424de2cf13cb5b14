/* A program that knows its own heap truth.
 *
 * It allocates a fixed pattern through named functions and prints, at the end, the exact peak
 * of its live heap and which function held how much at that instant, so that memwrap's report
 * can be checked against it:
 *
 *   load_table    8 x 1,000,000 bytes   malloc, kept until the end
 *   build_index   4 x   250,000 bytes   calloc, freed after the peak
 *   grow_cache    1 block grown by realloc from 100,000 to 3,000,000 bytes: the peak
 *   parse_records 100 temporaries of 10,000 bytes, each freed before the next
 *
 * Peak = 8,000,000 + 1,000,000 + 3,000,000 = 12,000,000 bytes, reached when the cache grows.
 * Output goes through write(2) with stack buffers: stdio would allocate a buffer of its own on
 * the heap, which would be part of the peak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
  kTableBlocks = 8,
  kTableBlockSize = 1000000,
  kIndexBlocks = 4,
  kIndexBlockSize = 250000,
  kCacheInitialSize = 100000,
  kCacheSize = 3000000,
  kRecords = 100,
  kRecordSize = 10000,
};

static volatile unsigned char sink; /* keeps the compiler from eliding the allocations */

static void say(const char* line) {
  ssize_t ignored = write(STDOUT_FILENO, line, strlen(line));
  (void)ignored;
}

__attribute__((noinline)) static void load_table(unsigned char** table) {
  for (int i = 0; i < kTableBlocks; ++i) {
    table[i] = malloc(kTableBlockSize);
    memset(table[i], i, kTableBlockSize);
  }
}

__attribute__((noinline)) static void build_index(unsigned char** index) {
  for (int i = 0; i < kIndexBlocks; ++i) {
    index[i] = calloc(kIndexBlockSize, 1);
    sink = index[i][i];
  }
}

__attribute__((noinline)) static unsigned char* grow_cache(void) {
  unsigned char* cache = malloc(kCacheInitialSize);
  memset(cache, 1, kCacheInitialSize);
  cache = realloc(cache, kCacheSize);
  memset(cache, 2, kCacheSize);
  return cache;
}

__attribute__((noinline)) static void parse_records(void) {
  for (int i = 0; i < kRecords; ++i) {
    unsigned char* record = malloc(kRecordSize);
    memset(record, i, kRecordSize);
    sink = record[i];
    free(record);
  }
}

int main(void) {
  unsigned char* table[kTableBlocks];
  unsigned char* index[kIndexBlocks];

  load_table(table);
  build_index(index);
  unsigned char* cache = grow_cache();
  for (int i = 0; i < kIndexBlocks; ++i) free(index[i]);
  free(cache);
  parse_records();
  for (int i = 0; i < kTableBlocks; ++i) free(table[i]);

  char line[512];
  snprintf(line, sizeof(line),
           "expected_peak_bytes=%d\n"
           "expected_site load_table bytes=%d allocations=%d\n"
           "expected_site grow_cache bytes=%d allocations=%d\n"
           "expected_site build_index bytes=%d allocations=%d\n"
           "expected_allocations=%d\n",
           kTableBlocks * kTableBlockSize + kIndexBlocks * kIndexBlockSize + kCacheSize,
           kTableBlocks * kTableBlockSize, kTableBlocks, kCacheSize, 1,
           kIndexBlocks * kIndexBlockSize, kIndexBlocks,
           kTableBlocks + kIndexBlocks + 2 /* malloc + realloc of the cache */ + kRecords);
  say(line);
  return 0;
}
