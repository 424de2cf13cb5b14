// How memwrap writes byte counts and durations for people: binary units with the exact byte
// count alongside, so a rounded figure is never mistaken for the measurement.
#pragma once

#include <stdint.h>

#include <string>

namespace memwrap {

// "1,234,567"
std::string GroupDigits(uint64_t value);
// "1.18 MiB" (KiB, MiB, GiB, TiB; "123 B" below 1 KiB)
std::string HumanBytes(uint64_t bytes);
// "1.18 MiB (1,234,567 bytes)"
std::string BytesWithExact(uint64_t bytes);
// "1.234 s" / "12.345 ms" / "123 us" / "45 ns"
std::string HumanDuration(uint64_t ns);

// The time of day of a monotonic timestamp, as strace and ltrace print it with -t (precision 1:
// "14:03:07 "), -tt (2: "14:03:07.123456 ") and -ttt (3: seconds since the epoch,
// "1700000000.123456 "). `realtime_offset_ns` is CLOCK_REALTIME minus CLOCK_MONOTONIC.
std::string TimeOfDay(uint64_t monotonic_ns, int64_t realtime_offset_ns, int precision);

// "4096", "64KiB", "16MiB", "1.5GiB", "1TiB", "512mb", "64 MiB": K, M, G, T alone or with
// "iB" are binary, with "B" decimal (KB = 1000), in any case. Whole bytes only. False for
// anything else, including overflow.
bool ParseByteSize(const std::string& text, uint64_t* bytes);

// "10ms", "1s", "1.5s", "500us", "250ns", "2m", "1m30s", "1h2m3s", "0" (a bare number is
// seconds; units h, m or min, s, ms, us, ns, each at most once, larger first). False otherwise.
bool ParseDuration(const std::string& text, uint64_t* ns);

}  // namespace memwrap
