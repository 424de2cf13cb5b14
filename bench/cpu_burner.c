/* A fixed amount of CPU work (no allocation, no system calls) for the stack-sampling overhead
 * benchmark: the wall time under `memwrap --pstack` against plain is the sampling cost.
 * usage: cpu_burner ITERATIONS_IN_MILLIONS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static uint64_t mix(uint64_t x, long rounds) {
  for (long i = 0; i < rounds; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

int main(int argc, char** argv) {
  long millions = argc > 1 ? atol(argv[1]) : 1000;
  uint64_t x = 1;
  for (long i = 0; i < millions; ++i) x = mix(x, 1000000);
  printf("%llu\n", (unsigned long long)(x & 1));
  return 0;
}
