// How memwrap reads the byte sizes and durations people write in options and filter
// expressions. (Writing them for people: units/byte_format.h.)
#pragma once

#include <stdint.h>

#include <string>

namespace memwrap {

// "4096", "64KiB", "16MiB", "1.5GiB", "1TiB", "512mb", "64 MiB": K, M, G, T alone or with
// "iB" are binary, with "B" decimal (KB = 1000), in any case. Whole bytes only. False for
// anything else, including overflow.
bool ParseByteSize(const std::string& text, uint64_t* bytes);

// "10ms", "1s", "1.5s", "500us", "250ns", "2m", "1m30s", "1h2m3s", "0" (a bare number is
// seconds; units h, m or min, s, ms, us, ns, each at most once, larger first). False otherwise.
bool ParseDuration(const std::string& text, uint64_t* ns);

}  // namespace memwrap
