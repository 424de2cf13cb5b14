// The file system calls (strace's open.c, stat.c, read_write.c, fcntl.c, ...): paths read from
// the tracee, descriptors, open flags (a mode only with O_CREAT or O_TMPFILE), AT_* flags,
// access modes, SEEK_*, buffers cut at -s, struct stat / statx in strace's abbreviated form.
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <termios.h>

#include <algorithm>
#include <map>
#include <string>

#include "text/quoted_bytes.h"
#include "tracer/syscalls/syscall_decoder.h"

namespace memwrap {
namespace {

// Kernel values (glibc's O_LARGEFILE is 0 on x86_64, its O_TMPFILE includes O_DIRECTORY).
constexpr uint64_t kOLargefile = 0100000;
constexpr uint64_t kOTmpfileBit = 020000000;

const FlagName kOpenFlags[] = {
    {O_CREAT, "O_CREAT"},          {O_EXCL, "O_EXCL"},       {O_NOCTTY, "O_NOCTTY"},
    {O_TRUNC, "O_TRUNC"},          {O_APPEND, "O_APPEND"},   {O_NONBLOCK, "O_NONBLOCK"},
    {04010000, "O_SYNC"},          {010000, "O_DSYNC"},      {040000, "O_DIRECT"},
    {kOLargefile, "O_LARGEFILE"},  {0400000, "O_NOFOLLOW"},  {01000000, "O_NOATIME"},
    {02000000, "O_CLOEXEC"},       {010000000, "O_PATH"},    {kOTmpfileBit | 0200000, "O_TMPFILE"},
    {kOTmpfileBit, "__O_TMPFILE"}, {0200000, "O_DIRECTORY"}, {020000, "O_ASYNC"}};

std::string OpenFlags(uint64_t value) {
  const uint64_t mode = value & O_ACCMODE;
  std::string text = mode == O_RDONLY   ? "O_RDONLY"
                     : mode == O_WRONLY ? "O_WRONLY"
                     : mode == O_RDWR   ? "O_RDWR"
                                        : "O_ACCMODE";
  const uint64_t rest = value & ~uint64_t(O_ACCMODE) & 0xffffffffu;
  if (rest != 0) text += "|" + FormatFlags(rest, kOpenFlags, "0");
  return text;
}

std::string Mode(uint64_t value) {
  char text[32];
  snprintf(text, sizeof(text), "%#03llo", static_cast<unsigned long long>(value & 0xffffffffu));
  return text;
}

const FlagName kAtFlags[] = {{AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"},
                             {AT_REMOVEDIR, "AT_REMOVEDIR"},
                             {AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"},
                             {AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"},
                             {AT_EMPTY_PATH, "AT_EMPTY_PATH"},
                             {0x8000, "AT_RECURSIVE"}};
std::string AtFlags(uint64_t value) {
  return FormatFlags(value & 0xffffffffu, kAtFlags, "0");
}

std::string AccessMode(uint64_t value) {
  static const FlagName kNames[] = {{R_OK, "R_OK"}, {W_OK, "W_OK"}, {X_OK, "X_OK"}};
  return FormatFlags(value & 0xffffffffu, kNames, "F_OK");
}

// st_mode: S_IFREG|S_ISUID|0755
std::string SymbolicMode(uint32_t mode) {
  static const FlagName kTypes[] = {
      {S_IFREG, "S_IFREG"}, {S_IFDIR, "S_IFDIR"}, {S_IFCHR, "S_IFCHR"},  {S_IFBLK, "S_IFBLK"},
      {S_IFIFO, "S_IFIFO"}, {S_IFLNK, "S_IFLNK"}, {S_IFSOCK, "S_IFSOCK"}};
  std::string text;
  const uint32_t type = mode & S_IFMT;
  if (type != 0) {
    text = FormatValue(type, kTypes, nullptr);
    text += "|";
  }
  if (mode & S_ISUID) text += "S_ISUID|";
  if (mode & S_ISGID) text += "S_ISGID|";
  if (mode & S_ISVTX) text += "S_ISVTX|";
  char perm[16];
  snprintf(perm, sizeof(perm), "%#03o", mode & 0777);
  return text + perm;
}

std::string Makedev(uint64_t dev) {
  char text[64];
  snprintf(text, sizeof(text), "makedev(%#x, %#x)", major(dev), minor(dev));
  return text;
}

// An output struct stat at argument i, abbreviated as strace prints it.
void StatOut(Call& call, int i) {
  struct stat st {};
  if (call.failed() || call.arg(i) == 0 || !ReadMemory(call.tid(), call.arg(i), &st, sizeof(st))) {
    call.Pointer(i);
    return;
  }
  std::string text = "{st_mode=" + SymbolicMode(st.st_mode) + ", ";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    text += "st_rdev=" + Makedev(st.st_rdev);
  } else {
    text += "st_size=" + std::to_string(st.st_size);
  }
  call.Arg(text + ", ...}");
}

const FlagName kStatxMasks[] = {
    {0xfff, "STATX_ALL"},      {0x7ff, "STATX_BASIC_STATS"}, {0x1, "STATX_TYPE"},
    {0x2, "STATX_MODE"},       {0x4, "STATX_NLINK"},         {0x8, "STATX_UID"},
    {0x10, "STATX_GID"},       {0x20, "STATX_ATIME"},        {0x40, "STATX_MTIME"},
    {0x80, "STATX_CTIME"},     {0x100, "STATX_INO"},         {0x200, "STATX_SIZE"},
    {0x400, "STATX_BLOCKS"},   {0x800, "STATX_BTIME"},       {0x1000, "STATX_MNT_ID"},
    {0x2000, "STATX_DIOALIGN"}};

std::string StatxFlags(uint64_t value) {
  const uint64_t sync = value & 0x6000;
  std::string text = sync == 0        ? "AT_STATX_SYNC_AS_STAT"
                     : sync == 0x2000 ? "AT_STATX_FORCE_SYNC"
                     : sync == 0x4000 ? "AT_STATX_DONT_SYNC"
                                      : "AT_STATX_SYNC_TYPE";
  const uint64_t rest = value & ~uint64_t(0x6000) & 0xffffffffu;
  if (rest != 0) text += "|" + AtFlags(rest);
  return text;
}

void StatxOut(Call& call, int i) {
  struct statx st {};
  if (call.failed() || call.arg(i) == 0 || !ReadMemory(call.tid(), call.arg(i), &st, sizeof(st))) {
    call.Pointer(i);
    return;
  }
  static const FlagName kAttributes[] = {
      {0x4, "STATX_ATTR_COMPRESSED"},    {0x10, "STATX_ATTR_IMMUTABLE"},
      {0x20, "STATX_ATTR_APPEND"},       {0x40, "STATX_ATTR_NODUMP"},
      {0x800, "STATX_ATTR_ENCRYPTED"},   {0x1000, "STATX_ATTR_AUTOMOUNT"},
      {0x2000, "STATX_ATTR_MOUNT_ROOT"}, {0x100000, "STATX_ATTR_VERITY"},
      {0x200000, "STATX_ATTR_DAX"}};
  call.Arg("{stx_mask=" + FormatFlags(st.stx_mask, kStatxMasks, "0") +
           ", stx_attributes=" + FormatFlags(st.stx_attributes, kAttributes, "0") + ", stx_mode=" +
           SymbolicMode(st.stx_mode) + ", stx_size=" + std::to_string(st.stx_size) + ", ...}");
}

// An array of iovecs holding `total` bytes (-1: each in full), as strace prints readv/writev.
void Iovecs(Call& call, int i, int count_index, int64_t total) {
  const uint64_t count = call.arg(count_index);
  if (call.arg(i) == 0) {
    call.Arg("NULL");
    return;
  }
  std::string text = "[";
  for (uint64_t k = 0; k < count && k < 1024; ++k) {
    iovec vec{};
    if (!ReadMemory(call.tid(), call.arg(i) + k * sizeof(iovec), &vec, sizeof(vec))) break;
    if (k >= call.options().string_limit) {
      text += ", ...";
      break;
    }
    uint64_t shown = vec.iov_len;
    if (total >= 0) shown = std::min<uint64_t>(shown, uint64_t(total));
    const size_t limit = size_t(std::min<uint64_t>(shown, call.options().string_limit));
    std::string bytes(limit, '\0');
    std::string base =
        ReadMemory(call.tid(), uint64_t(uintptr_t(vec.iov_base)), bytes.data(), limit)
            ? "\"" + QuoteBytes(bytes, QuoteStyle::kStrace) + "\"" + (shown > limit ? "..." : "")
            : FormatAddress(uint64_t(uintptr_t(vec.iov_base)));
    if (total >= 0) total -= int64_t(shown);
    text += (k > 0 ? ", " : "") + std::string("{iov_base=") + base +
            ", iov_len=" + std::to_string(vec.iov_len) + "}";
  }
  call.Arg(text + "]");
}

// Output iovecs at argument i holding the result's bytes (the address when it failed).
void IovecsOut(Call& call, int i, int count_index) {
  if (call.failed()) {
    call.Pointer(i);
  } else {
    Iovecs(call, i, count_index, call.result());
  }
}

std::string Whence(uint64_t value) {
  static const FlagName kNames[] = {{SEEK_SET, "SEEK_SET"},
                                    {SEEK_CUR, "SEEK_CUR"},
                                    {SEEK_END, "SEEK_END"},
                                    {SEEK_DATA, "SEEK_DATA"},
                                    {SEEK_HOLE, "SEEK_HOLE"}};
  return FormatValue(value, kNames, "SEEK_");
}

// An int pair written at exit ([3, 4]) -- pipe, socketpair.
void FdPairOut(Call& call, int i) {
  int fds[2];
  if (call.failed() || !ReadMemory(call.tid(), call.arg(i), fds, sizeof(fds))) {
    call.Pointer(i);
    return;
  }
  call.Arg("[" + FormatFd(call.tid(), fds[0], call.options().fd_paths) + ", " +
           FormatFd(call.tid(), fds[1], call.options().fd_paths) + "]");
}

std::string FcntlCommand(uint64_t cmd) {
  static const FlagName kNames[] = {
      {F_DUPFD, "F_DUPFD"},   {F_GETFD, "F_GETFD"},   {F_SETFD, "F_SETFD"},
      {F_GETFL, "F_GETFL"},   {F_SETFL, "F_SETFL"},   {F_GETLK, "F_GETLK"},
      {F_SETLK, "F_SETLK"},   {F_SETLKW, "F_SETLKW"}, {F_SETOWN, "F_SETOWN"},
      {F_GETOWN, "F_GETOWN"}, {F_SETSIG, "F_SETSIG"}, {F_GETSIG, "F_GETSIG"},
      {15, "F_SETOWN_EX"},    {16, "F_GETOWN_EX"},    {36, "F_OFD_GETLK"},
      {37, "F_OFD_SETLK"},    {38, "F_OFD_SETLKW"},   {1024, "F_SETLEASE"},
      {1025, "F_GETLEASE"},   {1026, "F_NOTIFY"},     {1030, "F_DUPFD_CLOEXEC"},
      {1031, "F_SETPIPE_SZ"}, {1032, "F_GETPIPE_SZ"}, {1033, "F_ADD_SEALS"},
      {1034, "F_GET_SEALS"}};
  return FormatValue(cmd & 0xffffffffu, kNames, "F_");
}

void Fcntl(Call& call) {
  const int cmd = call.int_arg(1);
  if (call.entering()) {
    call.Fd(0);
    call.Arg(FcntlCommand(uint64_t(uint32_t(cmd))));
    switch (cmd) {
      case F_SETFD:
        call.Arg(call.arg(2) == FD_CLOEXEC ? "FD_CLOEXEC" : FormatHex(call.arg(2)));
        break;
      case F_SETFL:
        call.Arg(OpenFlags(call.arg(2)));
        break;
      case F_DUPFD:
      case 1030:
        call.Int(2);
        call.SetResultFormat(ResultFormat::kFd);
        break;
      case F_GETFD:
      case F_GETFL:
      case F_GETOWN:
      case F_GETSIG:
      case 1025:
      case 1032:
      case 1034:
        if (cmd == F_GETFD || cmd == F_GETFL) call.ResultAtExit();
        break;
      case F_GETLK:
      case F_SETLK:
      case F_SETLKW:
      case 36:
      case 37:
      case 38:
        call.Pointer(2);
        break;
      default:
        call.Long(2);
        break;
    }
    return;
  }
  if (call.failed()) return;
  const uint64_t value = uint64_t(call.result());
  if (cmd == F_GETFD) {
    if (value != 0) {
      call.SetResultFormat(ResultFormat::kHex);
      call.state().aux =
          std::string(" (flags ") + (value == FD_CLOEXEC ? "FD_CLOEXEC" : FormatHex(value)) + ")";
    }
  } else {
    call.SetResultFormat(ResultFormat::kHex);
    call.state().aux = " (flags " + OpenFlags(value) + ")";
  }
}

std::string IoctlRequest(uint64_t request) {
  static const FlagName kNames[] = {
      {TCGETS, "TCGETS"},         {TCSETS, "TCSETS"},         {TCSETSW, "TCSETSW"},
      {TCSETSF, "TCSETSF"},       {TIOCGWINSZ, "TIOCGWINSZ"}, {TIOCSWINSZ, "TIOCSWINSZ"},
      {FIONREAD, "FIONREAD"},     {TIOCGPGRP, "TIOCGPGRP"},   {TIOCSPGRP, "TIOCSPGRP"},
      {FIONBIO, "FIONBIO"},       {FIOCLEX, "FIOCLEX"},       {FIONCLEX, "FIONCLEX"},
      {TIOCSCTTY, "TIOCSCTTY"},   {TIOCNOTTY, "TIOCNOTTY"},   {TIOCGPTN, "TIOCGPTN"},
      {TIOCSPTLCK, "TIOCSPTLCK"}, {TCFLSH, "TCFLSH"},         {TIOCGSID, "TIOCGSID"},
      {FIOASYNC, "FIOASYNC"},     {TCXONC, "TCXONC"},         {TIOCINQ, "FIONREAD"}};
  return FormatValue(request & 0xffffffffu, kNames, "_IOC_");
}

void Ioctl(Call& call) {
  const uint32_t request = uint32_t(call.arg(1));
  if (call.entering()) {
    call.Fd(0);
    call.Arg(IoctlRequest(request));
    if (request == FIOCLEX || request == FIONCLEX || request == TIOCNOTTY) return;
    if (request == TIOCSWINSZ || request == TCSETS || request == TCSETSW || request == TCSETSF ||
        request == TIOCSPGRP || request == FIONBIO || request == TCFLSH || request == TCXONC) {
      if (request == TCFLSH || request == TCXONC) {
        call.Long(2);
      } else if (request == TIOCSPGRP || request == FIONBIO) {
        int value = 0;
        call.Arg(ReadMemory(call.tid(), call.arg(2), &value, sizeof(value))
                     ? "[" + std::to_string(value) + "]"
                     : FormatAddress(call.arg(2)));
      } else {
        call.Pointer(2);
      }
      return;
    }
    call.DecodeAtExit();
    return;
  }
  if (call.failed()) {
    call.Pointer(2);
    return;
  }
  if (request == TIOCGWINSZ) {
    winsize ws{};
    if (ReadMemory(call.tid(), call.arg(2), &ws, sizeof(ws))) {
      call.Arg("{ws_row=" + std::to_string(ws.ws_row) + ", ws_col=" + std::to_string(ws.ws_col) +
               ", ws_xpixel=" + std::to_string(ws.ws_xpixel) +
               ", ws_ypixel=" + std::to_string(ws.ws_ypixel) + "}");
      return;
    }
  } else if (request == FIONREAD || request == TIOCGPGRP || request == TIOCGPTN ||
             request == TIOCGSID) {
    int value = 0;
    if (ReadMemory(call.tid(), call.arg(2), &value, sizeof(value))) {
      call.Arg("[" + std::to_string(value) + "]");
      return;
    }
  } else if (request == TCGETS) {
    termios t{};
    if (ReadMemory(call.tid(), call.arg(2), &t, 36)) {  // the kernel's struct termios
      static const FlagName kSpeeds[] = {
          {B0, "B0"},         {B9600, "B9600"},     {B19200, "B19200"},  {B38400, "B38400"},
          {B57600, "B57600"}, {B115200, "B115200"}, {B230400, "B230400"}};
      std::string text = "{" + FormatValue(t.c_cflag & CBAUD, kSpeeds, nullptr);
      if (t.c_oflag & OPOST) text += " opost";
      if (t.c_lflag & ISIG) text += " isig";
      if (t.c_lflag & ICANON) text += " icanon";
      if (t.c_lflag & ECHO) text += " echo";
      call.Arg(text + " ...}");
      return;
    }
  }
  call.Pointer(2);
}

void Getdents(Call& call) {
  if (call.entering()) {
    call.Fd(0);
    call.DecodeAtExit();
    return;
  }
  if (call.failed()) {
    call.Pointer(1);
  } else {
    // Count the records (each starts with ino, off, reclen: u16 at offset 16).
    int entries = 0;
    const uint64_t size = uint64_t(call.result());
    for (uint64_t at = 0; at + 18 <= size && entries < 100000; ++entries) {
      uint16_t reclen = 0;
      if (!ReadMemory(call.tid(), call.arg(1) + at + 16, &reclen, sizeof(reclen)) || reclen == 0)
        break;
      at += reclen;
    }
    call.Arg(FormatHex(call.arg(1)) + " /* " + std::to_string(entries) + " entries */");
  }
  call.Unsigned(2);
}

std::string StatfsType(uint64_t type) {
  static const FlagName kNames[] = {
      {0x01021994, "TMPFS_MAGIC"},           {0xef53, "EXT2_SUPER_MAGIC"},
      {0x9fa0, "PROC_SUPER_MAGIC"},          {0x62656572, "SYSFS_MAGIC"},
      {0x794c7630, "OVERLAYFS_SUPER_MAGIC"}, {0x9123683e, "BTRFS_SUPER_MAGIC"},
      {0x58465342, "XFS_SUPER_MAGIC"},       {0x27e0eb, "CGROUP_SUPER_MAGIC"},
      {0x63677270, "CGROUP2_SUPER_MAGIC"},   {0x1cd1, "DEVPTS_SUPER_MAGIC"},
      {0x858458f6, "RAMFS_MAGIC"},           {0x6969, "NFS_SUPER_MAGIC"},
      {0x65735546, "FUSE_SUPER_MAGIC"},      {0x73717368, "SQUASHFS_MAGIC"}};
  return FormatValue(type, kNames, nullptr);
}

void StatfsOut(Call& call, int i) {
  struct statfs st {};
  if (call.failed() || !ReadMemory(call.tid(), call.arg(i), &st, sizeof(st))) {
    call.Pointer(i);
    return;
  }
  static const FlagName kFlags[] = {
      {ST_RDONLY, "ST_RDONLY"},   {ST_NOSUID, "ST_NOSUID"},           {ST_NODEV, "ST_NODEV"},
      {ST_NOEXEC, "ST_NOEXEC"},   {ST_SYNCHRONOUS, "ST_SYNCHRONOUS"}, {ST_MANDLOCK, "ST_MANDLOCK"},
      {ST_NOATIME, "ST_NOATIME"}, {ST_NODIRATIME, "ST_NODIRATIME"},   {ST_RELATIME, "ST_RELATIME"},
      {0x20, "ST_VALID"}};
  int fsid[2];
  memcpy(fsid, &st.f_fsid, sizeof(fsid));
  char fsid_text[64];
  snprintf(fsid_text, sizeof(fsid_text), "{val=[%#x, %#x]}", unsigned(fsid[0]), unsigned(fsid[1]));
  call.Arg("{f_type=" + StatfsType(uint64_t(st.f_type)) +
           ", f_bsize=" + std::to_string(st.f_bsize) + ", f_blocks=" + std::to_string(st.f_blocks) +
           ", f_bfree=" + std::to_string(st.f_bfree) + ", f_bavail=" + std::to_string(st.f_bavail) +
           ", f_files=" + std::to_string(st.f_files) + ", f_ffree=" + std::to_string(st.f_ffree) +
           ", f_fsid=" + fsid_text + ", f_namelen=" + std::to_string(st.f_namelen) +
           ", f_frsize=" + std::to_string(st.f_frsize) +
           ", f_flags=" + FormatFlags(uint64_t(st.f_flags), kFlags, "0") + "}");
}

std::string Fadvice(uint64_t value) {
  static const FlagName kNames[] = {{0, "POSIX_FADV_NORMAL"},     {1, "POSIX_FADV_RANDOM"},
                                    {2, "POSIX_FADV_SEQUENTIAL"}, {3, "POSIX_FADV_WILLNEED"},
                                    {4, "POSIX_FADV_DONTNEED"},   {5, "POSIX_FADV_NOREUSE"}};
  return FormatValue(value, kNames, "POSIX_FADV_");
}

std::string PollEvents(uint64_t value) {
  static const FlagName kNames[] = {
      {POLLIN, "POLLIN"},         {POLLPRI, "POLLPRI"},       {POLLOUT, "POLLOUT"},
      {POLLRDNORM, "POLLRDNORM"}, {POLLRDBAND, "POLLRDBAND"}, {POLLWRNORM, "POLLWRNORM"},
      {POLLWRBAND, "POLLWRBAND"}, {POLLMSG, "POLLMSG"},       {POLLERR, "POLLERR"},
      {POLLHUP, "POLLHUP"},       {POLLNVAL, "POLLNVAL"},     {0x2000, "POLLRDHUP"}};
  return FormatFlags(value, kNames, "0");
}

void Poll(Call& call) {
  const uint64_t count = call.arg(1);
  auto fds = [&](bool returned) {
    std::string text = "[";
    bool first = true;
    for (uint64_t k = 0; k < count && k < 1024; ++k) {
      pollfd p{};
      if (!ReadMemory(call.tid(), call.arg(0) + k * sizeof(p), &p, sizeof(p))) break;
      if (returned && p.revents == 0) continue;
      text += (first ? "" : ", ") + std::string("{fd=") + std::to_string(p.fd) +
              (returned ? ", revents=" + PollEvents(uint16_t(p.revents))
                        : ", events=" + PollEvents(uint16_t(p.events))) +
              "}";
      first = false;
    }
    return text + "]";
  };
  if (call.entering()) {
    call.Arg(call.arg(0) == 0 ? "NULL" : fds(false));
    call.Unsigned(1);
    call.Int(2);
    call.ResultAtExit();
    return;
  }
  if (!call.failed() && call.result() > 0) call.state().aux = " (" + fds(true) + ")";
  if (call.result() == 0) call.state().aux = " (Timeout)";
}

std::string XattrFlags(uint64_t value) {
  static const FlagName kNames[] = {{1, "XATTR_CREATE"}, {2, "XATTR_REPLACE"}};
  return FormatFlags(value & 0xffffffffu, kNames, "0");
}

std::string Timespecs(pid_t tid, uint64_t address) {
  if (address == 0) return "NULL";
  struct timespec ts[2];
  if (!ReadMemory(tid, address, ts, sizeof(ts))) return FormatHex(address);
  auto one = [](const timespec& t) -> std::string {
    if (t.tv_nsec == UTIME_NOW) return "UTIME_NOW";
    if (t.tv_nsec == UTIME_OMIT) return "UTIME_OMIT";
    return "{tv_sec=" + std::to_string(t.tv_sec) + ", tv_nsec=" + std::to_string(t.tv_nsec) + "}";
  };
  return "[" + one(ts[0]) + ", " + one(ts[1]) + "]";
}

void OpenLike(Call& call, int first) {
  if (first == 1) call.DirFd(0);
  call.Path(first);
  call.Arg(OpenFlags(call.arg(first + 1)));
  if (call.arg(first + 1) & (O_CREAT | kOTmpfileBit)) call.Arg(Mode(call.arg(first + 2)));
  call.SetResultFormat(ResultFormat::kFd);
}

// Opening, reading and writing.
constexpr NamedDecoder kOpenReadWriteDecoders[] = {
    {"open", [](Call& c) { OpenLike(c, 0); }},
    {"openat", [](Call& c) { OpenLike(c, 1); }},
    {"creat",
     [](Call& c) {
       c.Path(0);
       c.Arg(Mode(c.arg(1)));
       c.SetResultFormat(ResultFormat::kFd);
     }},
    {"openat2",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       struct {
         uint64_t flags, mode, resolve;
       } how{};
       if (c.arg(3) >= sizeof(how) && ReadMemory(c.tid(), c.arg(2), &how, sizeof(how))) {
         c.Arg("{flags=" + OpenFlags(how.flags) + ", mode=" + Mode(how.mode) +
               ", resolve=" + FormatHex(how.resolve) + "}");
       } else {
         c.Pointer(2);
       }
       c.Ulong(3);
       c.SetResultFormat(ResultFormat::kFd);
     }},
    {"close", [](Call& c) { c.Fd(0); }},
    {"read",
     [](Call& c) {
       if (EnterWithFd(c)) return;
       c.BufferOut(1);
       c.Ulong(2);
     }},
    {"write",
     [](Call& c) {
       c.Fd(0);
       c.Buffer(1, c.arg(2));
       c.Ulong(2);
     }},
    {"pread64",
     [](Call& c) {
       if (EnterWithFd(c)) return;
       c.BufferOut(1);
       c.Ulong(2);
       c.Long(3);
     }},
    {"pwrite64",
     [](Call& c) {
       c.Fd(0);
       c.Buffer(1, c.arg(2));
       c.Ulong(2);
       c.Long(3);
     }},
    {"readv",
     [](Call& c) {
       if (EnterWithFd(c)) return;
       IovecsOut(c, 1, 2);
       c.Ulong(2);
     }},
    {"writev",
     [](Call& c) {
       c.Fd(0);
       Iovecs(c, 1, 2, -1);
       c.Ulong(2);
     }},
    {"preadv",
     [](Call& c) {
       if (EnterWithFd(c)) return;
       IovecsOut(c, 1, 2);
       c.Ulong(2);
       c.Long(3);
     }},
    {"pwritev",
     [](Call& c) {
       c.Fd(0);
       Iovecs(c, 1, 2, -1);
       c.Ulong(2);
       c.Long(3);
     }},
    {"lseek",
     [](Call& c) {
       c.Fd(0);
       c.Long(1);
       c.Arg(Whence(c.arg(2)));
     }},
};

// Files' status and access.
constexpr NamedDecoder kStatDecoders[] = {
    {"stat",
     [](Call& c) {
       if (EnterWithPath(c)) return;
       StatOut(c, 1);
     }},
    {"lstat",
     [](Call& c) {
       if (EnterWithPath(c)) return;
       StatOut(c, 1);
     }},
    {"fstat",
     [](Call& c) {
       if (EnterWithFd(c)) return;
       StatOut(c, 1);
     }},
    {"newfstatat",
     [](Call& c) {
       if (EnterWithDirFdAndPath(c)) return;
       StatOut(c, 2);
       c.Arg(AtFlags(c.arg(3)));
     }},
    {"statx",
     [](Call& c) {
       if (c.entering()) {
         c.DirFd(0);
         c.Path(1);
         c.Arg(StatxFlags(c.arg(2)));
         c.Arg(FormatFlags(c.arg(3) & 0xffffffffu, kStatxMasks, "0"));
         c.DecodeAtExit();
         return;
       }
       StatxOut(c, 4);
     }},
    {"statfs",
     [](Call& c) {
       if (EnterWithPath(c)) return;
       StatfsOut(c, 1);
     }},
    {"fstatfs",
     [](Call& c) {
       if (EnterWithFd(c)) return;
       StatfsOut(c, 1);
     }},
    {"access",
     [](Call& c) {
       c.Path(0);
       c.Arg(AccessMode(c.arg(1)));
     }},
    {"faccessat",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       c.Arg(AccessMode(c.arg(2)));
     }},
    {"faccessat2",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       c.Arg(AccessMode(c.arg(2)));
       c.Arg(AtFlags(c.arg(3)));
     }},
};

// Names and directories: links, removal, creation, modes, owners, renames, times.
constexpr NamedDecoder kPathDecoders[] = {
    {"readlink",
     [](Call& c) {
       if (EnterWithPath(c)) return;
       c.BufferOut(1);
       c.Ulong(2);
     }},
    {"readlinkat",
     [](Call& c) {
       if (EnterWithDirFdAndPath(c)) return;
       c.BufferOut(2);
       c.Ulong(3);
     }},
    {"getcwd",
     [](Call& c) {
       if (EnterWithNothing(c)) return;
       if (c.failed())
         c.Pointer(0);
       else
         c.Path(0);
       c.Ulong(1);
     }},
    {"getdents64", Getdents},
    {"getdents", Getdents},
    {"unlink", [](Call& c) { c.Path(0); }},
    {"rmdir", [](Call& c) { c.Path(0); }},
    {"chdir", [](Call& c) { c.Path(0); }},
    {"chroot", [](Call& c) { c.Path(0); }},
    {"fchdir", [](Call& c) { c.Fd(0); }},
    {"unlinkat",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       c.Arg(AtFlags(c.arg(2)));
     }},
    {"mkdir",
     [](Call& c) {
       c.Path(0);
       c.Arg(Mode(c.arg(1)));
     }},
    {"mkdirat",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       c.Arg(Mode(c.arg(2)));
     }},
    {"mknod",
     [](Call& c) {
       c.Path(0);
       c.Arg(SymbolicMode(uint32_t(c.arg(1))));
     }},
    {"chmod",
     [](Call& c) {
       c.Path(0);
       c.Arg(Mode(c.arg(1)));
     }},
    {"fchmod",
     [](Call& c) {
       c.Fd(0);
       c.Arg(Mode(c.arg(1)));
     }},
    {"fchmodat",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       c.Arg(Mode(c.arg(2)));
     }},
    {"chown",
     [](Call& c) {
       c.Path(0);
       c.Int(1);
       c.Int(2);
     }},
    {"lchown",
     [](Call& c) {
       c.Path(0);
       c.Int(1);
       c.Int(2);
     }},
    {"fchown",
     [](Call& c) {
       c.Fd(0);
       c.Int(1);
       c.Int(2);
     }},
    {"fchownat",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       c.Int(2);
       c.Int(3);
       c.Arg(AtFlags(c.arg(4)));
     }},
    {"truncate",
     [](Call& c) {
       c.Path(0);
       c.Long(1);
     }},
    {"ftruncate",
     [](Call& c) {
       c.Fd(0);
       c.Long(1);
     }},
    {"rename",
     [](Call& c) {
       c.Path(0);
       c.Path(1);
     }},
    {"renameat",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       c.DirFd(2);
       c.Path(3);
     }},
    {"renameat2",
     [](Call& c) {
       static const FlagName kNames[] = {
           {1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"}};
       c.DirFd(0);
       c.Path(1);
       c.DirFd(2);
       c.Path(3);
       c.Arg(FormatFlags(c.arg(4), kNames, "0"));
     }},
    {"link",
     [](Call& c) {
       c.Path(0);
       c.Path(1);
     }},
    {"linkat",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       c.DirFd(2);
       c.Path(3);
       c.Arg(AtFlags(c.arg(4)));
     }},
    {"symlink",
     [](Call& c) {
       c.Path(0);
       c.Path(1);
     }},
    {"symlinkat",
     [](Call& c) {
       c.Path(0);
       c.DirFd(1);
       c.Path(2);
     }},
    {"utimensat",
     [](Call& c) {
       c.DirFd(0);
       c.Path(1);
       c.Arg(Timespecs(c.tid(), c.arg(2)));
       c.Arg(AtFlags(c.arg(3)));
     }},
};

// The creation mask, and descriptors: duplicates, pipes, control, sync, locks, poll.
constexpr NamedDecoder kDescriptorDecoders[] = {
    {"umask",
     [](Call& c) {
       c.Arg(Mode(c.arg(0)));
       c.SetResultFormat(ResultFormat::kOctal);
     }},
    {"dup",
     [](Call& c) {
       c.Fd(0);
       c.SetResultFormat(ResultFormat::kFd);
     }},
    {"dup2",
     [](Call& c) {
       c.Fd(0);
       c.Fd(1);
       c.SetResultFormat(ResultFormat::kFd);
     }},
    {"dup3",
     [](Call& c) {
       c.Fd(0);
       c.Fd(1);
       c.Arg(FormatFlags(c.arg(2) & 0xffffffffu, kOpenFlags, "0"));
       c.SetResultFormat(ResultFormat::kFd);
     }},
    {"pipe",
     [](Call& c) {
       if (EnterWithNothing(c)) return;
       FdPairOut(c, 0);
     }},
    {"pipe2",
     [](Call& c) {
       if (EnterWithNothing(c)) return;
       FdPairOut(c, 0);
       c.Arg(FormatFlags(c.arg(1) & 0xffffffffu, kOpenFlags, "0"));
     }},
    {"fcntl", Fcntl},
    {"ioctl", Ioctl},
    {"fadvise64",
     [](Call& c) {
       c.Fd(0);
       c.Long(1);
       c.Long(2);
       c.Arg(Fadvice(c.arg(3)));
     }},
    {"fsync", [](Call& c) { c.Fd(0); }},
    {"fdatasync", [](Call& c) { c.Fd(0); }},
    {"syncfs", [](Call& c) { c.Fd(0); }},
    {"flock",
     [](Call& c) {
       static const FlagName kNames[] = {
           {LOCK_SH, "LOCK_SH"}, {LOCK_EX, "LOCK_EX"}, {LOCK_NB, "LOCK_NB"}, {LOCK_UN, "LOCK_UN"}};
       c.Fd(0);
       c.Arg(FormatFlags(c.arg(1) & 0xffffffffu, kNames, "0"));
     }},
    {"poll", Poll},
};

// Extended attributes.
constexpr NamedDecoder kXattrDecoders[] = {
    {"getxattr",
     [](Call& c) {
       if (c.entering()) {
         c.Path(0);
         c.String(1);
         c.DecodeAtExit();
         return;
       }
       c.BufferOut(2);
       c.Ulong(3);
     }},
    {"lgetxattr",
     [](Call& c) {
       if (c.entering()) {
         c.Path(0);
         c.String(1);
         c.DecodeAtExit();
         return;
       }
       c.BufferOut(2);
       c.Ulong(3);
     }},
    {"fgetxattr",
     [](Call& c) {
       if (c.entering()) {
         c.Fd(0);
         c.String(1);
         c.DecodeAtExit();
         return;
       }
       c.BufferOut(2);
       c.Ulong(3);
     }},
    {"setxattr",
     [](Call& c) {
       c.Path(0);
       c.String(1);
       c.Buffer(2, c.arg(3));
       c.Ulong(3);
       c.Arg(XattrFlags(c.arg(4)));
     }},
    {"lsetxattr",
     [](Call& c) {
       c.Path(0);
       c.String(1);
       c.Buffer(2, c.arg(3));
       c.Ulong(3);
       c.Arg(XattrFlags(c.arg(4)));
     }},
    {"fsetxattr",
     [](Call& c) {
       c.Fd(0);
       c.String(1);
       c.Buffer(2, c.arg(3));
       c.Ulong(3);
       c.Arg(XattrFlags(c.arg(4)));
     }},
    {"listxattr",
     [](Call& c) {
       if (EnterWithPath(c)) return;
       c.BufferOut(1);
       c.Ulong(2);
     }},
    {"llistxattr",
     [](Call& c) {
       if (EnterWithPath(c)) return;
       c.BufferOut(1);
       c.Ulong(2);
     }},
    {"flistxattr",
     [](Call& c) {
       if (EnterWithFd(c)) return;
       c.BufferOut(1);
       c.Ulong(2);
     }},
    {"removexattr",
     [](Call& c) {
       c.Path(0);
       c.String(1);
     }},
    {"lremovexattr",
     [](Call& c) {
       c.Path(0);
       c.String(1);
     }},
    {"fremovexattr",
     [](Call& c) {
       c.Fd(0);
       c.String(1);
     }},
};

// Copies between descriptors, memory files, inotify.
constexpr NamedDecoder kOtherFileDecoders[] = {
    {"sendfile",
     [](Call& c) {
       if (c.entering()) {
         c.Fd(0);
         c.Fd(1);
         c.DecodeAtExit();
         return;
       }
       int64_t offset = 0;
       c.Arg(c.arg(2) == 0 ? "NULL"
             : ReadMemory(c.tid(), c.arg(2), &offset, sizeof(offset))
                 ? "[" + std::to_string(offset) + "]"
                 : FormatHex(c.arg(2)));
       c.Ulong(3);
     }},
    {"memfd_create",
     [](Call& c) {
       static const FlagName kNames[] = {
           {1, "MFD_CLOEXEC"}, {2, "MFD_ALLOW_SEALING"}, {4, "MFD_HUGETLB"}};
       c.String(0);
       c.Arg(FormatFlags(c.arg(1) & 0xffffffffu, kNames, "0"));
       c.SetResultFormat(ResultFormat::kFd);
     }},
    {"inotify_add_watch",
     [](Call& c) {
       c.Fd(0);
       c.Path(1);
       c.Hex(2);
     }},
};

const std::map<std::string, SyscallDecoderFn>& Decoders() {
  static const std::map<std::string, SyscallDecoderFn> kDecoders =
      DecodersByName({kOpenReadWriteDecoders, kStatDecoders, kPathDecoders, kDescriptorDecoders,
                      kXattrDecoders, kOtherFileDecoders});
  return kDecoders;
}

}  // namespace

SyscallDecoderFn FileDecoder(const std::string& name) {
  auto it = Decoders().find(name);
  return it == Decoders().end() ? nullptr : it->second;
}

}  // namespace memwrap
