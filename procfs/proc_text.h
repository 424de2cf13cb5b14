// Reading and parsing the text files of /proc for the system modules.
#pragma once

#include <stdint.h>

#include <string>
#include <string_view>
#include <vector>

#include "procfs/proc_files.h"
#include "tracefile/byte_buffer.h"

namespace memwrap {

// (Reading the files: proc_files.h.)

// The value of a "Key:   123 kB" line of meminfo-like text, in bytes; false if absent.
bool MeminfoBytes(std::string_view text, std::string_view key, uint64_t* bytes);

// Splits a line on spaces and tabs.
std::vector<std::string_view> Fields(std::string_view line);

// Lines of a text (without their newlines).
std::vector<std::string_view> Lines(std::string_view text);

// A decimal unsigned integer (the whole field); false otherwise.
bool ParseU64(std::string_view field, uint64_t* value);

// "9.87" -> 9870: a decimal with up to three fraction digits, in thousandths, exactly.
bool ParseMilli(std::string_view field, uint32_t* milli);

// Copies `name` into a NUL-padded field of `size` bytes, cut to size - 1.
void CopyName(std::string_view name, char* field, size_t size);

}  // namespace memwrap
