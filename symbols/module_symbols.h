// The symbol table libdwfl would search for one module, read once and kept sorted (see
// symbol_table.h): the function names of frames that have no DWARF.
#pragma once

#include <elfutils/libdwfl.h>
#include <stdint.h>

#include "symbols/symbol_table.h"

namespace memwrap {

class ModuleSymbols {
 public:
  // Reads the table libdwfl chose for `module` (nullptr: none): the main file's .symtab, else
  // the separate debug file's, else .dynsym (with the MiniDebugInfo table of .gnu_debugdata
  // when libdwfl has lzma). `module` must outlive this object: names point into its files.
  explicit ModuleSymbols(Dwfl_Module* module);

  // The name dwfl_module_addrinfo(module, address, ...) returns, or nullptr.
  const char* NameAt(uint64_t address) const;

  size_t size() const { return table_.size(); }

 private:
  Dwfl_Module* module_;
  SymbolTable table_;
};

}  // namespace memwrap
