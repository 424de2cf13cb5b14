#include "symbols/symbol_table.h"

#include <algorithm>
#include <optional>

namespace memwrap {

SymbolTable::Part::Part(const std::vector<ElfSymbol>& symbols) {
  for (uint32_t order = 0; order < symbols.size(); ++order) {
    (symbols[order].size != 0 ? sized_ : labels_).push_back(Entry{symbols[order], order});
  }
  auto by_value = [](const Entry& a, const Entry& b) {
    return a.symbol.value != b.symbol.value ? a.symbol.value < b.symbol.value : a.order < b.order;
  };
  std::sort(sized_.begin(), sized_.end(), by_value);
  std::sort(labels_.begin(), labels_.end(), by_value);
  uint64_t highest = 0;
  for (const Entry& entry : sized_) {
    // Saturating: a corrupt st_size must not wrap around to a small end.
    uint64_t end = entry.symbol.value + entry.symbol.size;
    if (end < entry.symbol.value) end = UINT64_MAX;
    highest = std::max(highest, end);
    max_end_.push_back(highest);
  }
}

const ElfSymbol* SymbolTable::Part::Containing(uint64_t address) const {
  auto above = std::upper_bound(sized_.begin(), sized_.end(), address,
                                [](uint64_t a, const Entry& e) { return a < e.symbol.value; });
  // Walk down from the nearest symbol while something below may still reach the address;
  // symbols rarely nest, so this stops after a step or two.
  std::vector<const Entry*> containing;
  for (size_t i = size_t(above - sized_.begin()); i-- > 0 && max_end_[i] > address;) {
    if (address - sized_[i].symbol.value < sized_[i].symbol.size) containing.push_back(&sized_[i]);
  }
  std::sort(containing.begin(), containing.end(),
            [](const Entry* a, const Entry* b) { return a->order < b->order; });
  const ElfSymbol* best = nullptr;
  for (const Entry* entry : containing) {
    const ElfSymbol& symbol = entry->symbol;
    if (best == nullptr || best->value < symbol.value || best->binding_rank < symbol.binding_rank) {
      best = &symbol;
    } else if (best->value == symbol.value && best->size > symbol.size &&
               best->binding_rank <= symbol.binding_rank) {
      best = &symbol;  // same start, tighter range
    }
  }
  return best;
}

uint64_t SymbolTable::Part::HighestEndFrom(uint64_t address) const {
  auto above = std::upper_bound(sized_.begin(), sized_.end(), address,
                                [](uint64_t a, const Entry& e) { return a < e.symbol.value; });
  return above == sized_.begin() ? 0 : max_end_[size_t(above - sized_.begin()) - 1];
}

std::vector<const ElfSymbol*> SymbolTable::Part::NearestLabels(uint64_t address) const {
  auto above = std::upper_bound(labels_.begin(), labels_.end(), address,
                                [](uint64_t a, const Entry& e) { return a < e.symbol.value; });
  std::vector<const ElfSymbol*> nearest;
  if (above == labels_.begin()) return nearest;
  const uint64_t value = std::prev(above)->symbol.value;
  for (auto it = above; it != labels_.begin() && std::prev(it)->symbol.value == value; --it) {
    nearest.push_back(&std::prev(it)->symbol);
  }
  std::reverse(nearest.begin(), nearest.end());
  return nearest;
}

SymbolTable::SymbolTable(const std::vector<ElfSymbol>& globals,
                         const std::vector<ElfSymbol>& locals)
    : globals_(globals),
      locals_(locals),
      has_locals_(!locals.empty()),
      size_(globals.size() + locals.size()) {}

const char* SymbolTable::Find(uint64_t address,
                              const std::function<uint32_t(uint64_t)>& section_of) const {
  if (const ElfSymbol* symbol = globals_.Containing(address)) return symbol->name;

  std::optional<uint32_t> address_section;  // looked up once, and only if a label needs it
  auto in_address_section = [&](const ElfSymbol* label) {
    if (label->exact_match_only) return label->value == address;
    if (!address_section) address_section = section_of(address);
    return label->section == *address_section;
  };
  std::vector<const ElfSymbol*> labels = globals_.NearestLabels(address);
  // libdwfl skips the locals when a global label sits exactly at the address.
  const bool search_locals =
      has_locals_ && std::none_of(labels.begin(), labels.end(), [&](const ElfSymbol* label) {
        return label->value == address && in_address_section(label);
      });
  uint64_t highest_end = globals_.HighestEndFrom(address);
  if (search_locals) {
    if (const ElfSymbol* symbol = locals_.Containing(address)) return symbol->name;
    highest_end = std::max(highest_end, locals_.HighestEndFrom(address));
    std::vector<const ElfSymbol*> local_labels = locals_.NearestLabels(address);
    if (!local_labels.empty() &&
        (labels.empty() || local_labels.front()->value > labels.front()->value)) {
      labels = std::move(local_labels);
    } else if (!local_labels.empty() && local_labels.front()->value == labels.front()->value) {
      labels.insert(labels.end(), local_labels.begin(), local_labels.end());  // table order
    }
  }
  // A label inside (or below the end of) a sized symbol is a local jump target, not a
  // function entry.
  if (labels.empty() || highest_end > labels.front()->value) return nullptr;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    if (in_address_section(*it)) return (*it)->name;
  }
  return nullptr;
}

}  // namespace memwrap
