/* Known truth for the flight recorder:
 *   early mappings: mmap 10 pages, mremap it to 20 (moving), munmap one page of it (a split),
 *   sbrk 4 pages: 23 pages (94,208 bytes) of the program's own mappings, kept to the end;
 *   early_keep: 1,000 blocks of 1,000 bytes, allocated first and live to the end;
 *   then 200,000 malloc/free pairs of 64 bytes (records enough to push the early ones out of
 *   a small window), with memwrap_mark("tick") before and after;
 *   big_step: 5,000,000 bytes more: the live heap becomes 6,000,000 bytes;
 *   memwrap_mark("done"); everything freed; exits with argv[1] (default 0). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memwrap/memwrap.h"

__attribute__((noinline)) static void* early_keep(size_t size) {
  return malloc(size);
}
__attribute__((noinline)) static void* churn(size_t size) {
  return malloc(size);
}
__attribute__((noinline)) static void* big_step(size_t size) {
  return malloc(size);
}

int main(int argc, char** argv) {
  const long page = 4096;
  char* mapped = mmap(NULL, 10 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return 3;
  mapped = mremap(mapped, 10 * page, 20 * page, MREMAP_MAYMOVE);
  if (mapped == MAP_FAILED || munmap(mapped + 5 * page, page) != 0) return 3;
  if (sbrk(4 * page) == (void*)-1) return 3;
  static void* early[1000];
  for (int i = 0; i < 1000; ++i) early[i] = early_keep(1000);
  memwrap_mark("tick");
  for (int i = 0; i < 200000; ++i) free(churn(64));
  memwrap_mark("tick");
  void* big = big_step(5000000);
  memwrap_mark("done");
  free(big);
  for (int i = 0; i < 1000; ++i) free(early[i]);
  return argc > 1 ? atoi(argv[1]) : 0;
}
