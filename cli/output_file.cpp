#include "output_file.h"

#include <stdio.h>

#include "fileio/output_file.h"

namespace memwrap {

bool WriteOutput(const std::string& path, const std::string& data, std::string* error) {
  if (path != "-") {
    const std::string reason = WriteWholeFile(path, data);
    if (!reason.empty()) *error = "cannot create '" + path + "': " + reason;
    return reason.empty();
  }
  const bool ok = fwrite(data.data(), 1, data.size(), stdout) == data.size() && fflush(stdout) == 0;
  if (!ok) *error = "cannot write 'standard output'";
  return ok;
}

}  // namespace memwrap
