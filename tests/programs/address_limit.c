/* Runs into RLIMIT_AS and handles it: lowers its address-space limit to 256 MiB above what it
 * uses now, allocates 1 MiB blocks until malloc fails, frees them all and exits 0. Prints the
 * number of blocks it got. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static size_t UsedBytes(void) {
  FILE* status = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (status != NULL) {
    if (fscanf(status, "%lu", &pages) != 1) pages = 0;
    fclose(status);
  }
  return pages * 4096;
}

int main(void) {
  struct rlimit limit = {UsedBytes() + (256u << 20), RLIM_INFINITY};
  limit.rlim_max = limit.rlim_cur;
  if (setrlimit(RLIMIT_AS, &limit) != 0) return 3;
  static void* blocks[4096];
  int count = 0;
  while (count < 4096) {
    void* p = malloc(1 << 20);
    if (p == NULL) break;
    memset(p, 1, 4096);
    blocks[count++] = p;
  }
  for (int i = 0; i < count; ++i) free(blocks[i]);
  printf("blocks=%d\n", count);
  return count > 0 && count < 4096 ? 0 : 4;
}
