// `memwrap report --format json --top 50 TRACE`, parsed, for the tests that run the memwrap
// binary (test_support::BuiltFile("memwrap")); the report must succeed. `err`, when given, receives
// its standard error.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/test_support.h"

namespace memwrap::test_support {

inline nlohmann::json ReportJson(const std::string& trace, std::string* err = nullptr) {
  CommandResult report = RunProgram(
      {test_support::BuiltFile("memwrap"), "report", "--format", "json", "--top", "50", trace});
  EXPECT_EQ(report.exit_code(), 0) << report.err;
  if (err != nullptr) *err = report.err;
  return nlohmann::json::parse(report.out);
}

}  // namespace memwrap::test_support
