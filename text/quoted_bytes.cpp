#include "text/quoted_bytes.h"

#include <stdio.h>

namespace memwrap {
namespace {

// The C escape both tools share for a byte, or nullptr when the byte has none in `style`.
const char* NamedEscape(unsigned char c, QuoteStyle style) {
  const bool ltrace = style == QuoteStyle::kLtrace;
  switch (c) {
    case '\t':
      return "\\t";
    case '\n':
      return "\\n";
    case '\v':
      return "\\v";
    case '\f':
      return "\\f";
    case '\r':
      return "\\r";
    case '\\':
      return "\\\\";
    case '"':
      return ltrace ? nullptr : "\\\"";
    // strace writes these three in octal (\0, \7, \10).
    case '\0':
      return ltrace ? "\\0" : nullptr;
    case '\a':
      return ltrace ? "\\a" : nullptr;
    case '\b':
      return ltrace ? "\\b" : nullptr;
    default:
      return nullptr;
  }
}

// strace's octal: as few digits as the value needs, unless the next byte is an octal digit,
// which would then read as part of the escape.
void AppendShortOctal(unsigned char c, bool digit_follows, std::string* text) {
  *text += '\\';
  if (digit_follows) {
    *text += char('0' + (c >> 6));
    *text += char('0' + ((c >> 3) & 7));
  } else if ((c >> 3) != 0) {
    if ((c >> 6) != 0) *text += char('0' + (c >> 6));
    *text += char('0' + ((c >> 3) & 7));
  }
  *text += char('0' + (c & 7));
}

}  // namespace

std::string QuoteBytes(std::string_view bytes, QuoteStyle style) {
  std::string text;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    char escaped[8];
    if (style == QuoteStyle::kStraceHex) {
      snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      text += escaped;
    } else if (const char* named = NamedEscape(c, style)) {
      text += named;
    } else if (c >= 0x20 && c < 0x7f) {
      text += char(c);
    } else if (style == QuoteStyle::kLtrace) {
      snprintf(escaped, sizeof(escaped), "\\%03o", c);
      text += escaped;
    } else {
      const bool digit_follows = i + 1 < bytes.size() && bytes[i + 1] >= '0' && bytes[i + 1] <= '7';
      AppendShortOctal(c, digit_follows, &text);
    }
  }
  return text;
}

}  // namespace memwrap
