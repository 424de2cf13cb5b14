/* Uses tests/programs/constructor_library.c, whose constructor allocated 1,000,000 bytes before
 * main (and before the shim's constructor): with main's 500,000 the heap peaks at 1,500,000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void* g_constructor_block;

int main(void) {
  char* block = malloc(500000);
  if (block == NULL || g_constructor_block == NULL) return 1;
  memset(block, 2, 500000);
  free(block);
  free(g_constructor_block);
  /* stdout's buffer is allocated here, after the peak */
  printf("expected_peak_bytes=1500000\nexpected_allocations=3\n");
  return 0;
}
