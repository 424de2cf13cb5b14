// Allocations that runtime code makes on the program's behalf, and nothing else: each
// iteration grows a std::string (libstdc++'s _M_create calls operator new) and strdup()s it
// (libc calls malloc), then frees both. Sampled mode counts each under the program's frame
// above the runtime (preload/runtime_code.h), the worst case of that lookup: no call here
// comes straight from program code. bench/runtime_callers.sh runs it.
// usage: runtime_callers [ITERATIONS]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? atol(argv[1]) : 2000000;
  size_t total = 0;
  for (long i = 0; i < iterations; ++i) {
    std::string text;
    text.assign(40 + i % 64, 'x');
    char* copy = strdup(text.c_str());
    total += text.size() + size_t(copy[0]);
    free(copy);
  }
  printf("%zu\n", total);
  return 0;
}
