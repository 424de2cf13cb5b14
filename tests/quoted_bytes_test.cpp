// The one quoter of stracedrv and ltracedrv against what the real tools printed on Debian 12
// (strace 6.1, ltrace 0.7.3) for the same bytes, from a C program that passed them to write(2)
// and to puts/strlen/memcpy/toupper:
//   strace -e trace=write    write(1, "a\tb\1\377\n\"\\", 8)
//                            write(1, "x\0y\0017\7\10\f\r\v", 10)
//                            write(1, "\0011\3777", 4)
//                            write(1, "\33[0m", 4)
//   strace -xx -e trace=write  write(1, "\x61\x09\x62\x01\xff\x0a\x22\x5c", 8)
//   ltrace -e puts+strlen+memcpy+toupper
//                            puts("a\tb\001\377\n"\\")
//                            memcpy(0x7ffc3f5242a0, "x\0y\0017\a\b\f\r\v\0", 11)
//                            toupper(''')   toupper('\0')   toupper('\377')
#include <gtest/gtest.h>

#include <string>

#include "text/quoted_bytes.h"

namespace memwrap {
namespace {

const std::string kMixed = "a\tb\001\377\n\"\\";
const std::string kWithNuls("x\0y\0017\a\b\f\r\v", 10);

TEST(QuotedBytes, StraceEscapesAsStrace61Printed) {
  EXPECT_EQ(QuoteBytes(kMixed, QuoteStyle::kStrace), "a\\tb\\1\\377\\n\\\"\\\\");
  EXPECT_EQ(QuoteBytes(kWithNuls, QuoteStyle::kStrace), "x\\0y\\0017\\7\\10\\f\\r\\v");
  // An octal digit after an escape forces three digits, so it is not read as part of it.
  EXPECT_EQ(QuoteBytes(std::string("\0011\3777", 4), QuoteStyle::kStrace), "\\0011\\3777");
  EXPECT_EQ(QuoteBytes("\033[0m", QuoteStyle::kStrace), "\\33[0m");
  EXPECT_EQ(QuoteBytes("\177", QuoteStyle::kStrace), "\\177");
  // An ELF header as strace shows read(2)'s buffer.
  EXPECT_EQ(QuoteBytes(std::string("\177ELF\2\1\1\3\0\0", 10), QuoteStyle::kStrace),
            "\\177ELF\\2\\1\\1\\3\\0\\0");
}

TEST(QuotedBytes, StraceHexWritesEveryByteAsStraceXxPrinted) {
  EXPECT_EQ(QuoteBytes(kMixed, QuoteStyle::kStraceHex), "\\x61\\x09\\x62\\x01\\xff\\x0a\\x22\\x5c");
  EXPECT_EQ(QuoteBytes(kWithNuls, QuoteStyle::kStraceHex),
            "\\x78\\x00\\x79\\x01\\x37\\x07\\x08\\x0c\\x0d\\x0b");
}

TEST(QuotedBytes, LtraceEscapesAsLtrace073Printed) {
  EXPECT_EQ(QuoteBytes(kMixed, QuoteStyle::kLtrace), "a\\tb\\001\\377\\n\"\\\\");
  // memcpy's string[arg3] of 11 bytes: the array's last NUL included.
  EXPECT_EQ(QuoteBytes(kWithNuls + std::string(1, '\0'), QuoteStyle::kLtrace),
            "x\\0y\\0017\\a\\b\\f\\r\\v\\0");
  EXPECT_EQ(QuoteBytes("'", QuoteStyle::kLtrace), "'");
  EXPECT_EQ(QuoteBytes(std::string(1, '\0'), QuoteStyle::kLtrace), "\\0");
  EXPECT_EQ(QuoteBytes("\377", QuoteStyle::kLtrace), "\\377");
}

TEST(QuotedBytes, NothingInNothingOut) {
  EXPECT_EQ(QuoteBytes("", QuoteStyle::kStrace), "");
  EXPECT_EQ(QuoteBytes("", QuoteStyle::kLtrace), "");
  EXPECT_EQ(QuoteBytes("plain text", QuoteStyle::kStrace), "plain text");
}

}  // namespace
}  // namespace memwrap
