/* Threads hand blocks to each other at a high rate: thread i allocates blocks of one size and
 * passes each to thread i+1 (mod THREADS), which frees it. glibc's per-thread caches then give
 * the freed address to the freeing thread's next allocation, so the same addresses go round
 * between threads all the time: a trace whose order put an allocation before the free of the
 * same address by another thread would show replaced live blocks and untracked frees.
 * Exactly THREADS x ROUNDS blocks come from handoff_allocate(), all freed before exit.
 * usage: thread_handoff THREADS ROUNDS BLOCK_SIZE
 * The queues are static arrays guarded by pthread mutexes (no heap of the program's own). */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxThreads = 16, kQueue = 256 };

struct queue {
  pthread_mutex_t lock;
  void* blocks[kQueue];
  int count;
};

static struct queue queues[kMaxThreads];
static int threads, rounds;
static size_t block_size;
static int finished; /* threads done allocating (__atomic builtins) */

__attribute__((noinline)) static void* handoff_allocate(void) {
  void* p = malloc(block_size);
  memset(p, 0x5a, block_size);
  return p;
}

/* Frees what others handed to `q`; returns how many. */
static int free_received(struct queue* q) {
  void* taken[kQueue];
  pthread_mutex_lock(&q->lock);
  int n = q->count;
  memcpy(taken, q->blocks, (size_t)n * sizeof(void*));
  q->count = 0;
  pthread_mutex_unlock(&q->lock);
  for (int i = 0; i < n; ++i) free(taken[i]);
  return n;
}

static void* worker(void* arg) {
  int self = (int)(long)arg;
  struct queue* mine = &queues[self];
  struct queue* next = &queues[(self + 1) % threads];
  for (int i = 0; i < rounds; ++i) {
    void* p = handoff_allocate();
    for (;;) {
      pthread_mutex_lock(&next->lock);
      int placed = next->count < kQueue;
      if (placed) next->blocks[next->count++] = p;
      pthread_mutex_unlock(&next->lock);
      if (placed) break;
      if (free_received(mine) == 0) sched_yield(); /* the next thread is slow */
    }
    if ((i & 7) == 7) free_received(mine);
  }
  /* The previous thread may still hand us blocks: keep taking them until everyone is done. */
  __atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < threads) {
    if (free_received(mine) == 0) sched_yield();
  }
  free_received(mine);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  threads = atoi(argv[1]);
  rounds = atoi(argv[2]);
  block_size = (size_t)atol(argv[3]);
  if (threads < 2 || threads > kMaxThreads || rounds < 1 || block_size < 1) return 2;
  for (int t = 0; t < threads; ++t) pthread_mutex_init(&queues[t].lock, NULL);
  pthread_t ids[kMaxThreads];
  for (long t = 0; t < threads; ++t) pthread_create(&ids[t], NULL, worker, (void*)t);
  for (int t = 0; t < threads; ++t) pthread_join(ids[t], NULL);
  return 0;
}
