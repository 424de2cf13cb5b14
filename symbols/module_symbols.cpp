#include "symbols/module_symbols.h"

#include <vector>

namespace memwrap {
namespace {

// The allocated section of the module's main ELF file that `address` lies in, numbered as
// libdwfl numbers it (0: none); libdwfl decides "same section" with this very lookup.
uint32_t SectionOf(Dwfl_Module* module, uint64_t address) {
  Dwarf_Addr within = address;
  Dwarf_Addr bias = 0;
  Elf_Scn* section = dwfl_module_address_section(module, &within, &bias);
  return section != nullptr ? uint32_t(elf_ndxscn(section)) : 0;
}

int BindingRank(const GElf_Sym& sym) {
  switch (GELF_ST_BIND(sym.st_info)) {
    case STB_GLOBAL:
      return 3;
    case STB_WEAK:
      return 2;
    case STB_LOCAL:
      return 1;
    default:
      return 0;  // STB_GNU_UNIQUE too, as libdwfl ranks it
  }
}

// Symbols [begin, end) of the module's table that dwfl_module_addrinfo would consider.
// Function descriptors (ppc64 ELFv1), for which libdwfl also tries a second address per
// symbol, are not handled: x86-64 and AArch64 have none.
std::vector<ElfSymbol> Candidates(Dwfl_Module* module, int begin, int end) {
  std::vector<ElfSymbol> candidates;
  for (int i = begin; i < end; ++i) {
    GElf_Sym sym;
    GElf_Addr value = 0;
    GElf_Word shndx = 0;
    const char* name = dwfl_module_getsym_info(module, i, &sym, &value, &shndx, nullptr, nullptr);
    if (name == nullptr || name[0] == '\0' || sym.st_shndx == SHN_UNDEF) continue;
    const int type = GELF_ST_TYPE(sym.st_info);
    if (type == STT_SECTION || type == STT_FILE || type == STT_TLS) continue;
    ElfSymbol candidate;
    candidate.value = value;
    candidate.size = sym.st_size;
    candidate.name = name;
    candidate.binding_rank = BindingRank(sym);
    if (sym.st_size == 0) {
      // shndx is -1 for a symbol in a section that is not allocated.
      candidate.exact_match_only = shndx >= SHN_LORESERVE;
      if (!candidate.exact_match_only) candidate.section = SectionOf(module, value);
    }
    candidates.push_back(candidate);
  }
  return candidates;
}

SymbolTable Read(Dwfl_Module* module) {
  if (module == nullptr) return {};
  const int count = dwfl_module_getsymtab(module);
  const int first_global = dwfl_module_getsymtab_first_global(module);
  if (count < 0 || first_global < 0) return {};
  // Index 0 is the null symbol. first_global is 0 for a .dynsym found without section
  // headers: libdwfl then searches the whole table as globals.
  const int globals_begin = first_global == 0 ? 1 : first_global;
  return SymbolTable(
      Candidates(module, globals_begin, count),
      first_global > 1 ? Candidates(module, 1, first_global) : std::vector<ElfSymbol>{});
}

}  // namespace

ModuleSymbols::ModuleSymbols(Dwfl_Module* module) : module_(module), table_(Read(module)) {}

const char* ModuleSymbols::NameAt(uint64_t address) const {
  return table_.Find(address, [this](uint64_t a) { return SectionOf(module_, a); });
}

}  // namespace memwrap
