// docs/trace-format.md's table of session-info keys against include/memwrap/session_info_keys.h:
// every key the header declares is documented, and the table lists no other. Read from the
// document itself, so that neither can change alone.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "memwrap/session_info_keys.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

// The keys in the first column of the table under "## Session info": each `name` of the rows
// "| `a`, `b` | ...". (No std::regex: GCC 12 warns inside it under -Werror.)
std::set<std::string> DocumentedKeys(const std::string& doc) {
  const size_t begin = doc.find("\n## Session info\n");
  const size_t end = doc.find("\n## ", begin + 1);
  std::istringstream section(doc.substr(begin, end - begin));
  std::set<std::string> keys;
  for (std::string line; std::getline(section, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string cell = line.substr(1, line.find('|', 1) - 1);
    for (size_t open = cell.find('`'); open != std::string::npos;) {
      const size_t close = cell.find('`', open + 1);
      if (close == std::string::npos) break;
      keys.insert(cell.substr(open + 1, close - open - 1));
      open = cell.find('`', close + 1);
    }
  }
  return keys;
}

TEST(SessionInfoKeysDoc, TheTableListsExactlyTheDeclaredKeys) {
  const std::string doc = test_support::ReadFile(MEMWRAP_SOURCE_DIR "/docs/trace-format.md");
  ASSERT_NE(doc.find("\n## Session info\n"), std::string::npos);
  const std::set<std::string> documented = DocumentedKeys(doc);
  std::set<std::string> declared;
  for (const char* key : session_key::kAll) declared.insert(key);
  for (const std::string& key : declared) {
    EXPECT_EQ(documented.count(key), 1u) << key << " is not in docs/trace-format.md";
  }
  for (const std::string& key : documented) {
    EXPECT_EQ(declared.count(key), 1u) << key << " is documented but not declared";
  }
  EXPECT_EQ(declared.size(), std::size(session_key::kAll)) << "a key is declared twice";
}

}  // namespace
}  // namespace memwrap
