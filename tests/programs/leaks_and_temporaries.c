/* Known leaks and temporary allocations:
 *   leak_three()   3 blocks of 1,000 bytes, never freed            -> 3,000 bytes leaked
 *   temp_fifty()   50 x (malloc 64, free)                          -> 50 temporary
 *   interleaved()  10 x (a = malloc 32, b = malloc 48, free a, free b): a is not temporary
 *                  (b was allocated before a was freed); b is      -> 10 temporary
 * Nothing else allocates (no stdio). */
#include <stdlib.h>
#include <string.h>

static void* volatile keep[3];

__attribute__((noinline)) static void leak_three(void) {
  for (int i = 0; i < 3; ++i) {
    keep[i] = malloc(1000);
    memset(keep[i], i, 1000);
  }
}

__attribute__((noinline)) static void temp_fifty(void) {
  for (int i = 0; i < 50; ++i) {
    char* volatile p = malloc(64);
    p[0] = (char)i;
    free(p);
  }
}

__attribute__((noinline)) static void interleaved(void) {
  for (int i = 0; i < 10; ++i) {
    char* volatile a = malloc(32);
    char* volatile b = malloc(48);
    a[0] = b[0] = (char)i;
    free(a);
    free(b);
  }
}

int main(void) {
  leak_three();
  temp_fifty();
  interleaved();
  return 0;
}
