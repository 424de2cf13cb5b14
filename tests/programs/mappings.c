/* Maps, grows, shrinks and unmaps memory in a known sequence, and moves the program break.
 * The program's own mappings peak at exactly 23 pages (after the mremap growth):
 *   a = mmap 10 pages; b = mmap 3 pages                      -> 13
 *   a = mremap(a, 10 -> 20 pages, MREMAP_MAYMOVE)            -> 23  (the peak)
 *   a = mremap(a, 20 -> 5 pages)                             ->  8
 *   munmap(b + 1 page, 1 page)   (splits b)                  ->  7
 *   munmap(a, 5 pages); munmap(b, 3 pages) (covers the hole) ->  0
 *   sbrk(+4 pages); 1 MiB of small mallocs (glibc moves the break itself: that is heap, not
 *   the program's mapping); sbrk(+4 pages)                    ->  4, 8
 * Prints what memwrap must report. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
  const long page = 4096;
  char* a = mmap(NULL, 10 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char* b = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED || b == MAP_FAILED) return 3;
  a[0] = 1;
  a = mremap(a, 10 * page, 20 * page, MREMAP_MAYMOVE);
  if (a == MAP_FAILED) return 4;
  a[19 * page] = 2;
  a = mremap(a, 20 * page, 5 * page, 0);
  if (a == MAP_FAILED) return 5;
  if (munmap(b + page, page) != 0 || munmap(a, 5 * page) != 0 || munmap(b, 3 * page) != 0) {
    return 6;
  }
  if (sbrk(4 * page) == (void*)-1) return 7;
  static void* volatile small[4096];
  for (int i = 0; i < 4096; ++i) small[i] = malloc(256);
  if (sbrk(4 * page) == (void*)-1) return 8;
  for (int i = 0; i < 4096; ++i) free(small[i]);
  printf(
      "expected_peak_mapped_bytes=%ld\nexpected_mmaps=2\nexpected_munmaps=3\n"
      "expected_mremaps=2\nexpected_brks=2\nexpected_final_mapped_bytes=%ld\n",
      23 * page, 8 * page);
  return 0;
}
