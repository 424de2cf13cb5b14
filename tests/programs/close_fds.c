/* Behaves like a daemon that closes every inherited descriptor (memwrap's socket included),
 * reuses the numbers for files of its own, then keeps allocating. Under memwrap it must still
 * run to completion: the shim notices that its collector link is gone and stops tracing.
 * Exits 0 when all went well. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  if (close_range(3, ~0U, 0) != 0) return 3;
  for (int i = 0; i < 16; ++i) {
    if (open("/dev/null", O_RDONLY) < 0) return 4;
  }
  for (int i = 0; i < 200000; ++i) {
    void* volatile p = malloc(64);
    free(p);
  }
  return 0;
}
