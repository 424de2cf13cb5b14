#include "units/unit_parsing.h"

#include <ctype.h>
#include <stdlib.h>

namespace memwrap {

namespace {

// The number at `from` in `text` ("1", "1.5", ".5"): its length, 0 if there is none.
size_t NumberLength(const std::string& text, size_t from, double* value) {
  size_t end = from;
  bool digits = false;
  while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) {
    digits = digits || text[end] != '.';
    ++end;
  }
  if (!digits || end - from > 30) return 0;
  const std::string number = text.substr(from, end - from);
  char* parsed = nullptr;
  *value = strtod(number.c_str(), &parsed);
  return parsed == number.c_str() + number.size() ? end - from : 0;
}

std::string Lower(std::string text) {
  for (char& c : text) c = char(tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

bool ParseByteSize(const std::string& text, uint64_t* bytes) {
  // Exact arithmetic: "0.3MB" is 300,000 bytes, not a double's 299,999.99...
  size_t at = 0;
  unsigned __int128 whole = 0, fraction = 0, scale = 1;
  bool digits = false;
  for (; at < text.size() && isdigit(static_cast<unsigned char>(text[at])); ++at) {
    whole = whole * 10 + unsigned(text[at] - '0');
    digits = true;
    if (whole > (unsigned __int128)1 << 64) return false;
  }
  if (at < text.size() && text[at] == '.') {
    for (++at; at < text.size() && isdigit(static_cast<unsigned char>(text[at])); ++at) {
      if (scale > 1000000000000000000ull) return false;  // more than 18 decimals
      fraction = fraction * 10 + unsigned(text[at] - '0');
      scale *= 10;
      digits = true;
    }
  }
  if (!digits) return false;
  // A letter alone or with "iB" is binary (K, KiB: 1024), with "B" decimal (KB, kB: 1000), as
  // in sort -S and dd; case does not matter ("512mb" is 512 MB).
  static const struct {
    const char* suffix;
    uint64_t factor;
  } kUnits[] = {{"", 1},
                {"b", 1},
                {"k", 1ull << 10},
                {"kib", 1ull << 10},
                {"kb", 1000},
                {"m", 1ull << 20},
                {"mib", 1ull << 20},
                {"mb", 1000000},
                {"g", 1ull << 30},
                {"gib", 1ull << 30},
                {"gb", 1000000000},
                {"t", 1ull << 40},
                {"tib", 1ull << 40},
                {"tb", 1000000000000ull}};
  std::string suffix = Lower(text.substr(at));
  if (!suffix.empty() && suffix[0] == ' ') suffix.erase(0, 1);  // "64 MiB", as memwrap prints
  for (const auto& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    // Whole bytes only ("1.5B" is not a size), and less than 2^63.
    if (fraction * unit.factor % scale != 0) return false;
    const unsigned __int128 result = whole * unit.factor + fraction * unit.factor / scale;
    if (result >= (unsigned __int128)1 << 63) return false;
    *bytes = uint64_t(result);
    return true;
  }
  return false;
}

bool ParseDuration(const std::string& text, uint64_t* ns) {
  static const struct {
    const char* suffix;
    double factor;
  } kUnits[] = {{"h", 3600e9}, {"m", 60e9}, {"min", 60e9}, {"s", 1e9},
                {"ms", 1e6},   {"us", 1e3}, {"ns", 1}};
  double value = 0;
  const size_t first = NumberLength(text, 0, &value);
  if (first == 0) return false;
  if (first == text.size()) {  // a bare number is seconds
    if (value * 1e9 > 1e18) return false;
    *ns = uint64_t(value * 1e9 + 0.5);
    return true;
  }
  // "1m30s", "1h2m", "250ms": numbers, each with its unit, larger units first.
  double total = 0;
  double previous_factor = 1e300;
  for (size_t at = 0; at < text.size();) {
    const size_t length = NumberLength(text, at, &value);
    if (length == 0) return false;
    at += length;
    size_t unit_end = at;
    while (unit_end < text.size() && isalpha(static_cast<unsigned char>(text[unit_end]))) {
      ++unit_end;
    }
    const std::string suffix = text.substr(at, unit_end - at);
    at = unit_end;
    double factor = 0;
    for (const auto& unit : kUnits) {
      if (suffix == unit.suffix) factor = unit.factor;
    }
    if (factor == 0 || factor >= previous_factor) return false;
    previous_factor = factor;
    total += value * factor;
  }
  if (total > 1e18) return false;
  *ns = uint64_t(total + 0.5);
  return true;
}

}  // namespace memwrap
