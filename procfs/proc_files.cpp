#include "procfs/proc_files.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fileio/input_file.h"

namespace memwrap {

std::string ProcPath(pid_t pid, const char* name) {
  return "/proc/" + std::to_string(pid) + "/" + name;
}

bool ReadProcFile(const std::string& path, std::string* text) {
  text->clear();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool read_all = ReadAll(fd, text);
  close(fd);
  if (!read_all) text->clear();
  return read_all;
}

std::string ReadProcFile(pid_t pid, const char* name) {
  std::string text;
  ReadProcFile(ProcPath(pid, name), &text);
  return text;
}

bool ReadProcSnapshot(const std::string& path, char* buffer, size_t capacity, size_t* length) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buffer, capacity - 1);
  close(fd);
  if (n <= 0) return false;
  buffer[n] = '\0';
  *length = size_t(n);
  return true;
}

const char* ProcField(const char* text, const char* key) {
  const size_t key_length = strlen(key);
  for (const char* line = text; line != nullptr && *line != '\0';) {
    if (strncmp(line, key, key_length) == 0 && line[key_length] == ':') {
      return line + key_length + 1;
    }
    line = strchr(line, '\n');
    if (line != nullptr) ++line;
  }
  return nullptr;
}

}  // namespace memwrap
