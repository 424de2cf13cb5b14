// Compiled (not run) by bench/real_programs.sh: cc1plus -O1 on this file is the compiler
// workload. Standard headers and templates (containers, algorithms, std::function, variant,
// streams) make the compiler build and throw away many trees and tables. <regex> is parsed
// but std::regex is not instantiated: that alone takes about 3 s of cc1plus -O1 here, more
// than this workload should.
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace {

std::map<std::string, std::vector<int>> IndexWords(const std::string& text) {
  std::map<std::string, std::vector<int>> out;
  int pos = 0;
  for (size_t i = 0; i < text.size();) {
    size_t end = i;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    if (end > i) out[text.substr(i, end - i)].push_back(pos++);
    i = end + 1;
  }
  return out;
}

template <int N>
struct Fib {
  static constexpr long value = Fib<N - 1>::value + Fib<N - 2>::value;
};
template <>
struct Fib<0> {
  static constexpr long value = 0;
};
template <>
struct Fib<1> {
  static constexpr long value = 1;
};

using Value = std::variant<long, double, std::string, std::vector<long>>;

std::string Describe(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, std::vector<long>>) {
          return "vector of " + std::to_string(x.size());
        } else {
          return std::to_string(x);
        }
      },
      v);
}

}  // namespace

int main() {
  std::unordered_map<std::string, std::set<double>> groups;
  std::ostringstream os;
  os << Fib<60>::value << " words and more words";
  const auto index = IndexWords(os.str());
  std::vector<std::function<int(int)>> functions;
  for (int i = 0; i < 10; ++i) functions.push_back([i](int x) { return x * i; });
  std::sort(functions.begin(), functions.end(), [](auto& a, auto& b) { return a(1) < b(1); });
  std::vector<Value> values{1L, 2.5, std::string("three"), std::vector<long>{4, 5}};
  std::optional<std::string> longest;
  for (const auto& v : values) {
    auto d = Describe(v);
    if (!longest || d.size() > longest->size()) longest = d;
  }
  auto shared = std::make_shared<int>(3);
  groups["x"].insert(*shared);
  return static_cast<int>(index.size() + groups.size() + longest->size());
}
