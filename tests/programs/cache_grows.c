/* A heap peak that moves by a known amount, at one known call site: `cache_grows N` keeps a
 * 4,000,000-byte table (load_table) and an N-byte cache (fill_cache) live together, so its
 * heap peak is exactly 4,000,000 + N bytes and only fill_cache's share depends on N. A
 * baseline taken with one N and a run with a larger one differ at fill_cache alone, by the
 * difference of the two. Output through write(2): stdio would allocate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kTableSize = 4000000 };

__attribute__((noinline)) static char* load_table(void) {
  char* table = malloc(kTableSize);
  memset(table, 1, kTableSize);
  return table;
}

__attribute__((noinline)) static char* fill_cache(size_t size) {
  char* cache = malloc(size);
  memset(cache, 2, size);
  return cache;
}

int main(int argc, char** argv) {
  const size_t cache_size = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
  char* table = load_table();
  char* cache = fill_cache(cache_size);
  free(cache);
  free(table);
  char line[64];
  int n = snprintf(line, sizeof(line), "expected_peak_bytes=%zu\n", kTableSize + cache_size);
  ssize_t ignored = write(STDOUT_FILENO, line, (size_t)n);
  (void)ignored;
  return 0;
}
