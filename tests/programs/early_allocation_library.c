// A library whose constructor allocates before the allocator's own constructor ran, when the
// program links tcmalloc ahead of it (tcmalloc then answers 0 to malloc_usable_size): one block
// freed at once, one kept until the program calls release_early_block (tcmalloc knows its
// real, rounded size by then).
#include <stdlib.h>
#include <string.h>

static char* g_kept;

__attribute__((constructor)) static void AllocateEarly(void) {
  char* freed_at_once = malloc(100000);
  memset(freed_at_once, 1, 100000);
  free(freed_at_once);
  g_kept = malloc(50000);
  memset(g_kept, 2, 50000);
}

void release_early_block(void) {
  free(g_kept);
  g_kept = NULL;
}
