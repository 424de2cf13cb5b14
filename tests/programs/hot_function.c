// Burns CPU in one known function, on the main thread and on a second thread, until killed
// or, given SECONDS, for that long: stack samples of it must name burn_in_hot_function (called
// from main / from the thread).
// usage: hot_function [SECONDS]
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static double g_seconds = 0;  // 0: forever
static double g_end = 0;      // one deadline for both threads: neither waits long for the other

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) uint64_t burn_in_hot_function(uint64_t seed) {
  volatile uint64_t x = seed;
  for (;;) {
    for (int i = 0; i < 100000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
    if (g_seconds > 0 && Now() >= g_end) return x;
  }
}

static void* thread_main(void* arg) {
  burn_in_hot_function((uint64_t)(uintptr_t)arg);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1) g_seconds = atof(argv[1]);
  g_end = Now() + g_seconds;
  pthread_t thread;
  pthread_create(&thread, 0, thread_main, (void*)1);
  burn_in_hot_function(2);
  pthread_join(thread, 0);
  return 0;
}
