/* A thread-specific key created by the program, whose destructor allocates while the thread
 * exits: it runs after memwrap's own per-thread cleanup, and must still be recorded safely.
 * Exits 0. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_key_t key;

static void on_thread_exit(void* value) {
  char* volatile p = malloc(4000);
  if (p != NULL) memset(p, 1, 4000);
  free(p);
  free(value);
}

static void* worker(void* arg) {
  (void)arg;
  pthread_setspecific(key, malloc(100));
  return NULL;
}

int main(void) {
  if (pthread_key_create(&key, on_thread_exit) != 0) return 2;
  for (int i = 0; i < 20; ++i) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, worker, NULL) != 0) return 3;
    pthread_join(thread, NULL);
  }
  return 0;
}
