// The shim's caller table (preload/caller_table.h) on its own: where an address goes, what a
// full neighbourhood does, and that evicting and re-adding loses no count.
#include "preload/caller_table.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

namespace memwrap::shim {
namespace {

struct Table {
  std::unique_ptr<CallerTotalsEntry[]> entries{new CallerTotalsEntry[kCallerTableEntries]{}};
  CallerTotalsEntry* get() { return entries.get(); }
};

// Addresses whose home entry is `home`, found by trying consecutive call-like addresses.
std::vector<uint64_t> AddressesHomedAt(uint32_t home, size_t count) {
  std::vector<uint64_t> found;
  for (uint64_t address = 0x400000; found.size() < count; address += 5) {
    if (CallerTableHome(address) == home) found.push_back(address);
  }
  return found;
}

TEST(CallerTable, AnAddressTakesItsHomeEntryAndFindsItAgain) {
  Table table;
  const uint64_t address = 0x401234;
  CallerTotalsEntry* entry = FindCallerEntry(table.get(), address);
  ASSERT_EQ(entry, &table.get()[CallerTableHome(address)]);
  AddToCallerEntry(entry, address, 100);
  AddToCallerEntry(FindCallerEntry(table.get(), address), address, 200);
  EXPECT_EQ(FindCallerEntry(table.get(), address), entry);
  EXPECT_EQ(entry->address.load(), address);
  EXPECT_EQ(entry->calls.load(), 2u);
  EXPECT_EQ(entry->bytes.load(), 300u);
}

// The hooks' fast path counts only callers that already hold an entry: a caller's first call
// takes the full path, which decides its key (runtime code counts under the program's frame).
TEST(CallerTable, TheFastPathFindsOnlyCallersThatHoldAnEntry) {
  Table table;
  const std::vector<uint64_t> addresses = AddressesHomedAt(9, 3);
  EXPECT_EQ(HeldCallerEntry(table.get(), addresses[0]), nullptr);
  AddToCallerEntry(FindCallerEntry(table.get(), addresses[0]), addresses[0], 10);
  AddToCallerEntry(FindCallerEntry(table.get(), addresses[1]), addresses[1], 10);
  EXPECT_EQ(HeldCallerEntry(table.get(), addresses[0]), &table.get()[9]);
  EXPECT_EQ(HeldCallerEntry(table.get(), addresses[1]), &table.get()[10]);
  // Past the entries its home's probes hold, a free entry ends the search.
  EXPECT_EQ(HeldCallerEntry(table.get(), addresses[2]), nullptr);
  EXPECT_EQ(FindCallerEntry(table.get(), addresses[2]), &table.get()[11]);
}

TEST(CallerTable, CollidingAddressesProbeTheNextEntriesThenFindNoRoom) {
  Table table;
  const uint32_t home = kCallerTableEntries - 2;  // the probes wrap around the table's end
  const std::vector<uint64_t> addresses = AddressesHomedAt(home, kCallerTableProbes + 1);
  for (uint32_t i = 0; i < kCallerTableProbes; ++i) {
    CallerTotalsEntry* entry = FindCallerEntry(table.get(), addresses[i]);
    ASSERT_EQ(entry, &table.get()[(home + i) % kCallerTableEntries]) << i;
    AddToCallerEntry(entry, addresses[i], 8);
  }
  EXPECT_EQ(FindCallerEntry(table.get(), addresses[kCallerTableProbes]), nullptr);
  // Those already in still find their entries.
  for (uint32_t i = 0; i < kCallerTableProbes; ++i) {
    EXPECT_EQ(FindCallerEntry(table.get(), addresses[i])->address.load(), addresses[i]);
  }
}

TEST(CallerTable, TheVictimIsTheProbedEntryWithFewestCalls) {
  Table table;
  const uint32_t home = 7;
  const std::vector<uint64_t> addresses = AddressesHomedAt(home, kCallerTableProbes + 1);
  const uint64_t calls[] = {5, 3, 1, 4};
  static_assert(sizeof(calls) / sizeof(calls[0]) == kCallerTableProbes);
  for (uint32_t i = 0; i < kCallerTableProbes; ++i) {
    for (uint64_t c = 0; c < calls[i]; ++c) {
      AddToCallerEntry(FindCallerEntry(table.get(), addresses[i]), addresses[i], 10);
    }
  }
  CallerTotalsEntry* victim = EvictionVictim(table.get(), addresses[kCallerTableProbes]);
  EXPECT_EQ(victim, &table.get()[home + 2]);
  EXPECT_EQ(victim->address.load(), addresses[2]);
}

// Many more callers than entries, called unevenly: the table's entries plus what the evictions
// sent add up to every call, per address.
TEST(CallerTable, EvictionsAndEntriesSumToEveryCall) {
  Table table;
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> sent, truth;
  uint64_t evictions = 0;
  auto count = [&](uint64_t address, uint64_t bytes) {
    truth[address].first += 1;
    truth[address].second += bytes;
    CallerTotalsEntry* entry = FindCallerEntry(table.get(), address);
    if (entry == nullptr) {
      entry = EvictionVictim(table.get(), address);
      auto& out = sent[entry->address.load()];
      out.first += entry->calls.load();
      out.second += entry->bytes.load();
      ClearCallerEntry(entry);
      ++evictions;
    }
    AddToCallerEntry(entry, address, bytes);
  };
  for (int round = 0; round < 3; ++round) {
    for (uint64_t site = 0; site < 2000; ++site) {
      const uint64_t address = 0x500000 + site * 7;
      for (uint64_t call = 0; call <= site % 4; ++call) count(address, 16 + site);
    }
  }
  EXPECT_GT(evictions, 1000u);
  for (uint32_t i = 0; i < kCallerTableEntries; ++i) {
    const CallerTotalsEntry& entry = table.get()[i];
    if (entry.calls.load() == 0) continue;
    auto& out = sent[entry.address.load()];
    out.first += entry.calls.load();
    out.second += entry.bytes.load();
  }
  sent.erase(0);
  EXPECT_EQ(sent, truth);
}

}  // namespace
}  // namespace memwrap::shim
