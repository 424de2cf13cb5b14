// ModuleSymbols on real ELF files: tests/programs/known_symbols.c (symbols at known offsets;
// MEMWRAP_KNOWN_SYMBOLS_LIBRARY, and its copy stripped to .dynsym:
// MEMWRAP_KNOWN_SYMBOLS_DYNSYM_ONLY), and every library this test process has loaded, whose
// answers must be dwfl_module_addrinfo's.
#include "symbols/module_symbols.h"
#include "tests/test_support.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>

#include <algorithm>
#include <string>
#include <vector>

namespace memwrap {
namespace {

// One ELF file opened with libdwfl as the symbolizer opens it: at load bias 0, so module
// addresses are the file's own virtual addresses.
class OfflineModule {
 public:
  explicit OfflineModule(const std::string& path) {
    dwfl_ = dwfl_begin(&kCallbacks);
    dwfl_report_begin(dwfl_);
    module_ = dwfl_report_elf(dwfl_, "module", path.c_str(), -1, 0, true);
    dwfl_report_end(dwfl_, nullptr, nullptr);
  }
  ~OfflineModule() { dwfl_end(dwfl_); }
  OfflineModule(const OfflineModule&) = delete;
  OfflineModule& operator=(const OfflineModule&) = delete;

  Dwfl_Module* module() const { return module_; }

  // What the symbolizer used to call for every frame without DWARF.
  std::string AddrInfo(uint64_t address) const {
    GElf_Off offset;
    GElf_Sym sym;
    GElf_Word shndx;
    Elf* elf;
    Dwarf_Addr bias;
    const char* name = dwfl_module_addrinfo(module_, address, &offset, &sym, &shndx, &elf, &bias);
    return name != nullptr ? name : "(none)";
  }

 private:
  static inline char* debuginfo_path_ = nullptr;
  static inline const Dwfl_Callbacks kCallbacks = {
      .find_elf = dwfl_build_id_find_elf,
      .find_debuginfo = dwfl_standard_find_debuginfo,
      .section_address = dwfl_offline_section_address,
      .debuginfo_path = &debuginfo_path_,
  };
  Dwfl* dwfl_ = nullptr;
  Dwfl_Module* module_ = nullptr;
};

std::string NameAt(const ModuleSymbols& symbols, uint64_t address) {
  const char* name = symbols.NameAt(address);
  return name != nullptr ? name : "(none)";
}

// Where ks_anchor is in the library's own virtual addresses, asked of the dynamic linker (not
// of libdwfl or of the code under test): its run-time address minus the load bias.
uint64_t AnchorAddress(const char* path) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  EXPECT_NE(handle, nullptr) << dlerror();
  if (handle == nullptr) return 0;
  void* anchor = dlsym(handle, "ks_anchor");
  link_map* map = nullptr;
  EXPECT_EQ(dlinfo(handle, RTLD_DI_LINKMAP, &map), 0);
  uint64_t address = anchor != nullptr && map != nullptr ? uint64_t(anchor) - map->l_addr : 0;
  dlclose(handle);
  return address;
}

struct Expected {
  uint64_t offset;  // from ks_anchor
  const char* with_symtab;
  const char* dynsym_only;
};

// The layout described in tests/programs/known_symbols.c.
const Expected kKnownAnswers[] = {
    {0x000, "ks_anchor", "ks_anchor"},
    {0x00f, "ks_anchor", "ks_anchor"},
    {0x010, "(none)", "(none)"},        // between symbols, no label below
    {0x040, "ks_global", "ks_global"},  // not its weak or local alias
    {0x07f, "ks_global", "ks_global"},
    {0x080, "ks_outer", "ks_outer"},
    {0x0a4, "ks_outer", "ks_outer"},  // the global, not the local nested in it
    {0x0b0, "ks_outer", "ks_outer"},
    {0x100, "ks_narrow", "ks_narrow"},  // same start: the narrower one
    {0x110, "ks_wide", "ks_wide"},
    {0x140, "(none)", "(none)"},
    {0x180, "ks_label", "ks_label"},  // size 0: the nearest preceding label
    {0x1ff, "ks_label", "ks_label"},
    {0x210, "ks_local_only", "ks_label"},  // without .symtab the local is gone
    {0x220, "(none)", "ks_label"},         // ks_local_only ends above the label
    {0x280, "ks_last", "ks_last"},
    {0x29f, "ks_last", "ks_last"},
    {0x2a0, "(none)", "(none)"},  // past the last symbol
    {0x2ff, "(none)", "(none)"},
};

TEST(ModuleSymbols, KnownSymbolsWithSymtab) {
  const uint64_t anchor = AnchorAddress(test_support::BuiltFile("libknown_symbols.so"));
  ASSERT_NE(anchor, 0u);
  OfflineModule file(test_support::BuiltFile("libknown_symbols.so"));
  ASSERT_NE(file.module(), nullptr);
  ModuleSymbols symbols(file.module());
  for (const Expected& e : kKnownAnswers) {
    EXPECT_EQ(NameAt(symbols, anchor + e.offset), e.with_symtab)
        << "offset 0x" << std::hex << e.offset;
  }
}

TEST(ModuleSymbols, KnownSymbolsWithOnlyDynsym) {
  const uint64_t anchor = AnchorAddress(MEMWRAP_KNOWN_SYMBOLS_DYNSYM_ONLY);
  ASSERT_NE(anchor, 0u);
  OfflineModule file(MEMWRAP_KNOWN_SYMBOLS_DYNSYM_ONLY);
  ASSERT_NE(file.module(), nullptr);
  ModuleSymbols symbols(file.module());
  for (const Expected& e : kKnownAnswers) {
    EXPECT_EQ(NameAt(symbols, anchor + e.offset), e.dynsym_only)
        << "offset 0x" << std::hex << e.offset;
  }
}

TEST(ModuleSymbols, NoModuleHasNoSymbols) {
  ModuleSymbols symbols(nullptr);
  EXPECT_EQ(symbols.size(), 0u);
  EXPECT_EQ(symbols.NameAt(0x1000), nullptr);
}

// Addresses worth asking about in `file`: around every symbol's start and end, and a stride
// through each executable section; at most `limit` of them.
std::vector<uint64_t> ProbeAddresses(const OfflineModule& file, size_t limit) {
  std::vector<uint64_t> addresses;
  const int count = dwfl_module_getsymtab(file.module());
  for (int i = 1; i < count && addresses.size() < limit / 2; ++i) {
    GElf_Sym sym;
    GElf_Addr value = 0;
    if (dwfl_module_getsym_info(file.module(), i, &sym, &value, nullptr, nullptr, nullptr) ==
        nullptr) {
      continue;
    }
    for (uint64_t a : {value - 1, value, value + 1, value + sym.st_size - 1, value + sym.st_size})
      addresses.push_back(a);
  }
  GElf_Addr bias = 0;
  Elf* elf = dwfl_module_getelf(file.module(), &bias);
  for (Elf_Scn* scn = nullptr; elf != nullptr && (scn = elf_nextscn(elf, scn)) != nullptr;) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || !(shdr.sh_flags & SHF_EXECINSTR)) continue;
    const uint64_t step = std::max<uint64_t>(1, shdr.sh_size / (limit / 8));
    for (uint64_t a = shdr.sh_addr; a <= shdr.sh_addr + shdr.sh_size; a += step)
      addresses.push_back(a + bias);
  }
  return addresses;
}

void ExpectSameAsLibdwfl(const std::string& path, size_t limit) {
  OfflineModule file(path);
  if (file.module() == nullptr) return;  // not an ELF file libdwfl can read: nothing to compare
  ModuleSymbols symbols(file.module());
  size_t named = 0;
  for (uint64_t address : ProbeAddresses(file, limit)) {
    const std::string want = file.AddrInfo(address);
    EXPECT_EQ(NameAt(symbols, address), want) << path << " at 0x" << std::hex << address;
    named += want != "(none)";
  }
  EXPECT_GT(named, 0u) << path;
}

TEST(ModuleSymbols, SameNamesAsLibdwflOnTheKnownSymbolsLibraries) {
  ExpectSameAsLibdwfl(test_support::BuiltFile("libknown_symbols.so"), 1000000);
  ExpectSameAsLibdwfl(MEMWRAP_KNOWN_SYMBOLS_DYNSYM_ONLY, 1000000);
}

// libc, libstdc++, libdw, this test...: whatever symbol tables this machine has (.symtab in
// the file or in a -dbg/-dbgsym package, or only .dynsym).
TEST(ModuleSymbols, SameNamesAsLibdwflOnLoadedLibraries) {
  std::vector<std::string> paths;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        std::string path = info->dlpi_name;
        if (path.empty()) path = "/proc/self/exe";
        if (path.find('/') != std::string::npos)
          static_cast<std::vector<std::string>*>(data)->push_back(path);
        return 0;
      },
      &paths);
  ASSERT_GE(paths.size(), 2u);
  for (const std::string& path : paths) ExpectSameAsLibdwfl(path, 3000);
}

}  // namespace
}  // namespace memwrap
