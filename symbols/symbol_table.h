// A module's ELF symbols sorted by address: "which function is this address in?" answered by a
// binary search, with the answer dwfl_module_addrinfo gives.
//
// Why not dwfl_module_addrinfo itself: it reads the whole symbol table for every address it is
// asked about (elfutils 0.188 keeps no sorted copy). On a big binary whose .symtab was stripped
// (GCC's cc1plus: 31,000 .dynsym entries) that is ~20 us per frame, and it was most of a
// report's time.
//
// The rules are libdwfl's (__libdwfl_addrsym in libdwfl/dwfl_module_addrsym.c), not a cleaner
// set of our own, so that names stay what they were:
//  - Only named symbols that are defined (st_shndx != SHN_UNDEF), at or below the address, and
//    not STT_SECTION / STT_FILE / STT_TLS are candidates.
//  - The global symbols (STB_GLOBAL, STB_WEAK, ...: the table's entries from sh_info on) are
//    searched first; the local ones only when no sized global symbol contains the address
//    (and no global label sits exactly at it). So a global function wins over a local symbol
//    nested inside it.
//  - Among sized symbols containing the address, in table order, a symbol replaces the one
//    kept so far when it starts higher, or binds more strongly (GLOBAL > WEAK > LOCAL > the
//    rest); at the same start, a smaller one of no weaker binding replaces it too.
//  - When no sized symbol contains the address, the nearest preceding size-0 symbol (an
//    assembly label) is taken, if it lies in the same section as the address and no sized
//    symbol at or below the address ends after it; among labels at that address, the last
//    in table order.
#pragma once

#include <stdint.h>

#include <functional>
#include <vector>

namespace memwrap {

// One candidate symbol, as libdwfl reports it (dwfl_module_getsym_info).
struct ElfSymbol {
  uint64_t value = 0;     // address in the module's address space (libdwfl's, bias applied)
  uint64_t size = 0;      // st_size; 0 for labels of hand-written assembly
  const char* name = "";  // not owned: points into the ELF file's string table
  int binding_rank = 0;   // libdwfl's binding_value: GLOBAL 3, WEAK 2, LOCAL 1, others 0
  // Sizeless symbols only: the section `value` lies in (0: none), as the same `section_of`
  // given to Find reports it; and whether the symbol's shndx is special (SHN_ABS, or a
  // section that is not allocated), which libdwfl lets match only its exact address.
  uint32_t section = 0;
  bool exact_match_only = false;
};

class SymbolTable {
 public:
  SymbolTable() = default;
  // `globals` and `locals` in symbol table order (for libdwfl, a table without section
  // headers has no locals part: pass them all as globals).
  SymbolTable(const std::vector<ElfSymbol>& globals, const std::vector<ElfSymbol>& locals);

  // The name of the symbol `address` is in, or nullptr. `section_of(address)` gives the
  // section an address lies in (0: none); it is called only when the answer is a sizeless
  // symbol.
  const char* Find(uint64_t address, const std::function<uint32_t(uint64_t)>& section_of) const;

  size_t size() const { return size_; }

 private:
  // One of the two searches (globals, then locals).
  class Part {
   public:
    explicit Part(const std::vector<ElfSymbol>& symbols);
    // The sized symbol that contains `address`, chosen as libdwfl chooses; nullptr if none.
    const ElfSymbol* Containing(uint64_t address) const;
    // The highest end of a sized symbol that starts at or below `address` (0 if none).
    uint64_t HighestEndFrom(uint64_t address) const;
    // The labels (sizeless symbols) at the highest value at or below `address`, in table
    // order; empty if none.
    std::vector<const ElfSymbol*> NearestLabels(uint64_t address) const;

   private:
    struct Entry {
      ElfSymbol symbol;
      uint32_t order;  // position in the symbol table: ties are decided in table order
    };
    std::vector<Entry> sized_;       // by value, then order
    std::vector<uint64_t> max_end_;  // max_end_[i]: highest value + size of sized_[0..i]
    std::vector<Entry> labels_;      // sizeless, by value, then order
  };

  Part globals_{{}};
  Part locals_{{}};
  bool has_locals_ = false;
  size_t size_ = 0;
};

}  // namespace memwrap
