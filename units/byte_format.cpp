#include "units/byte_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

namespace memwrap {

std::string GroupDigits(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string HumanBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = double(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  snprintf(text, sizeof(text), "%.2f %s", value, kUnits[unit]);
  return text;
}

std::string BytesWithExact(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  return HumanBytes(bytes) + " (" + GroupDigits(bytes) + " bytes)";
}

std::string HumanDuration(uint64_t ns) {
  char text[32];
  if (ns >= 1000000000ull) {
    snprintf(text, sizeof(text), "%.3f s", double(ns) / 1e9);
  } else if (ns >= 1000000ull) {
    snprintf(text, sizeof(text), "%.3f ms", double(ns) / 1e6);
  } else if (ns >= 1000ull) {
    snprintf(text, sizeof(text), "%.0f us", double(ns) / 1e3);
  } else {
    snprintf(text, sizeof(text), "%llu ns", static_cast<unsigned long long>(ns));
  }
  return text;
}

std::string TimeOfDay(uint64_t monotonic_ns, int64_t realtime_offset_ns, int precision) {
  const int64_t real_ns = int64_t(monotonic_ns) + realtime_offset_ns;
  const time_t seconds = time_t(real_ns / 1000000000);
  const long micros = long((real_ns % 1000000000) / 1000);
  char text[64];
  if (precision >= 3) {
    snprintf(text, sizeof(text), "%lld.%06ld ", (long long)seconds, micros);
    return text;
  }
  tm local{};
  localtime_r(&seconds, &local);
  size_t n = strftime(text, sizeof(text), "%H:%M:%S", &local);
  if (precision == 2) snprintf(text + n, sizeof(text) - n, ".%06ld", micros);
  return std::string(text) + " ";
}

}  // namespace memwrap
