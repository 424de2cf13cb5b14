/* Allocates steadily for about SECONDS seconds, then creates MARKER and exits 0.
 * usage: long_runner SECONDS MARKER */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  double seconds = atof(argv[1]);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    for (int i = 0; i < 1000; ++i) {
      char* volatile p = malloc(64 + (size_t)(i % 512));  // volatile: not optimised away
      p[0] = 1;
      free(p);
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 <
           seconds);
  int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 3;
  close(fd);
  return 0;
}
