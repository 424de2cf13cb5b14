// Bytes as the tracing tools write them between quotes. strace and ltrace escape the same byte
// differently (strace writes \1 and \7 where ltrace writes \001 and \a, ltrace leaves " bare),
// so the style says whose rule applies; each driver prints what its real counterpart prints.
#pragma once

#include <string>
#include <string_view>

namespace memwrap {

enum class QuoteStyle {
  // strace: \t \n \v \f \r, \" and \\; other unprintable bytes in octal with as few digits as
  // needed (\1, \33, \377), three when an octal digit follows (\0011).
  kStrace,
  // strace -xx (and strace's buffers that are always hex, like getrandom's): every byte \xNN.
  kStraceHex,
  // ltrace: \0 \a \b \t \n \v \f \r and \\; other unprintable bytes as three octal digits
  // (\001, \377); " and ' as they are.
  kLtrace,
};

// The text between the quotes (the quotes and any "..." cut mark are the caller's).
std::string QuoteBytes(std::string_view bytes, QuoteStyle style);

}  // namespace memwrap
