/* Behaves like a daemon that closes every inherited descriptor (memwrap's socket included),
 * reuses the numbers for files of its own and dup2s over low ones, then keeps allocating.
 * With "raw" it closes them with the close_range system call itself, which no library hook
 * can see. Under memwrap it must run to completion, and every allocation must be recorded.
 * Exits 0 when all went well. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const int raw = argc > 1 && strcmp(argv[1], "raw") == 0;
  if (raw ? syscall(SYS_close_range, 3u, ~0u, 0u) != 0 : close_range(3, ~0U, 0) != 0) return 3;
  for (int i = 0; i < 16; ++i) {
    if (open("/dev/null", O_RDONLY) < 0) return 4;
  }
  for (int fd = 3; fd < 1024; ++fd) close(fd); /* the loop some daemons use */
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull < 0 || dup2(devnull, 1000) != 1000) return 5; /* where memwrap's socket sits */
  for (int i = 0; i < 200000; ++i) {
    void* volatile p = malloc(64);
    free(p);
  }
  printf("expected_allocations=200000\n");
  return 0;
}
