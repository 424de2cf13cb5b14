/* Resident memory with known values: touches 64 MiB of heap, waits 200 ms (memwrap's samples
 * see it resident), allocates one byte more (the heap peak comes after those samples), then
 * prints the kernel's VmHWM for itself and exits. The kernel's peak RSS at exit is that VmHWM:
 * nothing after the print makes the program bigger. Output through write(2): stdio would
 * allocate.
 *
 * usage: rss_known [records-before|records-after]
 * With an argument it also makes 200,000 small allocations and frees, before the 64 MiB block
 * or after it was freed. They cost the program nothing resident (the same block each time),
 * but under memwrap they write some 17 MB of records into its 8 MiB ring, which is then all
 * resident: memwrap's share grows by 8 MiB before or after the program's peak. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void AllocateAndFreeSmallBlocks(void) {
  for (int i = 0; i < 200000; ++i) {
    char* volatile block = malloc(16);
    if (block == NULL) exit(7);
    free(block);
  }
}

int main(int argc, char** argv) {
  const int records_before = argc > 1 && strcmp(argv[1], "records-before") == 0;
  const int records_after = argc > 1 && strcmp(argv[1], "records-after") == 0;
  if (records_before) AllocateAndFreeSmallBlocks();
  const size_t size = 64u << 20;
  char* block = malloc(size);
  if (block == NULL) return 2;
  memset(block, 1, size);
  struct timespec wait = {0, 200 * 1000 * 1000};
  nanosleep(&wait, NULL);
  char* volatile one_more = malloc(1);
  if (one_more == NULL) return 3;
  free(one_more);
  free(block);
  if (records_after) AllocateAndFreeSmallBlocks();

  char status[4096];
  int fd = open("/proc/self/status", O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, status, sizeof(status) - 1) : -1;
  if (n <= 0) return 4;
  status[n] = '\0';
  const char* hwm = strstr(status, "VmHWM:");
  if (hwm == NULL) return 5;
  char line[64];
  int length = snprintf(line, sizeof(line), "expected_peak_rss_bytes=%llu\n",
                        strtoull(hwm + 6, NULL, 10) * 1024ull);
  if (write(STDOUT_FILENO, line, (size_t)length) != length) return 6;
  return 0;
}
