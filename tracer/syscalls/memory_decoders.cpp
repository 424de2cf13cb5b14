// The memory system calls (strace's mem.c): protections, mapping flags, mremap flags, madvise
// advice; addresses in hex, lengths in decimal, results that are addresses in hex.
#include <sys/mman.h>

#include <algorithm>
#include <map>
#include <string>

#include "tracer/syscalls/syscall_decoder.h"

namespace memwrap {
namespace {

std::string Protection(uint64_t value) {
  static const FlagName kNames[] = {
      {PROT_READ, "PROT_READ"}, {PROT_WRITE, "PROT_WRITE"},         {PROT_EXEC, "PROT_EXEC"},
      {0x8, "PROT_SEM"},        {PROT_GROWSDOWN, "PROT_GROWSDOWN"}, {PROT_GROWSUP, "PROT_GROWSUP"}};
  return FormatFlags(value & 0xffffffffu, kNames, "PROT_NONE");
}

std::string MapFlags(uint64_t value) {
  value &= 0xffffffffu;
  const uint64_t type = value & MAP_TYPE;
  std::string text = type == MAP_SHARED            ? "MAP_SHARED"
                     : type == MAP_PRIVATE         ? "MAP_PRIVATE"
                     : type == MAP_SHARED_VALIDATE ? "MAP_SHARED_VALIDATE"
                                                   : FormatHex(type) + " /* MAP_??? */";
  static const FlagName kNames[] = {{MAP_FIXED, "MAP_FIXED"},
                                    {MAP_ANONYMOUS, "MAP_ANONYMOUS"},
                                    {MAP_32BIT, "MAP_32BIT"},
                                    {MAP_NORESERVE, "MAP_NORESERVE"},
                                    {MAP_POPULATE, "MAP_POPULATE"},
                                    {MAP_NONBLOCK, "MAP_NONBLOCK"},
                                    {MAP_GROWSDOWN, "MAP_GROWSDOWN"},
                                    {MAP_DENYWRITE, "MAP_DENYWRITE"},
                                    {MAP_EXECUTABLE, "MAP_EXECUTABLE"},
                                    {MAP_LOCKED, "MAP_LOCKED"},
                                    {MAP_STACK, "MAP_STACK"},
                                    {MAP_HUGETLB, "MAP_HUGETLB"},
                                    {MAP_SYNC, "MAP_SYNC"},
                                    {0x4000000, "MAP_UNINITIALIZED"},
                                    {MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"}};
  // MAP_HUGETLB's size bits (26..31): MAP_HUGE_2MB and the like.
  const uint64_t huge = value >> 26;
  const uint64_t rest = value & ~uint64_t(MAP_TYPE) & ((1ull << 26) - 1);
  if (rest != 0) text += "|" + FormatFlags(rest, kNames, "0");
  if (huge != 0) text += "|" + std::to_string(huge) + "<<MAP_HUGE_SHIFT";
  return text;
}

std::string MremapFlags(uint64_t value) {
  static const FlagName kNames[] = {
      {MREMAP_MAYMOVE, "MREMAP_MAYMOVE"}, {MREMAP_FIXED, "MREMAP_FIXED"}, {4, "MREMAP_DONTUNMAP"}};
  return FormatFlags(value & 0xffffffffu, kNames, "0");
}

std::string Advice(uint64_t value) {
  static const FlagName kNames[] = {{MADV_NORMAL, "MADV_NORMAL"},
                                    {MADV_RANDOM, "MADV_RANDOM"},
                                    {MADV_SEQUENTIAL, "MADV_SEQUENTIAL"},
                                    {MADV_WILLNEED, "MADV_WILLNEED"},
                                    {MADV_DONTNEED, "MADV_DONTNEED"},
                                    {MADV_FREE, "MADV_FREE"},
                                    {MADV_REMOVE, "MADV_REMOVE"},
                                    {MADV_DONTFORK, "MADV_DONTFORK"},
                                    {MADV_DOFORK, "MADV_DOFORK"},
                                    {MADV_MERGEABLE, "MADV_MERGEABLE"},
                                    {MADV_UNMERGEABLE, "MADV_UNMERGEABLE"},
                                    {MADV_HUGEPAGE, "MADV_HUGEPAGE"},
                                    {MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE"},
                                    {MADV_DONTDUMP, "MADV_DONTDUMP"},
                                    {MADV_DODUMP, "MADV_DODUMP"},
                                    {MADV_WIPEONFORK, "MADV_WIPEONFORK"},
                                    {MADV_KEEPONFORK, "MADV_KEEPONFORK"},
                                    {MADV_COLD, "MADV_COLD"},
                                    {MADV_PAGEOUT, "MADV_PAGEOUT"},
                                    {22, "MADV_POPULATE_READ"},
                                    {23, "MADV_POPULATE_WRITE"},
                                    {24, "MADV_DONTNEED_LOCKED"},
                                    {100, "MADV_HWPOISON"},
                                    {101, "MADV_SOFT_OFFLINE"}};
  return FormatValue(value & 0xffffffffu, kNames, "MADV_");
}

constexpr NamedDecoder kMemoryDecoders[] = {
    {"mmap",
     [](Call& c) {
       c.Pointer(0);
       c.Ulong(1);
       c.Arg(Protection(c.arg(2)));
       c.Arg(MapFlags(c.arg(3)));
       c.Fd(4);
       c.Hex(5);
       c.SetResultFormat(ResultFormat::kHex);
     }},
    {"mprotect",
     [](Call& c) {
       c.Pointer(0);
       c.Ulong(1);
       c.Arg(Protection(c.arg(2)));
     }},
    {"pkey_mprotect",
     [](Call& c) {
       c.Pointer(0);
       c.Ulong(1);
       c.Arg(Protection(c.arg(2)));
       c.Int(3);
     }},
    {"munmap",
     [](Call& c) {
       c.Pointer(0);
       c.Ulong(1);
     }},
    {"msync",
     [](Call& c) {
       static const FlagName kNames[] = {
           {MS_ASYNC, "MS_ASYNC"}, {MS_INVALIDATE, "MS_INVALIDATE"}, {MS_SYNC, "MS_SYNC"}};
       c.Pointer(0);
       c.Ulong(1);
       c.Arg(FormatFlags(c.arg(2) & 0xffffffffu, kNames, "0"));
     }},
    {"mlock",
     [](Call& c) {
       c.Pointer(0);
       c.Ulong(1);
     }},
    {"munlock",
     [](Call& c) {
       c.Pointer(0);
       c.Ulong(1);
     }},
    {"mlock2",
     [](Call& c) {
       static const FlagName kNames[] = {{1, "MLOCK_ONFAULT"}};
       c.Pointer(0);
       c.Ulong(1);
       c.Arg(FormatFlags(c.arg(2) & 0xffffffffu, kNames, "0"));
     }},
    {"mlockall",
     [](Call& c) {
       static const FlagName kNames[] = {
           {MCL_CURRENT, "MCL_CURRENT"}, {MCL_FUTURE, "MCL_FUTURE"}, {4, "MCL_ONFAULT"}};
       c.Arg(FormatFlags(c.arg(0) & 0xffffffffu, kNames, "0"));
     }},
    {"brk",
     [](Call& c) {
       c.Pointer(0);
       c.SetResultFormat(ResultFormat::kHex);
     }},
    {"madvise",
     [](Call& c) {
       c.Pointer(0);
       c.Ulong(1);
       c.Arg(Advice(c.arg(2)));
     }},
    {"mremap",
     [](Call& c) {
       c.Pointer(0);
       c.Ulong(1);
       c.Ulong(2);
       c.Arg(MremapFlags(c.arg(3)));
       if (c.arg(3) & (MREMAP_FIXED | 4)) c.Pointer(4);
       c.SetResultFormat(ResultFormat::kHex);
     }},
    {"mincore",
     [](Call& c) {
       if (c.entering()) {
         c.Pointer(0);
         c.Ulong(1);
         c.DecodeAtExit();
         return;
       }
       c.Pointer(2);
     }},
    {"shmat",
     [](Call& c) {
       static const FlagName kNames[] = {{010000, "SHM_RDONLY"},
                                         {020000, "SHM_RND"},
                                         {040000, "SHM_REMAP"},
                                         {0100000, "SHM_EXEC"}};
       c.Int(0);
       c.Pointer(1);
       c.Arg(FormatFlags(c.arg(2) & 0xffffffffu, kNames, "0"));
       c.SetResultFormat(ResultFormat::kHex);
     }},
    {"shmdt", [](Call& c) { c.Pointer(0); }},
};

const std::map<std::string, SyscallDecoderFn>& Decoders() {
  static const std::map<std::string, SyscallDecoderFn> kDecoders =
      DecodersByName({kMemoryDecoders});
  return kDecoders;
}

}  // namespace

SyscallDecoderFn MemoryDecoder(const std::string& name) {
  auto it = Decoders().find(name);
  return it == Decoders().end() ? nullptr : it->second;
}

}  // namespace memwrap
