/* Touches 24 MiB, frees it, then prints its own VmHWM (the kernel's peak RSS, in kB) and
 * ends with _exit, so that nothing after the reading can grow the resident set.
 * Built static: the tracer must see it without the shim. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  const size_t size = 24u << 20;
  /* volatile: the compiler may not drop an allocation whose contents are never read */
  char* volatile block = malloc(size);
  if (block == NULL) return 1;
  for (size_t i = 0; i < size; i += 4096) block[i] = 1;
  free(block);
  char status[4096];
  int fd = open("/proc/self/status", O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, status, sizeof(status) - 1) : -1;
  if (n <= 0) return 1;
  status[n] = '\0';
  const char* hwm = strstr(status, "VmHWM:");
  if (hwm == NULL) return 1;
  char line[64];
  int length = snprintf(line, sizeof(line), "%ld\n", strtol(hwm + 6, NULL, 10));
  if (write(STDOUT_FILENO, line, (size_t)length) != length) return 1;
  _exit(0);
}
