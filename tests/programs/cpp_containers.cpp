// C++ allocations through operator new, std::vector and std::string, all inlined from system
// headers: memwrap must attribute them to the program's own function, app::BuildNames, not to
// libstdc++ or <bits/basic_string.h>. Prints the bytes live at the peak, which it knows:
//   the vector object + its buffer (reserved up front, so it never regrows) + every string.
#include <stdio.h>
#include <string>
#include <vector>

#include "cxx_runtime_pool.h"

namespace app {

constexpr size_t kNames = 500;
constexpr size_t kLength = 40;  // longer than the small-string buffer: each string allocates

__attribute__((noinline)) std::vector<std::string>* BuildNames() {
  auto* names = new std::vector<std::string>();
  names->reserve(kNames);
  for (size_t i = 0; i < kNames; ++i) names->push_back(std::string(kLength, char('a' + i % 26)));
  return names;
}

}  // namespace app

int main() {
  std::vector<std::string>* names = app::BuildNames();
  size_t count = names->size();
  delete names;
  printf("expected_site_bytes=%zu\nexpected_site_blocks=%zu\n",
         sizeof(std::vector<std::string>) + app::kNames * sizeof(std::string) +
             app::kNames * (app::kLength + 1),
         app::kNames + 2);
  printf("expected_runtime_pool_bytes=%zu\n", kRuntimePoolBytes);  // live throughout
  return count == app::kNames ? 0 : 1;
}
