#include "cli/output_file.h"

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

ReservedOutput::~ReservedOutput() {
  if (file_.is_open()) file_.Discard();
}

std::string ReservedOutput::Reserve(const std::string& path) {
  path_ = path;
  if (path.empty() || path == "-") return "";
  const std::string reason = file_.Open(path, ExistingFile::kReplace, 0666);
  return reason.empty() ? "" : "cannot create '" + path + "': " + reason;
}

std::string ReservedOutput::Write(const std::string& data) {
  if (path_.empty()) return "";
  std::string error;
  if (path_ == "-") return WriteOutput(path_, data, &error) ? "" : error;
  const std::string reason = WriteAllAndCommit(&file_, data);
  return reason.empty() ? "" : "cannot write '" + path_ + "': " + reason;
}

}  // namespace memwrap
