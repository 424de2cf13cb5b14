#include "tracefile/column_frames.h"

#include <zstd.h>

#include <vector>

#include "tracefile/varint.h"

namespace memwrap {
namespace {

// More columns than codec 3 has are refused before anything is allocated for them.
constexpr uint64_t kMaxColumns = 64;

bool ReadDirectory(const uint8_t*& p, const uint8_t* end, std::vector<uint64_t>* sizes,
                   std::string* error) {
  uint64_t count;
  if (!GetVarint(p, end, &count) || count == 0 || count > kMaxColumns) {
    *error = "columnar chunk with an impossible number of columns";
    return false;
  }
  sizes->resize(count);
  uint64_t total = 0;
  for (uint64_t& size : *sizes) {
    if (!GetVarint(p, end, &size)) {
      *error = "columnar chunk's directory cut off";
      return false;
    }
    total += size;
    if (size > uint64_t(end - p) || total > uint64_t(end - p)) {
      *error = "columnar chunk's columns run past its end";
      return false;
    }
  }
  if (total != uint64_t(end - p)) {
    *error = "columnar chunk's columns do not fill it";
    return false;
  }
  return true;
}

}  // namespace

bool CompressColumns(ZSTD_CCtx_s* zstd, const uint8_t* form, size_t size, ByteBuffer* out,
                     std::string* error) {
  const uint8_t* p = form;
  const uint8_t* end = form + size;
  std::vector<uint64_t> sizes;
  if (!ReadDirectory(p, end, &sizes, error)) return false;
  // The directory goes first, so the frames are compressed aside until their sizes are known.
  size_t bound = 0;
  for (uint64_t column : sizes) bound += column == 0 ? 0 : ZSTD_compressBound(column);
  ByteBuffer frames(bound);
  std::vector<uint64_t> stored(sizes.size(), 0);
  size_t used = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) continue;
    const size_t n = ZSTD_compressCCtx(zstd, frames.data() + used, frames.size() - used, p,
                                       sizes[i], kColumnZstdLevel);
    if (ZSTD_isError(n)) {
      *error = std::string("zstd compression failed: ") + ZSTD_getErrorName(n);
      return false;
    }
    stored[i] = n;
    used += n;
    p += sizes[i];
  }
  uint8_t varint[kMaxVarintBytes];
  out->insert(out->end(), varint, PutVarint(sizes.size(), varint));
  for (uint64_t n : stored) out->insert(out->end(), varint, PutVarint(n, varint));
  out->insert(out->end(), frames.begin(), frames.begin() + ptrdiff_t(used));
  return true;
}

bool DecompressColumns(ZSTD_DCtx_s* zstd, const uint8_t* stored, size_t size, size_t max_form_size,
                       ByteBuffer* out, std::string* error) {
  const uint8_t* p = stored;
  const uint8_t* end = stored + size;
  std::vector<uint64_t> sizes;
  if (!ReadDirectory(p, end, &sizes, error)) return false;
  // Every frame's content size first: the columns are bounded before any is decompressed.
  std::vector<uint64_t> raw(sizes.size(), 0);
  uint64_t total = 0;
  const uint8_t* frame = p;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] != 0) {
      const unsigned long long content = ZSTD_getFrameContentSize(frame, sizes[i]);
      if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN) {
        *error = "columnar chunk's column is not a zstd frame that states its size";
        return false;
      }
      raw[i] = content;
      total += content;
      if (content > max_form_size || total > max_form_size) {
        *error = "columnar chunk's columns are larger than its records could be";
        return false;
      }
    }
    frame += sizes[i];
  }
  const size_t start = out->size();
  uint8_t varint[kMaxVarintBytes];
  out->insert(out->end(), varint, PutVarint(raw.size(), varint));
  for (uint64_t n : raw) out->insert(out->end(), varint, PutVarint(n, varint));
  size_t at = out->size();
  out->resize(at + total);
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] != 0) {
      const size_t n = ZSTD_decompressDCtx(zstd, out->data() + at, raw[i], p, sizes[i]);
      if (ZSTD_isError(n) || n != raw[i]) {
        *error = ZSTD_isError(n) ? std::string("zstd: ") + ZSTD_getErrorName(n)
                                 : std::string("columnar column decompresses to another size");
        out->resize(start);
        return false;
      }
      at += n;
    }
    p += sizes[i];
  }
  return true;
}

}  // namespace memwrap
