// How a sampled allocation is weighed (--stacks=sampled). The shim samples by bytes with a
// Poisson process of mean `sample_bytes` (preload/shim.cpp), so an allocation of `size` bytes
// is sampled with probability P = 1 - exp(-size / sample_bytes), independently of the others.
// Weighing each sample by 1/P (Horvitz-Thompson) gives unbiased totals: bytes size/P, blocks
// 1/P; the variance of a bytes total is estimated by the sum over its samples of
// (1 - P) size^2 / P^2, whose square root is the standard error a report shows.
#pragma once

#include <stdint.h>

#include <cmath>

namespace memwrap {

struct SampleWeight {
  double blocks = 0;          // 1 / P
  double bytes = 0;           // size / P
  double bytes_variance = 0;  // (1 - P) size^2 / P^2

  SampleWeight(uint64_t size, uint64_t sample_bytes) {
    const double probability = -std::expm1(-double(size) / double(sample_bytes));
    if (sample_bytes == 0 || !(probability > 0)) return;  // size 0: carries no bytes
    blocks = 1 / probability;
    bytes = double(size) / probability;
    bytes_variance = (1 - probability) * bytes * bytes;
  }
};

}  // namespace memwrap
