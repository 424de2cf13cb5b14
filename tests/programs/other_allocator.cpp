// Allocates through every kind of C++ operator and malloc, with a known peak, for programs
// that link or preload another allocator (tcmalloc, jemalloc): those define operator new and
// delete themselves and never pass through malloc. Built plain and linked with each.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

struct alignas(64) Aligned {
  char bytes[192];
};

int main() {
  char* array = new char[1000000];
  std::memset(array, 1, 1000000);
  auto* aligned = new Aligned;
  aligned->bytes[0] = 1;
  auto* block = static_cast<char*>(std::malloc(5000));
  std::memset(block, 2, 5000);
  int* nothrow = new (std::nothrow) int(5);
  auto* aligned_nothrow = new (std::align_val_t(128), std::nothrow) char[384];
  operator delete[](aligned_nothrow, std::align_val_t(128), std::nothrow);
  delete nothrow;
  std::free(block);
  delete aligned;
  delete[] array;
  // Printed after the frees: stdout's buffer comes after the peak. main's own blocks peak at
  // 1,000,000 + 192 + 5,000 + 4 + 384, all live at once (384: a multiple of the
  // alignment, which libstdc++ would round the size up to).
  std::printf("expected_main_peak_bytes=%d\nexpected_main_allocations=5\n",
              1000000 + 192 + 5000 + 4 + 384);
  return 0;
}
