/* Loads LIBRARY with dlopen, calls its dl_allocate(12345) and keeps the block; then unloads it.
 * usage: dl_loader LIBRARY */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  void* library = dlopen(argv[1], RTLD_NOW);
  if (library == NULL) {
    fprintf(stderr, "%s\n", dlerror());
    return 3;
  }
  void* (*allocate)(size_t) = (void* (*)(size_t))dlsym(library, "dl_allocate");
  if (allocate == NULL) return 4;
  void* block = allocate(12345);
  if (block == NULL) return 5;
  free(block);
  dlclose(library);
  return 0;
}
