#include "fileio/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <utility>

namespace memwrap {
namespace {

// A character device or a FIFO at the path (-o /dev/null, a named pipe a reader waits on) is
// where the user wants the bytes to go, not a file to replace: written in place.
bool IsAStream(const struct stat& st) {
  return S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode);
}

// Why an existing `st` may not be replaced or appended to; "" when it may.
std::string RefusalFor(const struct stat& st) {
  if (S_ISLNK(st.st_mode)) return "it is a symbolic link (refused)";
  if (S_ISDIR(st.st_mode)) return "it is a directory";
  if (!S_ISREG(st.st_mode)) return "it is not a regular file (refused)";
  // Root would otherwise replace what a user left in a sticky /tmp; a user cannot anyway.
  if (st.st_uid != geteuid()) {
    return "it belongs to another user (uid " + std::to_string(st.st_uid) + "; refused)";
  }
  return "";
}

// "" when nothing is at `path` or what is there may be replaced.
std::string CheckReplaceable(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return errno == ENOENT ? "" : strerror(errno);
  return RefusalFor(st);
}

// A name beside `path` nobody can guess ahead (O_EXCL makes a guess harmless anyway; the
// randomness keeps concurrent writers from queueing on one name).
std::string AsideName(const std::string& path) {
  static constexpr char kLetters[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char random[8] = {};
  if (getrandom(random, sizeof(random), 0) != ssize_t(sizeof(random))) {
    // Only before the kernel's pool is ready at boot: the pid and clock still differ between
    // writers, and O_EXCL keeps a collision safe.
    const uint64_t mix = uint64_t(getpid()) * 0x9e3779b97f4a7c15ull ^ uint64_t(clock());
    memcpy(random, &mix, sizeof(random));
  }
  std::string name = path + ".partial-";
  for (unsigned char c : random) name += kLetters[c % (sizeof(kLetters) - 1)];
  return name;
}

}  // namespace

OutputFile::~OutputFile() {
  if (fd_ >= 0) Commit();
}

OutputFile::OutputFile(OutputFile&& other) noexcept {
  *this = std::move(other);
}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) Commit();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    aside_ = std::move(other.aside_);
    created_ = other.created_;
    dev_ = other.dev_;
    ino_ = other.ino_;
  }
  return *this;
}

std::string OutputFile::Open(const std::string& path, ExistingFile existing, mode_t mode,
                             bool readable) {
  if (fd_ >= 0) Commit();
  path_ = path;
  aside_.clear();
  created_ = false;
  if (path.empty()) return "no file name given";
  const int access = (readable ? O_RDWR : O_WRONLY) | O_CLOEXEC | O_NOFOLLOW;
  switch (existing) {
    case ExistingFile::kRefuse:
      fd_ = open(path.c_str(), access | O_CREAT | O_EXCL, mode);
      if (fd_ < 0) {
        const int err = errno;
        struct stat st {};
        if (err == EEXIST && lstat(path.c_str(), &st) == 0) {
          if (S_ISLNK(st.st_mode)) return "it is a symbolic link (refused)";
          if (S_ISDIR(st.st_mode)) return "it is a directory";
          return "the file exists (use --force to replace it)";
        }
        return strerror(err);
      }
      created_ = true;
      break;
    case ExistingFile::kReplace: {
      struct stat st {};
      if (lstat(path.c_str(), &st) == 0 && IsAStream(st)) {
        fd_ = open(path.c_str(), access);
        if (fd_ < 0) return strerror(errno);
        break;
      }
      // Refused now, before anything runs, and checked again at Commit().
      if (std::string refusal = CheckReplaceable(path); !refusal.empty()) return refusal;
      for (int tries = 0; fd_ < 0; ++tries) {
        aside_ = AsideName(path);
        fd_ = open(aside_.c_str(), access | O_CREAT | O_EXCL, mode);
        if (fd_ < 0 && (errno != EEXIST || tries == 100)) {
          const int err = errno;
          aside_.clear();
          return strerror(err);
        }
      }
      created_ = true;
      break;
    }
    case ExistingFile::kAppend:
      fd_ = open(path.c_str(), access | O_CREAT | O_EXCL, mode);
      created_ = fd_ >= 0;
      if (fd_ < 0 && errno == EEXIST) {
        // O_NONBLOCK: a FIFO without a reader must not hang the open (it fails with ENXIO).
        fd_ = open(path.c_str(), access | O_NONBLOCK);
      }
      if (fd_ < 0) {
        const int err = errno;
        return err == ELOOP ? "it is a symbolic link (refused)" : strerror(err);
      }
      if (!created_) {
        struct stat st {};
        std::string refusal = fstat(fd_, &st) != 0 ? strerror(errno)
                              : IsAStream(st)      ? ""
                                                   : RefusalFor(st);
        if (refusal.empty()) refusal = fcntl(fd_, F_SETFL, 0) == 0 ? "" : strerror(errno);
        if (!refusal.empty()) {
          Close();
          return refusal;
        }
      }
      break;
  }
  struct stat st {};
  if (fstat(fd_, &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  return "";
}

void OutputFile::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

std::string OutputFile::Commit() {
  Close();
  if (aside_.empty()) return "";
  std::string error = CheckReplaceable(path_);
  if (error.empty() && rename(aside_.c_str(), path_.c_str()) != 0) error = strerror(errno);
  if (error.empty()) aside_.clear();
  return error;
}

void OutputFile::Discard() {
  Close();
  if (!aside_.empty()) {
    unlink(aside_.c_str());
    aside_.clear();
  } else if (created_) {
    // Only the file this created: another writer may have renamed its own over the path since.
    struct stat st {};
    if (lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
      unlink(path_.c_str());
    }
  }
  created_ = false;
}

std::string WriteWholeFile(const std::string& path, const std::string& data, mode_t mode) {
  OutputFile file;
  if (std::string error = file.Open(path, ExistingFile::kReplace, mode); !error.empty()) {
    return error;
  }
  return WriteAllAndCommit(&file, data);
}

std::string WriteAllAndCommit(OutputFile* file, const std::string& data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = write(file->fd(), p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      file->Discard();
      return strerror(err);
    }
    p += n;
    left -= size_t(n);
  }
  return file->Commit();
}

}  // namespace memwrap
