// How memwrap writes byte counts and durations for people: binary units with the exact byte
// count alongside, so a rounded figure is never mistaken for the measurement. (Reading them back
// from options: units/unit_parsing.h.)
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

}  // namespace memwrap
