// The natural logarithm, for the shim's sampling gaps, without libm: libm is the one library
// the shim would otherwise bring into a C program that does not use it, and loading it costs
// some 330 KiB of the program's RSS (its loader resolves a hundred IFUNCs across its code) --
// more than anything else the shim leaves in the program's figures (docs/tracer.md).
#pragma once

#include <stdint.h>
#include <string.h>

namespace memwrap::shim {

// ln(x) for a positive, finite, normal x, within a few units in the last place: x = m * 2^e
// with m in [sqrt(1/2), sqrt(2)), and ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172,
// whose series to s^19 leaves less than 1e-16 out.
inline double NaturalLog(double x) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof(bits));
  int exponent = int((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1023} << 52);  // m in [1, 2)
  double m;
  memcpy(&m, &bits, sizeof(m));
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ++exponent;
  }
  const double s = (m - 1) / (m + 1), s2 = s * s;
  double series = 1.0 / 19;
  for (int k = 17; k >= 1; k -= 2) series = 1.0 / k + s2 * series;
  return exponent * 0.6931471805599453 + 2 * s * series;
}

}  // namespace memwrap::shim
