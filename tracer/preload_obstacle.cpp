#include "tracer/preload_obstacle.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracefile/unique_fd.h"

namespace memwrap {
namespace {

// Whether an ELF file names a dynamic loader (PT_INTERP); true for anything that is not a
// readable ELF file, so that only a real static binary is reported as one.
bool HasInterpreter(int fd) {
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  if (elf == nullptr) return true;
  bool interpreter = true;
  size_t count = 0;
  if (elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &count) == 0) {
    interpreter = false;
    for (size_t i = 0; i < count; ++i) {
      GElf_Phdr header;
      if (gelf_getphdr(elf, int(i), &header) != nullptr && header.p_type == PT_INTERP) {
        interpreter = true;
      }
    }
  }
  elf_end(elf);
  return interpreter;
}

}  // namespace

std::string PreloadObstacle(const std::string& path) {
  std::string program = path;
  for (int depth = 0; depth < 2; ++depth) {
    UniqueFd fd(open(program.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return "";  // exec will report what is wrong
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) return "";
    if (depth == 0 && (st.st_mode & S_ISUID)) {
      return "it is setuid, and memwrap never preloads into setuid programs";
    }
    if (depth == 0 && (st.st_mode & S_ISGID)) {
      return "it is setgid, and memwrap never preloads into setgid programs";
    }
    char start[256] = {};
    ssize_t n = pread(fd.get(), start, sizeof(start) - 1, 0);
    if (n >= 2 && start[0] == '#' && start[1] == '!') {
      // A script: the kernel runs its interpreter, which is what the shim must enter.
      std::string line(start + 2, size_t(n - 2));
      line = line.substr(0, line.find('\n'));
      size_t begin = line.find_first_not_of(" \t");
      if (begin == std::string::npos) return "";
      program = line.substr(begin, line.find_first_of(" \t", begin) - begin);
      continue;
    }
    if (!HasInterpreter(fd.get())) {
      return depth == 0 ? "it is statically linked (no dynamic loader to preload the shim)"
                        : "its interpreter " + program + " is statically linked";
    }
    return "";
  }
  return "";
}

}  // namespace memwrap
