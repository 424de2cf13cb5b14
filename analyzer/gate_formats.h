// The verdict of `memwrap check` for CI systems: JUnit XML (one test case per check) and a
// Markdown summary (a job summary page). Formats: docs/cli.md ("memwrap check").
#pragma once

#include <string>

#include "analyzer/memory_gate.h"

namespace memwrap {

std::string GateJunitXml(const GateVerdict& verdict);
std::string GateMarkdown(const GateVerdict& verdict);

}  // namespace memwrap
