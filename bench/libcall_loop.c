/* A library-call-heavy loop for measuring library-call tracers: ITERATIONS times malloc(16)
 * then free, 2 calls per iteration into libc. usage: libcall_loop ITERATIONS */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 1000000;
  unsigned long checksum = 0;
  for (long i = 0; i < iterations; ++i) {
    void* volatile block = malloc(16);
    checksum += (unsigned long)block & 0xff;
    free(block);
  }
  printf("%ld calls, checksum %lu\n", 2 * iterations, checksum);
  return 0;
}
