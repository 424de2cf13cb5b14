// SymbolTable: libdwfl's rules for "which symbol is this address in", on made-up tables.
// module_symbols_test checks the same rules on real ELF files against libdwfl itself.
#include "symbols/symbol_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace memwrap {
namespace {

constexpr int kGlobal = 3, kWeak = 2, kLocal = 1;

ElfSymbol Sized(const char* name, uint64_t value, uint64_t size, int binding = kGlobal) {
  ElfSymbol symbol;
  symbol.name = name;
  symbol.value = value;
  symbol.size = size;
  symbol.binding_rank = binding;
  return symbol;
}

ElfSymbol Label(const char* name, uint64_t value, uint32_t section = 1, int binding = kGlobal) {
  ElfSymbol symbol = Sized(name, value, 0, binding);
  symbol.section = section;
  return symbol;
}

// Every address lies in section 1 unless it is at or above 0x10000 (section 2).
uint32_t TwoSections(uint64_t address) {
  return address >= 0x10000 ? 2 : 1;
}

std::string Find(const SymbolTable& table, uint64_t address) {
  const char* name = table.Find(address, TwoSections);
  return name != nullptr ? name : "(none)";
}

TEST(SymbolTable, FindsTheSymbolContainingTheAddress) {
  SymbolTable table({Sized("c", 0x300, 0x10), Sized("a", 0x100, 0x80), Sized("b", 0x200, 0x40)},
                    {});
  EXPECT_EQ(Find(table, 0x100), "a");
  EXPECT_EQ(Find(table, 0x17f), "a");
  EXPECT_EQ(Find(table, 0x200), "b");
  EXPECT_EQ(Find(table, 0x23f), "b");
  EXPECT_EQ(Find(table, 0x30f), "c");
  EXPECT_EQ(Find(table, 0x180), "(none)") << "between a and b";
  EXPECT_EQ(Find(table, 0xff), "(none)") << "below the first symbol";
  EXPECT_EQ(Find(table, 0x310), "(none)") << "past the last symbol";
  EXPECT_EQ(Find(table, UINT64_MAX), "(none)");
  EXPECT_EQ(table.size(), 3u);
}

TEST(SymbolTable, EmptyTableFindsNothing) {
  SymbolTable table;
  EXPECT_EQ(Find(table, 0), "(none)");
  EXPECT_EQ(Find(table, 0x1234), "(none)");
}

TEST(SymbolTable, GlobalBeatsWeakBeatsLocalAliasInAnyOrder) {
  // Aliases in the globals part, in both orders.
  for (bool global_first : {true, false}) {
    std::vector<ElfSymbol> globals = {Sized("weak", 0x100, 0x40, kWeak),
                                      Sized("global", 0x100, 0x40, kGlobal)};
    if (global_first) std::swap(globals[0], globals[1]);
    SymbolTable table(globals, {Sized("local", 0x100, 0x40, kLocal)});
    EXPECT_EQ(Find(table, 0x120), "global") << global_first;
  }
}

TEST(SymbolTable, FirstOfEqualAliasesWins) {
  SymbolTable table({Sized("first", 0x100, 0x40), Sized("second", 0x100, 0x40)}, {});
  EXPECT_EQ(Find(table, 0x120), "first");
}

TEST(SymbolTable, AtTheSameStartTheNarrowerSymbolWins) {
  SymbolTable table({Sized("wide", 0x100, 0x40), Sized("narrow", 0x100, 0x10)}, {});
  EXPECT_EQ(Find(table, 0x108), "narrow");
  EXPECT_EQ(Find(table, 0x110), "wide") << "past the narrow one";
  // A narrower symbol of weaker binding does not replace a global one.
  SymbolTable weak({Sized("wide", 0x100, 0x40), Sized("narrow", 0x100, 0x10, kWeak)}, {});
  EXPECT_EQ(Find(weak, 0x108), "wide");
}

TEST(SymbolTable, NestedSymbolStartingHigherWins) {
  SymbolTable table({Sized("outer", 0x100, 0x100), Sized("inner", 0x180, 0x10)}, {});
  EXPECT_EQ(Find(table, 0x184), "inner");
  EXPECT_EQ(Find(table, 0x190), "outer");
  EXPECT_EQ(Find(table, 0x1ff), "outer");
}

TEST(SymbolTable, LocalsAreSearchedOnlyWhenNoGlobalContainsTheAddress) {
  SymbolTable table({Sized("outer", 0x100, 0x100)}, {Sized("nested_local", 0x180, 0x10, kLocal),
                                                     Sized("lone_local", 0x300, 0x10, kLocal)});
  EXPECT_EQ(Find(table, 0x184), "outer") << "libdwfl returns the global, not the closer local";
  EXPECT_EQ(Find(table, 0x304), "lone_local");
}

TEST(SymbolTable, LabelIsTheNearestPrecedingSizelessSymbol) {
  SymbolTable table({Label("far", 0x100), Label("near", 0x200), Sized("sized", 0x80, 0x20)}, {});
  EXPECT_EQ(Find(table, 0x200), "near");
  EXPECT_EQ(Find(table, 0x5000), "near") << "no end: every address above it";
  EXPECT_EQ(Find(table, 0x1ff), "far");
  EXPECT_EQ(Find(table, 0x90), "sized") << "a sized symbol containing it comes first";
  EXPECT_EQ(Find(table, 0xa0), "(none)") << "past sized, below every label";
}

TEST(SymbolTable, LabelBelowTheEndOfASizedSymbolIsNotTaken) {
  // "jump" is a label inside "function"; past the function's end nothing is known.
  SymbolTable table({Sized("function", 0x100, 0x80), Label("jump", 0x140)}, {});
  EXPECT_EQ(Find(table, 0x150), "function");
  EXPECT_EQ(Find(table, 0x180), "(none)");
  EXPECT_EQ(Find(table, 0x1000), "(none)");
  // A sized local symbol excludes a global label the same way once the locals are searched.
  SymbolTable local_end({Label("label", 0x100)}, {Sized("local", 0x100, 0x80, kLocal)});
  EXPECT_EQ(Find(local_end, 0x140), "local");
  EXPECT_EQ(Find(local_end, 0x180), "(none)");
}

TEST(SymbolTable, LabelInAnotherSectionIsNotTaken) {
  SymbolTable table({Label("in_one", 0xff00, 1)}, {});
  EXPECT_EQ(Find(table, 0xff80), "in_one");
  EXPECT_EQ(Find(table, 0x10000), "(none)") << "the address is in section 2";
}

TEST(SymbolTable, LabelOfASpecialSectionMatchesOnlyItsAddress) {
  ElfSymbol absolute = Label("absolute", 0x100);
  absolute.exact_match_only = true;
  SymbolTable table({absolute}, {});
  EXPECT_EQ(Find(table, 0x100), "absolute");
  EXPECT_EQ(Find(table, 0x101), "(none)");
}

TEST(SymbolTable, OfLabelsAtOneAddressTheLastInTableOrderWins) {
  SymbolTable globals({Label("first", 0x100), Label("second", 0x100)}, {});
  EXPECT_EQ(Find(globals, 0x140), "second");
  // The locals come after the globals in table order...
  SymbolTable mixed({Label("global", 0x100)}, {Label("local", 0x100, 1, kLocal)});
  EXPECT_EQ(Find(mixed, 0x140), "local");
  // ...but are not searched at all when a global label is exactly at the address.
  EXPECT_EQ(Find(mixed, 0x100), "global");
  // Of two labels at the nearest address, one in another section: the other.
  SymbolTable sections({Label("here", 0x100, 1), Label("elsewhere", 0x100, 2)}, {});
  EXPECT_EQ(Find(sections, 0x140), "here");
}

TEST(SymbolTable, HugeSizeDoesNotWrapAround) {
  SymbolTable table({Sized("huge", 0x100, UINT64_MAX), Sized("small", 0x200, 0x10)}, {});
  EXPECT_EQ(Find(table, 0x300), "huge");
  EXPECT_EQ(Find(table, 0x204), "small");
}

}  // namespace
}  // namespace memwrap
