// docs/trace-format.md's table of record types against the RecordType enum of
// include/memwrap/records.h: the same numbers under the same names (PROCESS_START for
// kProcessStart), every type in both, and the "knows types" sentence's highest type equal to
// kMaxType. Read from the sources themselves, so that neither can change alone.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "memwrap/records.h"

namespace memwrap {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

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

// The enumerators of RecordType but kInvalid and kMaxType, by number.
std::map<int, std::string> EnumTypes() {
  const std::string header = Slurp(MEMWRAP_SOURCE_DIR "/include/memwrap/records.h");
  const size_t begin = header.find("enum class RecordType");
  const size_t end = header.find("};", begin);
  const std::string body = header.substr(begin, end - begin);
  std::map<int, std::string> types;
  const std::regex enumerator(R"(\n\s*(k[A-Za-z]+) = (\d+),)");
  for (std::sregex_iterator it(body.begin(), body.end(), enumerator), last; it != last; ++it) {
    const std::string name = (*it)[1];
    if (name == "kInvalid" || name == "kMaxType") continue;
    types[std::stoi((*it)[2])] = SnakeName(name);
  }
  return types;
}

// The rows "| 12 | MMAP | ..." of the record type table.
std::map<int, std::string> DocumentedTypes(const std::string& doc) {
  std::map<int, std::string> types;
  const std::regex row(R"(\n\| (\d+) \| ([A-Z_]+) \|)");
  for (std::sregex_iterator it(doc.begin(), doc.end(), row), last; it != last; ++it) {
    types[std::stoi((*it)[1])] = (*it)[2];
  }
  return types;
}

TEST(RecordTypesDoc, TheTableNamesEveryTypeOfTheEnum) {
  const std::string doc = Slurp(MEMWRAP_SOURCE_DIR "/docs/trace-format.md");
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
