#include "fileio/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace memwrap {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "of an unknown kind";
}

}  // namespace

int OpenRegularFile(const std::string& path, std::string* reason) {
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer that may never come.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *reason = strerror(errno);
    return -1;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    *reason = strerror(errno);
    close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    *reason = std::string("it is ") + KindOf(st.st_mode) + ", not a regular file";
    close(fd);
    return -1;
  }
  // Reads of a regular file never block; the flag goes for the sake of whoever reads next.
  fcntl(fd, F_SETFL, 0);
  return fd;
}

bool ReadRegularFile(const std::string& path, std::string* text, std::string* reason) {
  const int fd = OpenRegularFile(path, reason);
  if (fd < 0) return false;
  text->clear();
  const bool read_all = ReadAll(fd, text);
  if (!read_all) *reason = strerror(errno);
  close(fd);
  return read_all;
}

bool ReadAll(int fd, std::string* text) {
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    text->append(buffer, size_t(n));
  }
}

}  // namespace memwrap
