// The shim's logarithm (preload/natural_log.h) against libm's, over the values its sampling
// gaps take: uniform draws in (0, 1), down to 2^-54.
#include "preload/natural_log.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace memwrap::shim {
namespace {

void ExpectClose(double x) {
  const double want = std::log(x);
  const double got = NaturalLog(x);
  EXPECT_LE(std::fabs(got - want), 4e-16 * std::max(1.0, std::fabs(want))) << "x = " << x;
}

TEST(NaturalLog, AgreesWithLibmOverTheSamplingRange) {
  for (double x : {1.0, 0.5, 0.25, 0.70710678118654746, 0.70710678118654757, 0.999999999, 1e-3,
                   1e-10, 0x1p-54, 1.4142135623730949, 2.0, 3.0, 1e10}) {
    ExpectClose(x);
  }
  std::mt19937_64 random(42);
  for (int i = 0; i < 100000; ++i) {
    ExpectClose((double(random() >> 11) + 0.5) / double(1ull << 53));  // shim.cpp's draw
  }
  EXPECT_EQ(NaturalLog(1.0), 0.0);
}

}  // namespace
}  // namespace memwrap::shim
