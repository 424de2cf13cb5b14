/* A library loaded at run time with dlopen (tests/programs/dl_loader.c): its allocation must be
 * attributed to dl_allocate, symbolised from the late-loaded library. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void* dl_allocate(size_t size) {
  void* p = malloc(size);
  if (p != NULL) memset(p, 0, size);
  return p;
}
