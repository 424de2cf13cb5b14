// How a source frame is written for people: "function  file:line", or "?? module+0xADDR" when
// it has no symbol. The report, the run summary and the gate's grown sites all name a call site
// this one way, so a site in `memwrap check`'s output can be found in `memwrap report`'s.
#pragma once

#include <string>

#include "symbols/symbolizer.h"

namespace memwrap {

std::string FrameText(const SourceFrame& frame);

}  // namespace memwrap
