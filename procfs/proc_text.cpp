#include "procfs/proc_text.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fileio/input_file.h"

namespace memwrap {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool ParseU64(std::string_view field, uint64_t* value) {
  if (field.empty() || field.size() > 20) return false;
  uint64_t v = 0;
  for (char c : field) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = uint64_t(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *value = v;
  return true;
}

bool ParseMilli(std::string_view field, uint32_t* milli) {
  size_t dot = field.find('.');
  uint64_t whole = 0, fraction = 0;
  if (!ParseU64(field.substr(0, dot), &whole) || whole > 4000000) return false;
  if (dot != std::string_view::npos) {
    std::string_view digits = field.substr(dot + 1);
    if (digits.empty() || digits.size() > 3 || !ParseU64(digits, &fraction)) return false;
    for (size_t i = digits.size(); i < 3; ++i) fraction *= 10;
  }
  *milli = uint32_t(whole * 1000 + fraction);
  return true;
}

bool MeminfoBytes(std::string_view text, std::string_view key, uint64_t* bytes) {
  for (std::string_view line : Lines(text)) {
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      std::vector<std::string_view> fields = Fields(line.substr(key.size() + 1));
      uint64_t value = 0;
      if (fields.empty() || !ParseU64(fields[0], &value)) return false;
      // Every meminfo size is in kB (KiB); the few counts (HugePages_*) have no unit.
      *bytes = fields.size() > 1 && fields[1] == "kB" ? value * 1024 : value;
      return true;
    }
  }
  return false;
}

void CopyName(std::string_view name, char* field, size_t size) {
  memset(field, 0, size);
  memcpy(field, name.data(), std::min(name.size(), size - 1));
}

}  // namespace memwrap
