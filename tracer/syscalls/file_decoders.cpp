// Arguments of the file system calls (strace's open.c, stat.c, ...): path names read from the
// tracee, directory descriptors, open flags.
#include <fcntl.h>

#include <map>
#include <string>

#include "syscalls/syscall_decoder.h"

namespace memwrap {
namespace {

std::string Path(pid_t tid, const uint64_t args[6], int index) {
  return ReadQuotedString(tid, args[index], 4096);
}

std::string DirectoryFd(pid_t, const uint64_t args[6], int index) {
  return int32_t(uint32_t(args[index])) == AT_FDCWD ? "AT_FDCWD"
                                                      : std::to_string(int32_t(args[index]));
}

std::string OpenFlags(pid_t, const uint64_t args[6], int index) {
  const uint64_t mode = args[index] & O_ACCMODE;
  std::string text = mode == O_RDONLY ? "O_RDONLY" : mode == O_WRONLY ? "O_WRONLY"
                     : mode == O_RDWR ? "O_RDWR" : FormatHex(mode);
  static const FlagName kNames[] = {
      {O_CREAT, "O_CREAT"},       {O_EXCL, "O_EXCL"},         {O_NOCTTY, "O_NOCTTY"},
      {O_TRUNC, "O_TRUNC"},       {O_APPEND, "O_APPEND"},     {O_NONBLOCK, "O_NONBLOCK"},
      {O_DSYNC, "O_DSYNC"},       {O_DIRECT, "O_DIRECT"},     {O_LARGEFILE, "O_LARGEFILE"},
      {O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"},
      {O_CLOEXEC, "O_CLOEXEC"},   {O_PATH, "O_PATH"},         {O_TMPFILE, "O_TMPFILE"},
      {O_SYNC, "O_SYNC"}};
  const uint64_t rest = args[index] & ~uint64_t(O_ACCMODE);
  if (rest != 0) text += "|" + FormatFlags(rest, kNames, std::size(kNames), "0");
  return text;
}

std::string Octal(pid_t, const uint64_t args[6], int index) {
  char text[32];
  snprintf(text, sizeof(text), "0%llo", static_cast<unsigned long long>(args[index]));
  return text;
}

// Which argument is what, per call; unlisted arguments are numbers.
struct Layout {
  int path = -1;
  int second_path = -1;
  int dirfd = -1;
  int second_dirfd = -1;
  int open_flags = -1;
  int mode = -1;
};

const std::map<std::string, Layout>& Layouts() {
  static const std::map<std::string, Layout> kLayouts = {
      {"open", {.path = 0, .open_flags = 1, .mode = 2}},
      {"creat", {.path = 0, .mode = 1}},
      {"openat", {.path = 1, .dirfd = 0, .open_flags = 2, .mode = 3}},
      {"openat2", {.path = 1, .dirfd = 0}},
      {"stat", {.path = 0}},
      {"lstat", {.path = 0}},
      {"newfstatat", {.path = 1, .dirfd = 0}},
      {"statx", {.path = 1, .dirfd = 0}},
      {"access", {.path = 0, .mode = 1}},
      {"faccessat", {.path = 1, .dirfd = 0, .mode = 2}},
      {"faccessat2", {.path = 1, .dirfd = 0, .mode = 2}},
      {"execve", {.path = 0}},
      {"execveat", {.path = 1, .dirfd = 0}},
      {"readlink", {.path = 0}},
      {"readlinkat", {.path = 1, .dirfd = 0}},
      {"unlink", {.path = 0}},
      {"unlinkat", {.path = 1, .dirfd = 0}},
      {"mkdir", {.path = 0, .mode = 1}},
      {"mkdirat", {.path = 1, .dirfd = 0, .mode = 2}},
      {"rmdir", {.path = 0}},
      {"chdir", {.path = 0}},
      {"chroot", {.path = 0}},
      {"truncate", {.path = 0}},
      {"chmod", {.path = 0, .mode = 1}},
      {"fchmodat", {.path = 1, .dirfd = 0, .mode = 2}},
      {"chown", {.path = 0}},
      {"lchown", {.path = 0}},
      {"fchownat", {.path = 1, .dirfd = 0}},
      {"utimensat", {.path = 1, .dirfd = 0}},
      {"statfs", {.path = 0}},
      {"rename", {.path = 0, .second_path = 1}},
      {"link", {.path = 0, .second_path = 1}},
      {"symlink", {.path = 0, .second_path = 1}},
      {"renameat", {.path = 1, .second_path = 3, .dirfd = 0, .second_dirfd = 2}},
      {"linkat", {.path = 1, .second_path = 3, .dirfd = 0, .second_dirfd = 2}},
      {"symlinkat", {.path = 0, .second_path = 2, .dirfd = 1}},
      {"inotify_add_watch", {.path = 1}},
  };
  return kLayouts;
}

}  // namespace

ArgumentDecoder FileArgumentDecoder(const std::string& name, int index) {
  auto it = Layouts().find(name);
  if (it == Layouts().end()) return nullptr;
  const Layout& layout = it->second;
  if (index == layout.path || index == layout.second_path) return Path;
  if (index == layout.dirfd || index == layout.second_dirfd) return DirectoryFd;
  if (index == layout.open_flags) return OpenFlags;
  if (index == layout.mode) return Octal;
  return nullptr;
}

}  // namespace memwrap
