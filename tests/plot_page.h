// What the plot tests share: the data a `memwrap plot` page embeds, and headless Chromium to
// render it.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/test_support.h"

namespace memwrap::test_support {

// The data the page draws (the JSON in #memwrap-data).
inline nlohmann::json PageData(const std::string& html) {
  const std::string open = "id=\"memwrap-data\">";
  const size_t start = html.find(open);
  EXPECT_NE(start, std::string::npos);
  if (start == std::string::npos) return nullptr;
  const size_t end = html.find("</script>", start);
  return nlohmann::json::parse(html.substr(start + open.size(), end - start - open.size()));
}

// Headless Chromium as the tests run it: no sandbox (tests may run as root), no GPU, no
// background requests, a fresh profile. `mode`: "--dump-dom" or "--screenshot=FILE".
inline CommandResult Chromium(const std::string& chromium, const ScratchDir& dir,
                              const std::string& mode, const std::string& url) {
  return RunProgram({"/usr/bin/timeout", "120", chromium, "--headless", "--no-sandbox",
                     "--disable-gpu", "--disable-background-networking",
                     "--user-data-dir=" + dir.File("chromium-profile"), "--window-size=1280,1400",
                     "--hide-scrollbars", mode, url});
}

}  // namespace memwrap::test_support
