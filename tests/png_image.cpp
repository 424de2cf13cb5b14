#include "tests/png_image.h"

#include <zlib.h>

#include <cstdlib>

namespace memwrap::test_support {
namespace {

uint32_t BigEndian32(const std::string& bytes, size_t at) {
  return uint32_t(uint8_t(bytes[at])) << 24 | uint32_t(uint8_t(bytes[at + 1])) << 16 |
         uint32_t(uint8_t(bytes[at + 2])) << 8 | uint32_t(uint8_t(bytes[at + 3]));
}

uint8_t Paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return uint8_t(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

}  // namespace

bool ReadPng(const std::string& bytes, RgbImage* image, std::string* error) {
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    *error = "not a PNG";
    return false;
  }
  uint32_t channels = 0;
  std::string compressed;
  for (size_t at = 8; at + 12 <= bytes.size();) {
    const uint32_t length = BigEndian32(bytes, at);
    const std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + uint64_t(length) > bytes.size()) break;
    if (type == "IHDR") {
      image->width = BigEndian32(bytes, at + 8);
      image->height = BigEndian32(bytes, at + 12);
      const int depth = uint8_t(bytes[at + 16]), color = uint8_t(bytes[at + 17]);
      const int interlace = uint8_t(bytes[at + 20]);
      channels = color == 2 ? 3 : color == 6 ? 4 : 0;
      if (depth != 8 || channels == 0 || interlace != 0) {
        *error = "unsupported PNG (depth " + std::to_string(depth) + ", color type " +
                 std::to_string(color) + ")";
        return false;
      }
    } else if (type == "IDAT") {
      compressed += bytes.substr(at + 8, length);
    }
    at += 12 + length;
  }
  const size_t stride = size_t(image->width) * channels;
  std::vector<uint8_t> raw((stride + 1) * image->height);
  uLongf raw_size = uLongf(raw.size());
  if (channels == 0 ||
      uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(compressed.data()),
                 uLong(compressed.size())) != Z_OK ||
      raw_size != raw.size()) {
    *error = "cannot inflate the PNG's image data";
    return false;
  }
  // Undo the per-row filters (PNG specification, section 9).
  std::vector<uint8_t> pixels(stride * image->height), zero(stride, 0);
  for (uint32_t y = 0; y < image->height; ++y) {
    const uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    uint8_t* out = &pixels[y * stride];
    const uint8_t* up = y == 0 ? zero.data() : &pixels[(y - 1) * stride];
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= channels ? out[i - channels] : 0, b = up[i];
      const int c = i >= channels ? up[i - channels] : 0;
      switch (filter) {
        case 0:
          out[i] = in[i];
          break;
        case 1:
          out[i] = uint8_t(in[i] + a);
          break;
        case 2:
          out[i] = uint8_t(in[i] + b);
          break;
        case 3:
          out[i] = uint8_t(in[i] + (a + b) / 2);
          break;
        case 4:
          out[i] = uint8_t(in[i] + Paeth(a, b, c));
          break;
        default:
          *error = "bad PNG filter " + std::to_string(filter);
          return false;
      }
    }
  }
  image->rgb.resize(size_t(image->width) * image->height * 3);
  for (size_t p = 0; p < size_t(image->width) * image->height; ++p) {
    for (int k = 0; k < 3; ++k) image->rgb[p * 3 + k] = pixels[p * channels + k];
  }
  return true;
}

}  // namespace memwrap::test_support
