// Arguments of the memory system calls (strace's mem.c): protections, mapping flags, mremap
// flags, madvise advice.
#include <sys/mman.h>

#include <string>

#include "syscalls/syscall_decoder.h"

namespace memwrap {
namespace {

std::string Protection(pid_t, const uint64_t args[6], int index) {
  static const FlagName kNames[] = {{PROT_READ, "PROT_READ"}, {PROT_WRITE, "PROT_WRITE"},
                                    {PROT_EXEC, "PROT_EXEC"}, {PROT_GROWSDOWN, "PROT_GROWSDOWN"},
                                    {PROT_GROWSUP, "PROT_GROWSUP"}};
  return FormatFlags(args[index], kNames, std::size(kNames), "PROT_NONE");
}

std::string MapFlags(pid_t, const uint64_t args[6], int index) {
  const uint64_t type = args[index] & MAP_TYPE;
  std::string text = type == MAP_SHARED ? "MAP_SHARED"
                     : type == MAP_PRIVATE ? "MAP_PRIVATE"
                     : type == MAP_SHARED_VALIDATE ? "MAP_SHARED_VALIDATE"
                     : FormatHex(type);
  static const FlagName kNames[] = {
      {MAP_FIXED, "MAP_FIXED"},         {MAP_ANONYMOUS, "MAP_ANONYMOUS"},
      {MAP_GROWSDOWN, "MAP_GROWSDOWN"}, {MAP_DENYWRITE, "MAP_DENYWRITE"},
      {MAP_EXECUTABLE, "MAP_EXECUTABLE"}, {MAP_LOCKED, "MAP_LOCKED"},
      {MAP_NORESERVE, "MAP_NORESERVE"}, {MAP_POPULATE, "MAP_POPULATE"},
      {MAP_NONBLOCK, "MAP_NONBLOCK"},   {MAP_STACK, "MAP_STACK"},
      {MAP_HUGETLB, "MAP_HUGETLB"},     {MAP_SYNC, "MAP_SYNC"},
      {MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"}};
  const uint64_t rest = args[index] & ~uint64_t(MAP_TYPE);
  if (rest != 0) text += "|" + FormatFlags(rest, kNames, std::size(kNames), "0");
  return text;
}

std::string MremapFlags(pid_t, const uint64_t args[6], int index) {
  static const FlagName kNames[] = {{MREMAP_MAYMOVE, "MREMAP_MAYMOVE"},
                                    {MREMAP_FIXED, "MREMAP_FIXED"},
                                    {4 /* MREMAP_DONTUNMAP */, "MREMAP_DONTUNMAP"}};
  return FormatFlags(args[index], kNames, std::size(kNames), "0");
}

std::string Advice(pid_t, const uint64_t args[6], int index) {
  static const std::pair<uint64_t, const char*> kNames[] = {
      {MADV_NORMAL, "MADV_NORMAL"},       {MADV_RANDOM, "MADV_RANDOM"},
      {MADV_SEQUENTIAL, "MADV_SEQUENTIAL"}, {MADV_WILLNEED, "MADV_WILLNEED"},
      {MADV_DONTNEED, "MADV_DONTNEED"},   {MADV_FREE, "MADV_FREE"},
      {MADV_REMOVE, "MADV_REMOVE"},       {MADV_DONTFORK, "MADV_DONTFORK"},
      {MADV_DOFORK, "MADV_DOFORK"},       {MADV_MERGEABLE, "MADV_MERGEABLE"},
      {MADV_UNMERGEABLE, "MADV_UNMERGEABLE"}, {MADV_HUGEPAGE, "MADV_HUGEPAGE"},
      {MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE"}, {MADV_DONTDUMP, "MADV_DONTDUMP"},
      {MADV_DODUMP, "MADV_DODUMP"},       {MADV_WIPEONFORK, "MADV_WIPEONFORK"},
      {MADV_KEEPONFORK, "MADV_KEEPONFORK"}, {MADV_COLD, "MADV_COLD"},
      {MADV_PAGEOUT, "MADV_PAGEOUT"}};
  for (const auto& [value, name] : kNames) {
    if (args[index] == value) return name;
  }
  return FormatNumber(args[index]);
}

std::string Address(pid_t, const uint64_t args[6], int index) {
  return args[index] == 0 ? "NULL" : FormatHex(args[index]);
}

std::string Offset(pid_t, const uint64_t args[6], int index) { return FormatHex(args[index]); }

std::string Length(pid_t, const uint64_t args[6], int index) {
  return std::to_string(args[index]);
}

}  // namespace

ArgumentDecoder MemoryArgumentDecoder(const std::string& name, int index) {
  if (name == "mmap") {
    static const ArgumentDecoder kMmap[] = {Address, Length, Protection, MapFlags, nullptr,
                                            Offset};
    return kMmap[index];
  }
  if (name == "mprotect" || name == "pkey_mprotect") {
    return index == 0 ? Address : index == 1 ? Length : index == 2 ? Protection : nullptr;
  }
  if (name == "munmap" || name == "msync" || name == "mlock" || name == "munlock") {
    return index == 0 ? Address : index == 1 ? Length : nullptr;
  }
  if (name == "brk") return Address;
  if (name == "madvise") return index == 0 ? Address : index == 1 ? Length : Advice;
  if (name == "mremap") {
    return index == 0 || index == 4 ? Address : index == 3 ? MremapFlags : Length;
  }
  return nullptr;
}

}  // namespace memwrap
