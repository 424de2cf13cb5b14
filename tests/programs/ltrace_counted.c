/* Calls ltrace_target_work (libltrace_target.so) COUNT times and ltrace_target_other once per
 * thread in THREADS threads, then exits with STATUS. Linked with -z now, as distributions link.
 * usage: ltrace_counted COUNT THREADS STATUS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

int ltrace_target_work(int value);
int ltrace_target_other(int value);

static long g_count;
static volatile int g_sink;

static void* Worker(void* arg) {
  (void)arg;
  for (long i = 0; i < g_count; ++i) g_sink += ltrace_target_work((int)i);
  g_sink += ltrace_target_other(1);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 4) return 100;
  g_count = atol(argv[1]);
  int threads = atoi(argv[2]);
  pthread_t ids[64];
  if (threads < 1 || threads > 64) return 101;
  for (int t = 1; t < threads; ++t) pthread_create(&ids[t], NULL, Worker, NULL);
  Worker(NULL);
  for (int t = 1; t < threads; ++t) pthread_join(ids[t], NULL);
  printf("expected ltrace_target_work=%ld ltrace_target_other=%d\n", g_count * threads, threads);
  return atoi(argv[3]);
}
