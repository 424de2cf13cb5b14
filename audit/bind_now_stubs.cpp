#include "audit/bind_now_stubs.h"

#include <elf.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace memwrap::audit {
namespace {

constexpr uint64_t kStubBytes = 32;
constexpr uint64_t kStubArea = 256 * 1024;  // 8191 stubs (slot 0 holds the trampoline address)

struct Dynamic {
  uint64_t pltgot = 0, jmprel = 0, pltrelsz = 0, symtab = 0, strtab = 0;
  bool rela = true;
};

// glibc adjusts some dynamic entries by the load bias in place, and not others; a pointer
// below the bias of a relocated object is an unadjusted one.
uint64_t Address(uint64_t value, uint64_t bias) {
  return value >= bias ? value : value + bias;
}

Dynamic ReadDynamic(const link_map* map) {
  Dynamic out;
  if (map->l_ld == nullptr) return out;
  for (const ElfW(Dyn)* d = map->l_ld; d->d_tag != DT_NULL; ++d) {
    switch (d->d_tag) {
      case DT_PLTGOT:
        out.pltgot = Address(d->d_un.d_ptr, map->l_addr);
        break;
      case DT_JMPREL:
        out.jmprel = Address(d->d_un.d_ptr, map->l_addr);
        break;
      case DT_PLTRELSZ:
        out.pltrelsz = d->d_un.d_val;
        break;
      case DT_SYMTAB:
        out.symtab = Address(d->d_un.d_ptr, map->l_addr);
        break;
      case DT_STRTAB:
        out.strtab = Address(d->d_un.d_ptr, map->l_addr);
        break;
      case DT_PLTREL:
        out.rela = d->d_un.d_val == DT_RELA;
        break;
      default:
        break;
    }
  }
  return out;
}

// The audit trampoline, from GOT[2] of an object that was set up for lazy binding (the
// program first: with an auditor that has la_pltenter, glibc binds it lazily even when it was
// linked with -z now).
uint64_t ProfileTrampoline(struct link_map* const* objects, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    if (objects[i] == nullptr) continue;
    const Dynamic dynamic = ReadDynamic(objects[i]);
    if (dynamic.pltgot == 0 || dynamic.jmprel == 0) continue;
    const uint64_t trampoline = reinterpret_cast<const uint64_t*>(dynamic.pltgot)[2];
    if (trampoline != 0) return trampoline;
  }
  return 0;
}

// Index of `caller`'s JUMP_SLOT relocation for `symbol`; -1 if it has none.
int64_t JumpSlotIndex(const link_map* caller, const char* symbol) {
  const Dynamic dynamic = ReadDynamic(caller);
  if (!dynamic.rela || dynamic.jmprel == 0 || dynamic.symtab == 0 || dynamic.strtab == 0) return -1;
  const auto* relocations = reinterpret_cast<const ElfW(Rela)*>(dynamic.jmprel);
  const auto* symbols = reinterpret_cast<const ElfW(Sym)*>(dynamic.symtab);
  const char* strings = reinterpret_cast<const char*>(dynamic.strtab);
  const uint64_t count = dynamic.pltrelsz / sizeof(ElfW(Rela));
  for (uint64_t i = 0; i < count; ++i) {
    if (ELF64_R_TYPE(relocations[i].r_info) != R_X86_64_JUMP_SLOT) continue;
    const ElfW(Sym)& sym = symbols[ELF64_R_SYM(relocations[i].r_info)];
    if (strcmp(strings + sym.st_name, symbol) == 0) return int64_t(i);
  }
  return -1;
}

uint8_t* g_writable = nullptr;  // the stubs, writable view
uint64_t g_executable = 0;      // the same bytes, executable view
uint64_t g_next = kStubBytes;   // slot 0: the trampoline's address

bool MapStubArea() {
  const int fd = int(syscall(SYS_memfd_create, "memwrap-ltrace-stubs", MFD_CLOEXEC));
  if (fd < 0) return false;
  bool ok = ftruncate(fd, off_t(kStubArea)) == 0;
  long writable =
      ok ? syscall(SYS_mmap, nullptr, kStubArea, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : -1;
  long executable =
      ok ? syscall(SYS_mmap, nullptr, kStubArea, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0) : -1;
  close(fd);
  if ((writable < 0 && writable > -4096) || (executable < 0 && executable > -4096) || !ok)
    return false;
  g_writable = reinterpret_cast<uint8_t*>(writable);
  g_executable = uint64_t(executable);
  return true;
}

void Put32(uint8_t* at, int32_t value) {
  memcpy(at, &value, 4);
}

}  // namespace

uint64_t BindNowStub(struct link_map* caller, const char* symbol, struct link_map* const* objects,
                     uint32_t object_count) {
  // Called under the audit library's bind lock: one caller at a time.
  if (caller == nullptr || g_next + kStubBytes > kStubArea) return 0;
  const int64_t index = JumpSlotIndex(caller, symbol);
  if (index < 0 || index > INT32_MAX) return 0;
  if (g_writable == nullptr) {
    const uint64_t trampoline = ProfileTrampoline(objects, object_count);
    if (trampoline == 0 || !MapStubArea()) return 0;
    memcpy(g_writable, &trampoline, 8);
  }
  uint8_t* stub = g_writable + g_next;
  const uint64_t address = g_executable + g_next;
  // endbr64 (a landing pad for indirect branches, a no-op elsewhere)
  stub[0] = 0xf3;
  stub[1] = 0x0f;
  stub[2] = 0x1e;
  stub[3] = 0xfa;
  // push $index                      (as a lazy PLT slot pushes its relocation index)
  stub[4] = 0x68;
  Put32(stub + 5, int32_t(index));
  // push qword [rip + 9]             (the link_map at +24, as PLT0 pushes GOT[1])
  stub[9] = 0xff;
  stub[10] = 0x35;
  Put32(stub + 11, 24 - 15);
  // jmp qword [rip + disp]           (slot 0: the trampoline, as PLT0 jumps to GOT[2])
  stub[15] = 0xff;
  stub[16] = 0x25;
  Put32(stub + 17, -int32_t(g_next + 21));
  memset(stub + 21, 0xcc, 3);  // int3
  memcpy(stub + 24, &caller, 8);
  g_next += kStubBytes;
  return address;
}

}  // namespace memwrap::audit
