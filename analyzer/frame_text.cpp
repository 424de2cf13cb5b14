#include "analyzer/frame_text.h"

#include <stdio.h>

namespace memwrap {

std::string FrameText(const SourceFrame& frame) {
  std::string text = frame.function;
  if (frame.function == "??") {
    char address[32];
    snprintf(address, sizeof(address), "0x%llx", static_cast<unsigned long long>(frame.address));
    text += " " + (frame.module.empty() ? std::string() : frame.module + "+") + address;
    return text;
  }
  if (!frame.file.empty()) {
    text += "  " + frame.file;
    if (frame.line != 0) text += ":" + std::to_string(frame.line);
  } else if (!frame.module.empty()) {
    text += "  (" + frame.module + ")";
  }
  if (frame.inlined) text += " [inlined]";
  return text;
}

}  // namespace memwrap
