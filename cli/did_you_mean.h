// "Did you mean ...?" for a mistyped command or option name: the closest of the known names,
// as git and cargo suggest one. Only a suggestion: nothing is ever run or parsed in its place
// (memwrap does not guess abbreviations).
#pragma once

#include <string>
#include <vector>

namespace memwrap {

// The known name closest to `typed` by edit distance (insertions, deletions, substitutions and
// swaps of two neighbours), if it is close enough to be a typo: at most 1 edit for names of up
// to 4 characters, 2 up to 8, 3 beyond; or a known name that `typed` begins. "" when none is.
std::string ClosestName(const std::string& typed, const std::vector<std::string>& known);

}  // namespace memwrap
