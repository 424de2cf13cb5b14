#include "output_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

namespace memwrap {

bool WriteOutput(const std::string& path, const std::string& data, std::string* error) {
  const bool to_stdout = path == "-";
  FILE* file = to_stdout ? stdout : fopen(path.c_str(), "wb");
  if (file == nullptr) {
    *error = "cannot create '" + path + "': " + strerror(errno);
    return false;
  }
  bool ok = fwrite(data.data(), 1, data.size(), file) == data.size();
  ok = (to_stdout ? fflush(file) : fclose(file)) == 0 && ok;
  if (!ok) *error = "cannot write '" + (to_stdout ? std::string("standard output") : path) + "'";
  return ok;
}

}  // namespace memwrap
