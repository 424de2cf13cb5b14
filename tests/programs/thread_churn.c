/* Threads created and exiting continuously: WAVES waves of 64 threads, each thread making
 * ALLOCS allocations from churn_allocate() and freeing them before it exits.
 * usage: thread_churn WAVES ALLOCS */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { kThreads = 64 };
static int allocs;

__attribute__((noinline)) static void* churn_allocate(size_t size) {
  void* p = malloc(size);
  memset(p, 1, size);
  return p;
}

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < allocs; ++i) free(churn_allocate(32 + (size_t)(i % 200)));
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  int waves = atoi(argv[1]);
  allocs = atoi(argv[2]);
  for (int w = 0; w < waves; ++w) {
    pthread_t ids[kThreads];
    for (int t = 0; t < kThreads; ++t) {
      if (pthread_create(&ids[t], NULL, worker, NULL) != 0) return 3;
    }
    for (int t = 0; t < kThreads; ++t) pthread_join(ids[t], NULL);
  }
  return 0;
}
