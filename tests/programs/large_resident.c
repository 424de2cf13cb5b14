/* Makes 1 GiB resident in small (4 KiB) pages, whose PSS is slow to read: /proc/PID/smaps_rollup
 * walks a page table entry per page. Then holds it for a second while memwrap samples.
 * usage: large_resident [MIB] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char** argv) {
  const size_t size = (size_t)(argc > 1 ? atol(argv[1]) : 1024) << 20;
  char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 3;
  madvise(p, size, MADV_NOHUGEPAGE); /* huge pages would make the walk cheap */
  memset(p, 1, size);
  const struct timespec hold = {1, 0};
  nanosleep(&hold, NULL);
  printf("resident_bytes=%zu\n", size);
  return p[size - 1] == 1 ? 0 : 4;
}
