/* A library whose constructor allocates, as plugins and language runtimes do. ELF runs the
 * constructors of a program's libraries before the preloaded shim's own, so this allocation
 * comes before the shim's constructor (tests/programs/constructor_user.c). */
#include <stdlib.h>
#include <string.h>

void* g_constructor_block;

__attribute__((constructor)) static void allocate_at_load(void) {
  g_constructor_block = malloc(1000000);
  if (g_constructor_block != NULL) memset(g_constructor_block, 1, 1000000);
}
