// Text inside XML or HTML (the JUnit file of memwrap check, the page of memwrap plot): the
// characters that would start markup or end an attribute value are escaped.
#pragma once

#include <string>

namespace memwrap {

inline std::string MarkupEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace memwrap
