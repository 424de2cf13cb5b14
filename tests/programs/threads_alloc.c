/* Several threads allocate at the same time and keep every block until all threads are done,
 * so at the heap peak all of them are live: the peak is exactly
 *   threads x blocks_per_thread x block_size
 * and every one of those blocks comes from worker_allocate(). Then all are freed. Between, each
 * thread also makes `churn` short-lived allocations, so the ring sees heavy concurrent traffic.
 * usage: threads_alloc THREADS BLOCKS_PER_THREAD BLOCK_SIZE CHURN
 * Pointer storage is static, not heap, so the program's own bookkeeping is not in the peak. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxThreads = 64, kMaxBlocks = 4096 };

static int blocks_per_thread, churn;
static size_t block_size;
static pthread_barrier_t all_allocated;
static void* blocks[kMaxThreads][kMaxBlocks];

__attribute__((noinline)) static void* worker_allocate(void) {
  void* p = malloc(block_size);
  memset(p, 0x5a, block_size);
  return p;
}

__attribute__((noinline)) static void worker_churn(void) {
  for (int i = 0; i < churn; ++i) {
    void* p = malloc(16 + (size_t)(i % 64));
    ((volatile char*)p)[0] = 1;
    free(p);
  }
}

static void* worker(void* arg) {
  void** mine = blocks[(long)arg];
  for (int i = 0; i < blocks_per_thread; ++i) {
    mine[i] = worker_allocate();
    worker_churn();
  }
  pthread_barrier_wait(&all_allocated);
  pthread_barrier_wait(&all_allocated); /* nobody frees before everyone has allocated */
  for (int i = 0; i < blocks_per_thread; ++i) free(mine[i]);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 5) return 2;
  int threads = atoi(argv[1]);
  blocks_per_thread = atoi(argv[2]);
  block_size = (size_t)atol(argv[3]);
  churn = atoi(argv[4]);
  if (threads < 1 || threads > kMaxThreads || blocks_per_thread < 1 ||
      blocks_per_thread > kMaxBlocks || churn < 0) {
    return 2;
  }
  pthread_t ids[kMaxThreads];
  pthread_barrier_init(&all_allocated, NULL, (unsigned)threads + 1);
  for (long t = 0; t < threads; ++t) pthread_create(&ids[t], NULL, worker, (void*)t);
  pthread_barrier_wait(&all_allocated);
  pthread_barrier_wait(&all_allocated);
  for (int t = 0; t < threads; ++t) pthread_join(ids[t], NULL);
  return 0;
}
