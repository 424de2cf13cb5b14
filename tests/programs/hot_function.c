// Burns CPU in one known function, on the main thread and on a second thread, until killed:
// stack samples of it must name burn_in_hot_function (called from main / from the thread).
#include <pthread.h>
#include <stdint.h>

__attribute__((noinline)) uint64_t burn_in_hot_function(uint64_t seed) {
  volatile uint64_t x = seed;
  for (;;) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

static void* thread_main(void* arg) {
  burn_in_hot_function((uint64_t)(uintptr_t)arg);
  return 0;
}

int main(void) {
  pthread_t thread;
  pthread_create(&thread, 0, thread_main, (void*)1);
  burn_in_hot_function(2);
  return 0;
}
