// docs/trace-format.md's table of record types against the RecordType enum of
// include/memwrap/records.h: the same numbers under the same names (PROCESS_START for
// kProcessStart), every type in both, and the "knows types" sentence's highest type equal to
// kMaxType. Read from the sources themselves, so that neither can change alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <string>

#include "memwrap/records.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

// kProcessStart -> PROCESS_START.
std::string SnakeName(const std::string& enumerator) {
  std::string name;
  for (size_t i = 1; i < enumerator.size(); ++i) {
    const char c = enumerator[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 1) name += '_';
    name += char(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

// The enumerators of RecordType but kInvalid and kMaxType, by number: the lines
// "  kName = N," of the enum's body. (No std::regex: GCC 12 warns inside it under -Werror.)
std::map<int, std::string> EnumTypes() {
  const std::string header =
      test_support::ReadFile(MEMWRAP_SOURCE_DIR "/include/memwrap/records.h");
  const size_t begin = header.find("enum class RecordType");
  const size_t end = header.find("};", begin);
  std::istringstream body(header.substr(begin, end - begin));
  std::map<int, std::string> types;
  for (std::string line; std::getline(body, line);) {
    const size_t name_at = line.find_first_not_of(' ');
    const size_t equals = line.find(" = ");
    if (name_at == std::string::npos || line[name_at] != 'k' || equals == std::string::npos) {
      continue;
    }
    const std::string name = line.substr(name_at, equals - name_at);
    if (name == "kInvalid" || name == "kMaxType") continue;
    types[std::stoi(line.substr(equals + 3))] = SnakeName(name);
  }
  return types;
}

// The rows "| 12 | MMAP | ..." of the record type table.
std::map<int, std::string> DocumentedTypes(const std::string& doc) {
  std::map<int, std::string> types;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| ", 0) != 0 || line.size() < 3 ||
        !std::isdigit(static_cast<unsigned char>(line[2]))) {
      continue;
    }
    const size_t number_end = line.find(" | ", 2);
    if (number_end == std::string::npos) continue;
    const size_t name_end = line.find(" |", number_end + 3);
    if (name_end == std::string::npos) continue;
    const std::string name = line.substr(number_end + 3, name_end - number_end - 3);
    const bool upper_snake = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isupper(static_cast<unsigned char>(c)) || c == '_';
    });
    if (upper_snake) types[std::stoi(line.substr(2, number_end - 2))] = name;
  }
  return types;
}

TEST(RecordTypesDoc, TheTableNamesEveryTypeOfTheEnum) {
  const std::string doc = test_support::ReadFile(MEMWRAP_SOURCE_DIR "/docs/trace-format.md");
  ASSERT_FALSE(doc.empty());
  const std::map<int, std::string> in_code = EnumTypes();
  ASSERT_GT(in_code.size(), 25u);
  EXPECT_EQ(DocumentedTypes(doc), in_code);
  EXPECT_EQ(in_code.rbegin()->first, int(RecordType::kMaxType));
  const std::string knows = "and 28 to " + std::to_string(int(RecordType::kMaxType)) + ".";
  EXPECT_NE(doc.find(knows), std::string::npos) << "the sentence naming the known types";
}

}  // namespace
}  // namespace memwrap
