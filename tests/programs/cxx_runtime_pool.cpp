// Any dynamically linked C++ program: libstdc++'s start-up pool (cxx_runtime_pool.h) must be
// recorded although it is allocated before the shim's constructor runs.
#include <cstdio>
#include <string>

#include "cxx_runtime_pool.h"

int main() {
  auto* text = new std::string(100, 'x');
  std::printf("size=%zu\n", text->size());
  delete text;
  std::printf("expected_pool_bytes=%zu\n", kRuntimePoolBytes);
  return 0;
}
