// Calls every glibc allocation entry point once with a known size, and the C++ operators
// (plain, array, aligned, nothrow), keeps every block live at once, then frees them all.
// Prints the exact peak and allocation count memwrap must report, and checks that
// malloc_usable_size still works on every block.
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <new>

#include "cxx_runtime_pool.h"

struct alignas(64) Aligned {
  char bytes[192];
};

int main() {
  void* blocks[16];
  size_t expected = 0;
  int count = 0;
  auto keep = [&](void* p, size_t size) {
    if (p == nullptr || malloc_usable_size(p) < size) exit(3);
    blocks[count++] = p;
    expected += size;
  };
  keep(malloc(100), 100);
  keep(calloc(10, 20), 200);
  void* grown = malloc(50);
  grown = realloc(grown, 300);  // the 50 bytes are freed by realloc: only 300 stay
  keep(grown, 300);
  void* array = reallocarray(nullptr, 10, 40);
  keep(array, 400);
  void* aligned = nullptr;
  if (posix_memalign(&aligned, 64, 500) != 0) return 4;
  keep(aligned, 500);
  keep(aligned_alloc(64, 640), 640);
  keep(memalign(128, 700), 700);
  keep(valloc(800), 800);
  keep(pvalloc(900), 900);
  // reallocarray must refuse an overflowing product without allocating.
  volatile size_t huge = SIZE_MAX / 2;  // volatile: the compiler must not see the overflow
  if (reallocarray(nullptr, huge, 4) != nullptr) return 5;

  int* one = new int(7);
  char* chars = new char[1000];
  Aligned* over_aligned = new Aligned;  // operator new(size_t, align_val_t)
  char* nothrow = new (std::nothrow) char[60];
  expected += sizeof(int) + 1000 + sizeof(Aligned) + 60;
  const int allocations = count + 1 /* the 50-byte block */ + 4;

  for (int i = 0; i < count; ++i) free(blocks[i]);
  delete one;
  delete[] chars;
  delete over_aligned;
  delete[] nothrow;
  printf("expected_peak_bytes=%zu\nexpected_allocations=%d\n", expected, allocations);
  // libstdc++'s pool, live from before main to the end: on top of the program's own figures.
  printf("expected_runtime_pool_bytes=%zu\n", kRuntimePoolBytes);
  return 0;
}
