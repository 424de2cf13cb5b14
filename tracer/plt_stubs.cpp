#include "tracer/plt_stubs.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include <map>

namespace memwrap {
namespace {

// The GOT slot a stub's `jmp *disp32(%rip)` (ff 25, after an optional endbr64 and bnd
// prefix) reads, or 0 when the stub is not that. x86_64 stubs are 16 bytes:
//   .plt:     ff 25 disp32 | 68 index | e9 rel32            (lazy: the slot points at the push)
//   .plt.sec: f3 0f 1e fa | f2 ff 25 disp32 | nop padding  (IBT; the .plt entry does the push)
uint64_t JumpSlot(const uint8_t* code, size_t size, uint64_t address) {
  size_t at = 0;
  if (size >= 4 && memcmp(code, "\xf3\x0f\x1e\xfa", 4) == 0) at = 4;  // endbr64
  if (at < size && code[at] == 0xf2) ++at;                            // bnd
  if (at + 6 > size || code[at] != 0xff || code[at + 1] != 0x25) return 0;
  int32_t displacement;
  memcpy(&displacement, code + at + 2, 4);
  return address + at + 6 + int64_t(displacement);
}

}  // namespace

std::string ReadPltStubs(const std::string& path, PltStubs* out) {
  *out = PltStubs{};
  elf_version(EV_CURRENT);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string("cannot open: ") + strerror(errno);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  std::string error;
  GElf_Ehdr header;
  size_t section_names = 0;
  if (elf == nullptr || elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &header) == nullptr ||
      elf_getshdrstrndx(elf, &section_names) != 0) {
    error = "not an ELF file";
  } else if (header.e_machine != EM_X86_64 || gelf_getclass(elf) != ELFCLASS64) {
    error = "not an x86_64 program";
  }
  Elf_Scn* relocations = nullptr;
  Elf_Scn* plt = nullptr;
  Elf_Scn* plt_sec = nullptr;
  Elf_Scn* dynamic = nullptr;
  for (Elf_Scn* section = nullptr; error.empty() && (section = elf_nextscn(elf, section));) {
    GElf_Shdr shdr;
    if (gelf_getshdr(section, &shdr) == nullptr) continue;
    const char* name = elf_strptr(elf, section_names, shdr.sh_name);
    if (name == nullptr) continue;
    if (strcmp(name, ".rela.plt") == 0 && shdr.sh_type == SHT_RELA) relocations = section;
    if (strcmp(name, ".plt") == 0) plt = section;
    if (strcmp(name, ".plt.sec") == 0) plt_sec = section;
    if (shdr.sh_type == SHT_DYNAMIC) dynamic = section;
  }
  if (error.empty() && (relocations == nullptr || plt == nullptr)) {
    error = "no PLT (a static program, or one that calls no library function through a PLT)";
  }
  if (error.empty()) {
    out->entry = header.e_entry;
    // The function each GOT slot is for, from the JUMP_SLOT relocations.
    std::map<uint64_t, std::string> slot_names;
    GElf_Shdr rela_header;
    gelf_getshdr(relocations, &rela_header);
    Elf_Scn* symbols = elf_getscn(elf, rela_header.sh_link);
    GElf_Shdr symbols_header;
    Elf_Data* rela_data = elf_getdata(relocations, nullptr);
    Elf_Data* symbol_data = symbols != nullptr ? elf_getdata(symbols, nullptr) : nullptr;
    if (rela_data != nullptr && symbol_data != nullptr &&
        gelf_getshdr(symbols, &symbols_header) != nullptr) {
      const size_t count =
          rela_header.sh_entsize ? rela_header.sh_size / rela_header.sh_entsize : 0;
      for (size_t i = 0; i < count; ++i) {
        GElf_Rela rela;
        GElf_Sym symbol;
        if (gelf_getrela(rela_data, int(i), &rela) == nullptr) continue;
        if (GELF_R_TYPE(rela.r_info) != R_X86_64_JUMP_SLOT) continue;  // IRELATIVE: no name
        if (gelf_getsym(symbol_data, int(GELF_R_SYM(rela.r_info)), &symbol) == nullptr) continue;
        const char* name = elf_strptr(elf, symbols_header.sh_link, symbol.st_name);
        if (name != nullptr && name[0] != '\0') slot_names[rela.r_offset] = name;
      }
    }
    // Each stub: .plt.sec's when there is one (the .plt entries are then only reached through
    // the slots of functions not yet bound), else .plt's after PLT0.
    Elf_Scn* stubs = plt_sec != nullptr ? plt_sec : plt;
    GElf_Shdr stubs_header;
    Elf_Data* code = elf_getdata(stubs, nullptr);
    if (gelf_getshdr(stubs, &stubs_header) != nullptr && code != nullptr &&
        code->d_buf != nullptr) {
      constexpr size_t kStubSize = 16;
      const size_t first = stubs == plt ? 1 : 0;
      for (size_t i = first; (i + 1) * kStubSize <= code->d_size; ++i) {
        const uint64_t address = stubs_header.sh_addr + i * kStubSize;
        const uint64_t slot =
            JumpSlot(static_cast<const uint8_t*>(code->d_buf) + i * kStubSize, kStubSize, address);
        auto named = slot_names.find(slot);
        if (slot == 0 || named == slot_names.end()) continue;
        out->stubs.push_back({address, slot, named->second});
      }
    }
    // DT_SONAME, for the filter's library patterns (an executable rarely has one).
    Elf_Data* dynamic_data = dynamic != nullptr ? elf_getdata(dynamic, nullptr) : nullptr;
    GElf_Shdr dynamic_header;
    if (dynamic_data != nullptr && gelf_getshdr(dynamic, &dynamic_header) != nullptr) {
      GElf_Dyn entry;
      for (int i = 0; gelf_getdyn(dynamic_data, i, &entry) != nullptr; ++i) {
        if (entry.d_tag == DT_NULL) break;
        if (entry.d_tag != DT_SONAME) continue;
        const char* name = elf_strptr(elf, dynamic_header.sh_link, entry.d_un.d_val);
        if (name != nullptr) out->soname = name;
      }
    }
  }
  if (elf != nullptr) elf_end(elf);
  close(fd);
  return error;
}

}  // namespace memwrap
