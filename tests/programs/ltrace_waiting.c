// Waits to be attached to (ltracedrv -p), then calls library functions with known arguments a
// known number of times, twice: for tests/ltrace_test.cpp's attach tests.
//   ltrace_waiting ROUNDS [THREADS]
// Prints "ready\n" and waits for a byte on standard input; then makes ROUNDS rounds of
// getenv("LTRACE_WAITING"), strlen("hello, world"), malloc(64), free(block), puts("called");
// waits for a second byte and makes the same rounds again (by then the tracer may have
// detached); prints "done N" (N: the lengths summed) and exits with status 7. With THREADS,
// each pass's rounds are made by each of THREADS threads at once (the same call sites).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t Round(void) {
  const char* value = getenv("LTRACE_WAITING");
  size_t length = strlen("hello, world");
  char* block = malloc(64);
  free(block);
  puts("called");
  fflush(stdout);
  return length + (value != NULL ? strlen(value) : 0);
}

static int g_rounds = 1;

static void* Rounds(void* total) {
  size_t sum = 0;
  for (int i = 0; i < g_rounds; ++i) sum += Round();
  *(size_t*)total = sum;
  return NULL;
}

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? atoi(argv[1]) : 1;
  const int threads = argc > 2 ? atoi(argv[2]) : 0;
  g_rounds = rounds;
  printf("ready\n");
  fflush(stdout);
  size_t total = 0;
  for (int pass = 0; pass < 2; ++pass) {
    char go;
    if (read(0, &go, 1) != 1) return 1;
    if (threads == 0) {
      for (int i = 0; i < rounds; ++i) total += Round();
      continue;
    }
    pthread_t ids[16];
    size_t sums[16];
    for (int t = 0; t < threads && t < 16; ++t) pthread_create(&ids[t], NULL, Rounds, &sums[t]);
    for (int t = 0; t < threads && t < 16; ++t) {
      pthread_join(ids[t], NULL);
      total += sums[t];
    }
  }
  printf("done %zu\n", total);
  return 7;
}
