// The units room: sizes and durations read as people write them, and written for people with
// the exact count beside any rounded figure.
#include <stdint.h>

#include <string>

#include <gtest/gtest.h>

#include "units/byte_format.h"
#include "units/unit_parsing.h"

namespace memwrap {
namespace {

uint64_t Size(const std::string& text) {
  uint64_t bytes = 0;
  EXPECT_TRUE(ParseByteSize(text, &bytes)) << text;
  return bytes;
}

uint64_t Duration(const std::string& text) {
  uint64_t ns = 0;
  EXPECT_TRUE(ParseDuration(text, &ns)) << text;
  return ns;
}

TEST(UnitParsing, SizesInAnyCommonSpelling) {
  EXPECT_EQ(Size("4096"), 4096u);
  EXPECT_EQ(Size("64KiB"), 65536u);
  EXPECT_EQ(Size("64k"), 65536u);
  EXPECT_EQ(Size("64 MiB"), 64u << 20);
  EXPECT_EQ(Size("512mb"), 512000000u);
  EXPECT_EQ(Size("512MB"), 512000000u);
  EXPECT_EQ(Size("2kB"), 2000u);
  EXPECT_EQ(Size("1.5GiB"), 1610612736u);
  EXPECT_EQ(Size("0.3MB"), 300000u);  // exact, not a double's 299,999.99...
  EXPECT_EQ(Size("1TiB"), 1ull << 40);
  EXPECT_EQ(Size("2tb"), 2000000000000ull);
  EXPECT_EQ(Size(".5K"), 512u);
  uint64_t bytes = 7;
  for (const char* bad : {"", "MiB", "1.5B", "1.5", "-1", "1 2", "1XB", "1.2.3K", "9999999TiB",
                          "18446744073709551616", "1e3"}) {
    EXPECT_FALSE(ParseByteSize(bad, &bytes)) << bad;
  }
  EXPECT_EQ(bytes, 7u);
}

TEST(UnitParsing, DurationsInAnyCommonSpelling) {
  EXPECT_EQ(Duration("0"), 0u);
  EXPECT_EQ(Duration("90"), 90'000'000'000u);
  EXPECT_EQ(Duration("90s"), 90'000'000'000u);
  EXPECT_EQ(Duration("1m30s"), 90'000'000'000u);
  EXPECT_EQ(Duration("1h2m3s"), 3'723'000'000'000u);
  EXPECT_EQ(Duration("2min"), 120'000'000'000u);
  EXPECT_EQ(Duration("250ms"), 250'000'000u);
  EXPECT_EQ(Duration("1.5s"), 1'500'000'000u);
  EXPECT_EQ(Duration("1s500ms"), 1'500'000'000u);
  EXPECT_EQ(Duration("50us"), 50'000u);
  EXPECT_EQ(Duration("7ns"), 7u);
  uint64_t ns = 7;
  for (const char* bad : {"", "s", "1x", "30s1m", "1s1s", "1m30", "-1s", "1 s", "ms"}) {
    EXPECT_FALSE(ParseDuration(bad, &ns)) << bad;
  }
  EXPECT_EQ(ns, 7u);
}

TEST(ByteFormat, GroupsDigitsInThrees) {
  EXPECT_EQ(GroupDigits(0), "0");
  EXPECT_EQ(GroupDigits(999), "999");
  EXPECT_EQ(GroupDigits(1000), "1,000");
  EXPECT_EQ(GroupDigits(1234567), "1,234,567");
  EXPECT_EQ(GroupDigits(18446744073709551615ull), "18,446,744,073,709,551,615");
}

TEST(ByteFormat, BinaryUnitsWithTheExactCountBeside) {
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1024), "1.00 KiB");
  EXPECT_EQ(HumanBytes(1234567), "1.18 MiB");
  EXPECT_EQ(HumanBytes(3ull << 30), "3.00 GiB");
  EXPECT_EQ(HumanBytes(5ull << 50), "5120.00 TiB");  // TiB is the largest unit
  EXPECT_EQ(BytesWithExact(1000), "1000 bytes");
  EXPECT_EQ(BytesWithExact(1234567), "1.18 MiB (1,234,567 bytes)");
}

TEST(ByteFormat, DurationsInTheLargestUnitBelowThem) {
  EXPECT_EQ(HumanDuration(45), "45 ns");
  EXPECT_EQ(HumanDuration(123456), "123 us");
  EXPECT_EQ(HumanDuration(12345678), "12.346 ms");
  EXPECT_EQ(HumanDuration(1234000000), "1.234 s");
}

TEST(ByteFormat, SecondsSinceTheEpochAsStraceWritesThem) {
  // -ttt: the realtime second and microsecond, whatever the time zone.
  EXPECT_EQ(TimeOfDay(5'000'123'456, 1'700'000'000'000'000'000 - 5'000'000'000, 3),
            "1700000000.000123 ");
  // -tt: the time of day ends in the microseconds and one space.
  const std::string tt = TimeOfDay(5'000'123'456, 1'700'000'000'000'000'000 - 5'000'000'000, 2);
  ASSERT_EQ(tt.size(), std::string("14:03:07.123456 ").size()) << tt;
  EXPECT_EQ(tt.substr(8), ".000123 ");
}

}  // namespace
}  // namespace memwrap
