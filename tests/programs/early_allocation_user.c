// Linked with tcmalloc first and early_allocation_library after it, so that the library's
// constructor runs before tcmalloc's (tests/programs/early_allocation_library.c).
void release_early_block(void);

int main(void) {
  release_early_block();
  return 0;
}
