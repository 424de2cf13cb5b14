/* Memory in phases, each held for 100 ms and announced with memwrap_mark():
 *   "grow"    10,000,000 bytes live
 *   "more"    30,000,000 bytes live (20,000,000 more, from grow_more())
 *   "release" 0 bytes live
 * A timeline with rows every 20 ms must show 10,000,000, then 30,000,000, then 0. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memwrap/memwrap.h"

static void hold(void) {
  struct timespec wait = {0, 100 * 1000 * 1000};
  nanosleep(&wait, NULL);
}

__attribute__((noinline)) static char* grow(size_t size) {
  char* p = malloc(size);
  memset(p, 1, size);
  return p;
}

__attribute__((noinline)) static char* grow_more(size_t size) {
  char* p = malloc(size);
  memset(p, 2, size);
  return p;
}

int main(void) {
  memwrap_mark("grow");
  char* first = grow(10000000);
  hold();
  memwrap_mark("more");
  char* second = grow_more(20000000);
  hold();
  memwrap_mark("release");
  free(second);
  free(first);
  hold();
  return 0;
}
