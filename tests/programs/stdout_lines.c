/* Allocates 100 blocks of 1,000 bytes (all freed), prints "line 1", waits until GO_FILE
 * exists, prints lines 2..LINES (about 100 bytes each, one write(2) each, so nothing waits in
 * a buffer), then creates MARKER and exits 0. With default SIGPIPE, a closed reader ends it
 * at its next write after the pipe's buffer.
 * usage: stdout_lines LINES GO_FILE MARKER */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int WriteLine(long number) {
  char line[128];
  int n =
      snprintf(line, sizeof(line), "line %ld %s\n", number,
               "................................................................................");
  return write(STDOUT_FILENO, line, (size_t)n) == n ? 0 : -1;
}

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  for (int i = 0; i < 100; ++i) {
    char* volatile block = malloc(1000);
    block[0] = 1;
    free(block);
  }
  const long lines = atol(argv[1]);
  if (WriteLine(1) != 0) return 3;
  const struct timespec pause = {0, 10 * 1000 * 1000};
  while (access(argv[2], F_OK) != 0) nanosleep(&pause, NULL);
  for (long i = 2; i <= lines; ++i) {
    if (WriteLine(i) != 0) return 4;
  }
  int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 5;
  close(fd);
  return 0;
}
