// Reads the pixels of a PNG (8-bit RGB or RGBA, not interlaced: what Chromium's screenshots
// are), so a test can tell a drawn chart from a blank page.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace memwrap::test_support {

struct RgbImage {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3
  const uint8_t* At(uint32_t x, uint32_t y) const { return &rgb[(size_t(y) * width + x) * 3]; }
};

// False (with *error set) for a file this reader does not handle.
bool ReadPng(const std::string& bytes, RgbImage* image, std::string* error);

}  // namespace memwrap::test_support
