#include "preload/eh_frame_reader.h"

#include <elf.h>
#include <link.h>

namespace memwrap::shim {
namespace {

// DWARF register numbers of x86-64 (System V psABI, figure 3.36).
constexpr uint64_t kDwarfRbp = 6;
constexpr uint64_t kDwarfRsp = 7;

// Pointer encodings (DW_EH_PE_*, LSB "Exception Frames").
constexpr uint8_t kPeOmit = 0xff;
constexpr uint8_t kPeFormatMask = 0x0f;
constexpr uint8_t kPeAbsPtr = 0x00, kPeUleb128 = 0x01, kPeUdata2 = 0x02, kPeUdata4 = 0x03,
                  kPeUdata8 = 0x04, kPeSleb128 = 0x09, kPeSdata2 = 0x0a, kPeSdata4 = 0x0b,
                  kPeSdata8 = 0x0c;
constexpr uint8_t kPeApplicationMask = 0x70;
constexpr uint8_t kPePcRel = 0x10, kPeDataRel = 0x30;

// Bounds-checked reading of one CIE or FDE: a malformed entry ends in `failed`, never in a read
// past the entry.
struct Cursor {
  const uint8_t* at;
  const uint8_t* end;
  bool failed = false;

  bool Has(uint64_t bytes) {
    if (failed || uint64_t(end - at) < bytes) failed = true;
    return !failed;
  }
  template <class T>
  T Fixed() {
    T value{};
    if (!Has(sizeof(T))) return value;
    __builtin_memcpy(&value, at, sizeof(T));
    at += sizeof(T);
    return value;
  }
  uint8_t Byte() { return Fixed<uint8_t>(); }
  uint64_t Uleb() {
    uint64_t value = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (!Has(1) || shift > 63) {
        failed = true;
        return 0;
      }
      uint8_t byte = *at++;
      value |= uint64_t(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
  }
  int64_t Sleb() {
    int64_t value = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (!Has(1) || shift > 63) {
        failed = true;
        return 0;
      }
      uint8_t byte = *at++;
      value |= int64_t(uint64_t(byte & 0x7f) << shift);
      if ((byte & 0x80) == 0) {
        if (shift + 7 < 64 && (byte & 0x40) != 0) value |= -(int64_t(1) << (shift + 7));
        return value;
      }
    }
  }
  // An encoded pointer; pc-relative ones are relative to where they are stored, data-relative
  // ones to `data_base` (.eh_frame_hdr). Other applications are not used by .eh_frame on
  // x86-64 and fail.
  uint64_t Pointer(uint8_t encoding, uint64_t data_base = 0) {
    const uint64_t field = reinterpret_cast<uint64_t>(at);
    uint64_t value = 0;
    switch (encoding & kPeFormatMask) {
      case kPeAbsPtr:
      case kPeUdata8:
      case kPeSdata8:
        value = Fixed<uint64_t>();
        break;
      case kPeUleb128:
        value = Uleb();
        break;
      case kPeSleb128:
        value = uint64_t(Sleb());
        break;
      case kPeUdata2:
        value = Fixed<uint16_t>();
        break;
      case kPeSdata2:
        value = uint64_t(int64_t(Fixed<int16_t>()));
        break;
      case kPeUdata4:
        value = Fixed<uint32_t>();
        break;
      case kPeSdata4:
        value = uint64_t(int64_t(Fixed<int32_t>()));
        break;
      default:
        failed = true;
        return 0;
    }
    switch (encoding & kPeApplicationMask) {
      case 0:
        break;
      case kPePcRel:
        value += field;
        break;
      case kPeDataRel:
        value += data_base;
        break;
      default:
        failed = true;
        return 0;
    }
    // DW_EH_PE_indirect (the value is where the pointer is stored) is only used for personality
    // routines, which are skipped: the value is never followed.
    return value;
  }
};

// How one register (or the CFA) is recovered, as the CFA instructions leave it.
struct RegisterRule {
  enum How : uint8_t { kSame, kUndefined, kAtCfaPlus, kExpression, kOther };
  How how = kSame;
  int64_t offset = 0;
  const uint8_t* expression = nullptr;
  uint64_t expression_length = 0;
};

struct CfaRule {
  bool is_expression = false;
  uint64_t reg = kDwarfRsp;
  int64_t offset = 0;
  const uint8_t* expression = nullptr;
  uint64_t expression_length = 0;
};

struct Row {
  CfaRule cfa;
  RegisterRule rbp;
  RegisterRule return_address;
};

struct Cie {
  uint64_t code_align = 1;
  int64_t data_align = 1;
  uint64_t return_address_register = 16;
  uint8_t fde_encoding = kPeAbsPtr;
  bool has_augmentation_data = false;
  bool signal_frame = false;
  const uint8_t* instructions = nullptr;
  const uint8_t* end = nullptr;
};

// The entry (CIE or FDE) at `entry`: its contents, after the 32-bit length. 64-bit entries
// (length 0xffffffff) are not produced for .eh_frame by the GNU toolchain and fail.
bool EntryBody(const uint8_t* entry, const uint8_t** body, const uint8_t** end) {
  uint32_t length;
  __builtin_memcpy(&length, entry, sizeof(length));
  if (length == 0 || length == 0xffffffffu) return false;
  *body = entry + 4;
  *end = *body + length;
  return true;
}

bool ParseCie(const uint8_t* entry, Cie* cie) {
  const uint8_t *body, *end;
  if (!EntryBody(entry, &body, &end)) return false;
  Cursor in{body, end};
  if (in.Fixed<uint32_t>() != 0) return false;  // a CIE's id is 0 in .eh_frame
  uint8_t version = in.Byte();
  if (version != 1 && version != 3) return false;
  const char* augmentation = reinterpret_cast<const char*>(in.at);
  while (in.Has(1) && *in.at != 0) ++in.at;
  in.Byte();  // its terminating NUL
  if (in.failed || (augmentation[0] != 0 && augmentation[0] != 'z')) return false;  // e.g. "eh"
  cie->code_align = in.Uleb();
  cie->data_align = in.Sleb();
  cie->return_address_register = version == 1 ? in.Byte() : in.Uleb();
  if (augmentation[0] == 'z') {
    cie->has_augmentation_data = true;
    uint64_t length = in.Uleb();
    if (!in.Has(length)) return false;
    Cursor data{in.at, in.at + length};
    for (const char* c = augmentation + 1; *c != 0 && !data.failed; ++c) {
      switch (*c) {
        case 'R':
          cie->fde_encoding = data.Byte();
          break;
        case 'L':
          data.Byte();
          break;  // the LSDA's encoding: LSDAs are not needed here
        case 'P':
          data.Pointer(data.Byte());
          break;  // the personality routine, skipped
        case 'S':
          cie->signal_frame = true;
          break;
        default:
          return false;  // unknown: its data cannot be skipped reliably
      }
    }
    if (data.failed) return false;
    in.at += length;
  }
  if (in.failed) return false;
  cie->instructions = in.at;
  cie->end = end;
  return true;
}

RegisterRule* RuleOf(Row* row, uint64_t reg, const Cie& cie) {
  if (reg == kDwarfRbp) return &row->rbp;
  if (reg == cie.return_address_register) return &row->return_address;
  return nullptr;  // registers the unwinder does not follow
}

// One run of CFA instructions (RunInstructions): the cursor, the location reached, and the
// row being built. Each group of instructions has its own step; a step returns kNext to go on,
// kPastPc once the location passed `pc` (the row is complete), kBad for anything it cannot
// follow.
class CfaRun {
 public:
  enum Step { kNext, kPastPc, kBad };

  CfaRun(Cursor in, const Cie& cie, uint64_t location, uint64_t pc, Row* row, const Row* initial)
      : in_(in), cie_(cie), location_(location), pc_(pc), row_(row), initial_(initial) {}

  bool Run() {
    while (in_.at < in_.end) {
      const uint8_t op = in_.Byte();
      const Step step = (op >> 6) != 0 ? Primary(op) : Extended(op);
      if (step == kPastPc) return !in_.failed;
      if (step == kBad || in_.failed) return false;
    }
    return !in_.failed;
  }

 private:
  // The three instructions with their operand in the opcode's low 6 bits.
  Step Primary(uint8_t op) {
    switch (op >> 6) {
      case 1:  // DW_CFA_advance_loc
        return Advance(op & 0x3f);
      case 2:  // DW_CFA_offset
        SetRule(op & 0x3f, {RegisterRule::kAtCfaPlus, int64_t(in_.Uleb()) * cie_.data_align});
        return kNext;
      default:  // 3: DW_CFA_restore
        return Restore(op & 0x3f);
    }
  }

  Step Extended(uint8_t op) {
    switch (op) {
      case 0x00:  // DW_CFA_nop
        return kNext;
      case 0x01:  // DW_CFA_set_loc
        location_ = in_.Pointer(cie_.fde_encoding);
        return location_ > pc_ ? kPastPc : kNext;
      case 0x02:
        return Advance(in_.Byte());  // DW_CFA_advance_loc1
      case 0x03:
        return Advance(in_.Fixed<uint16_t>());  // DW_CFA_advance_loc2
      case 0x04:
        return Advance(in_.Fixed<uint32_t>());  // DW_CFA_advance_loc4
      case 0x0a:                                // DW_CFA_remember_state
        if (remembered_count_ == kMaxRemembered) return kBad;
        remembered_[remembered_count_++] = *row_;
        return kNext;
      case 0x0b:  // DW_CFA_restore_state
        if (remembered_count_ == 0) return kBad;
        *row_ = remembered_[--remembered_count_];
        return kNext;
      case 0x0c:
      case 0x0d:
      case 0x0e:
      case 0x0f:
      case 0x12:
      case 0x13:
        return Cfa(op);
      case 0x2e:  // DW_CFA_GNU_args_size: only matters to landing pads
        in_.Uleb();
        return kNext;
      default:
        return Register(op);
    }
  }

  Step Advance(uint64_t delta) {
    location_ += delta * cie_.code_align;
    return location_ > pc_ ? kPastPc : kNext;
  }

  // The instructions that define the CFA.
  Step Cfa(uint8_t op) {
    Row& row = *row_;
    switch (op) {
      case 0x0c:  // DW_CFA_def_cfa
        row.cfa.is_expression = false;
        row.cfa.reg = in_.Uleb();
        row.cfa.offset = int64_t(in_.Uleb());
        return kNext;
      case 0x12:  // DW_CFA_def_cfa_sf
        row.cfa.is_expression = false;
        row.cfa.reg = in_.Uleb();
        row.cfa.offset = in_.Sleb() * cie_.data_align;
        return kNext;
      case 0x0d:  // DW_CFA_def_cfa_register
        row.cfa.is_expression = false;
        row.cfa.reg = in_.Uleb();
        return kNext;
      case 0x0e:  // DW_CFA_def_cfa_offset
        row.cfa.offset = int64_t(in_.Uleb());
        return kNext;
      case 0x13:  // DW_CFA_def_cfa_offset_sf
        row.cfa.offset = in_.Sleb() * cie_.data_align;
        return kNext;
      default: {  // 0x0f: DW_CFA_def_cfa_expression
        const uint64_t length = in_.Uleb();
        if (!in_.Has(length)) return kBad;
        row.cfa = {true, 0, 0, in_.at, length};
        in_.at += length;
        return kNext;
      }
    }
  }

  // The instructions that set one register's rule; an unknown instruction is kBad.
  Step Register(uint8_t op) {
    switch (op) {
      case 0x05: {  // DW_CFA_offset_extended
        const uint64_t reg = in_.Uleb();
        SetRule(reg, {RegisterRule::kAtCfaPlus, int64_t(in_.Uleb()) * cie_.data_align});
        return kNext;
      }
      case 0x11: {  // DW_CFA_offset_extended_sf
        const uint64_t reg = in_.Uleb();
        SetRule(reg, {RegisterRule::kAtCfaPlus, in_.Sleb() * cie_.data_align});
        return kNext;
      }
      case 0x2f: {  // DW_CFA_GNU_negative_offset_extended
        const uint64_t reg = in_.Uleb();
        SetRule(reg, {RegisterRule::kAtCfaPlus, -int64_t(in_.Uleb()) * cie_.data_align});
        return kNext;
      }
      case 0x06:  // DW_CFA_restore_extended
        return Restore(in_.Uleb());
      case 0x07:  // DW_CFA_undefined
        SetRule(in_.Uleb(), {RegisterRule::kUndefined});
        return kNext;
      case 0x08:  // DW_CFA_same_value
        SetRule(in_.Uleb(), {RegisterRule::kSame});
        return kNext;
      case 0x09: {  // DW_CFA_register
        const uint64_t reg = in_.Uleb();
        in_.Uleb();
        SetRule(reg, {RegisterRule::kOther});
        return kNext;
      }
      case 0x10:    // DW_CFA_expression
      case 0x16: {  // DW_CFA_val_expression
        const uint64_t reg = in_.Uleb();
        const uint64_t length = in_.Uleb();
        if (!in_.Has(length)) return kBad;
        SetRule(reg,
                {op == 0x10 ? RegisterRule::kExpression : RegisterRule::kOther, 0, in_.at, length});
        in_.at += length;
        return kNext;
      }
      case 0x14:    // DW_CFA_val_offset
      case 0x15: {  // DW_CFA_val_offset_sf
        const uint64_t reg = in_.Uleb();
        if (op == 0x14)
          in_.Uleb();
        else
          in_.Sleb();
        SetRule(reg, {RegisterRule::kOther});
        return kNext;
      }
      default:
        return kBad;  // an instruction this reader does not know
    }
  }

  // DW_CFA_restore(_extended): the register's rule after the CIE's instructions.
  Step Restore(uint64_t reg) {
    if (initial_ == nullptr) return kBad;
    if (RegisterRule* rule = RuleOf(row_, reg, cie_)) {
      *rule = *RuleOf(const_cast<Row*>(initial_), reg, cie_);
    }
    return kNext;
  }

  void SetRule(uint64_t reg, const RegisterRule& value) {
    if (RegisterRule* rule = RuleOf(row_, reg, cie_)) *rule = value;
  }

  static constexpr int kMaxRemembered = 16;
  Cursor in_;
  const Cie& cie_;
  uint64_t location_;
  const uint64_t pc_;
  Row* row_;
  const Row* initial_;
  Row remembered_[kMaxRemembered];
  int remembered_count_ = 0;
};

// Runs CFA instructions from `in` while the location stays at or before `pc`. `initial` is the
// row after the CIE's instructions (for DW_CFA_restore); nullptr while running those.
bool RunInstructions(Cursor in, const Cie& cie, uint64_t location, uint64_t pc, Row* row,
                     const Row* initial) {
  return CfaRun(in, cie, location, pc, row, initial).Run();
}

// `DW_OP_breg6 (rbp) N` [+ `DW_OP_deref` when `deref`], the only expressions compilers put at
// call sites of x86-64 code (functions that realign their stack); N in *offset.
bool IsRbpExpression(const uint8_t* expression, uint64_t length, bool deref, int64_t* offset) {
  Cursor in{expression, expression + length};
  if (in.Byte() != 0x76) return false;  // DW_OP_breg6
  *offset = in.Sleb();
  if (deref && in.Byte() != 0x06) return false;  // DW_OP_deref
  return !in.failed && in.at == in.end;
}

template <class T>
bool Fits(int64_t value) {
  return value >= int64_t(T(T(1) << (8 * sizeof(T) - 1))) &&
         value <= int64_t(T(~T(T(1) << (8 * sizeof(T) - 1))));
}

FrameRule ToFrameRule(const Row& row) {
  FrameRule rule;
  FrameRule unsupported;
  int64_t offset = 0;
  if (!row.cfa.is_expression) {
    if (row.cfa.reg != kDwarfRsp && row.cfa.reg != kDwarfRbp) return unsupported;
    offset = row.cfa.offset;
    rule.cfa = row.cfa.reg == kDwarfRsp ? FrameRule::kRspPlus : FrameRule::kRbpPlus;
  } else {
    if (!IsRbpExpression(row.cfa.expression, row.cfa.expression_length, true, &offset)) {
      return unsupported;
    }
    rule.cfa = FrameRule::kLoadRbpPlus;
  }
  if (!Fits<int32_t>(offset)) return unsupported;
  rule.cfa_offset = int32_t(offset);

  switch (row.return_address.how) {
    case RegisterRule::kUndefined:
      return FrameRule{FrameRule::kOutermost};
    case RegisterRule::kAtCfaPlus:
      if (!Fits<int8_t>(row.return_address.offset)) return unsupported;
      rule.return_address_offset = int8_t(row.return_address.offset);
      break;
    default:
      return unsupported;
  }
  switch (row.rbp.how) {
    case RegisterRule::kSame:
      rule.saved_rbp = FrameRule::kRbpUnchanged;
      break;
    case RegisterRule::kUndefined:  // libunwind ends the stack at a NULL rbp location too
      return FrameRule{FrameRule::kOutermost};
    case RegisterRule::kAtCfaPlus:
      if (!Fits<int8_t>(row.rbp.offset)) return unsupported;
      rule.saved_rbp = FrameRule::kRbpAtCfa;
      rule.rbp_offset = int8_t(row.rbp.offset);
      break;
    case RegisterRule::kExpression:
      if (!IsRbpExpression(row.rbp.expression, row.rbp.expression_length, false, &offset) ||
          !Fits<int8_t>(offset)) {
        return unsupported;
      }
      rule.saved_rbp = FrameRule::kRbpAtRbp;
      rule.rbp_offset = int8_t(offset);
      break;
    default:
      return unsupported;
  }
  return rule;
}

// The FDE whose range may hold `pc`, by binary search in .eh_frame_hdr's table.
const uint8_t* FindFde(const uint8_t* header, uint64_t pc) {
  // version, eh_frame_ptr encoding, fde_count encoding, table encoding
  if (header[0] != 1) return nullptr;
  // The table is read only in the form linkers write (sorted, 4-byte offsets from the header).
  if (header[3] != (kPeDataRel | kPeSdata4)) return nullptr;
  Cursor in{header + 4, header + 4 + 16};
  if (header[1] != kPeOmit) in.Pointer(header[1], reinterpret_cast<uint64_t>(header));
  if (header[2] == kPeOmit) return nullptr;
  uint64_t count = in.Pointer(header[2], reinterpret_cast<uint64_t>(header));
  if (in.failed || count == 0) return nullptr;
  const auto* table = reinterpret_cast<const int32_t*>(in.at);
  const int64_t target = int64_t(pc - reinterpret_cast<uint64_t>(header));
  uint64_t low = 0, high = count;  // the answer is the last entry starting at or before pc
  while (high - low > 1) {
    uint64_t middle = low + (high - low) / 2;
    if (int64_t(table[2 * middle]) <= target)
      low = middle;
    else
      high = middle;
  }
  if (int64_t(table[2 * low]) > target) return nullptr;
  return header + table[2 * low + 1];
}

struct ObjectSearch {
  uint64_t pc;
  const uint8_t* eh_frame_hdr;
};

int FindObject(dl_phdr_info* info, size_t, void* data) {
  auto* search = static_cast<ObjectSearch*>(data);
  const ElfW(Phdr)* eh_frame_hdr = nullptr;
  bool contains = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& phdr = info->dlpi_phdr[i];
    if (phdr.p_type == PT_LOAD) {
      uint64_t start = info->dlpi_addr + phdr.p_vaddr;
      if (search->pc >= start && search->pc < start + phdr.p_memsz) contains = true;
    } else if (phdr.p_type == PT_GNU_EH_FRAME) {
      eh_frame_hdr = &phdr;
    }
  }
  if (!contains) return 0;
  if (eh_frame_hdr != nullptr) {
    search->eh_frame_hdr =
        reinterpret_cast<const uint8_t*>(info->dlpi_addr + eh_frame_hdr->p_vaddr);
  }
  return 1;
}

}  // namespace

FrameRule ReadFrameRuleFromHeader(const uint8_t* eh_frame_hdr, uint64_t pc) {
  const FrameRule unsupported;
  const uint8_t* fde = FindFde(eh_frame_hdr, pc);
  if (fde == nullptr) return unsupported;
  const uint8_t *body, *end;
  if (!EntryBody(fde, &body, &end)) return unsupported;
  Cursor in{body, end};
  uint32_t cie_pointer = in.Fixed<uint32_t>();
  if (in.failed || cie_pointer == 0) return unsupported;  // 0 would make it a CIE
  Cie cie;
  if (!ParseCie(body - cie_pointer, &cie) || cie.signal_frame) return unsupported;
  uint64_t begin = in.Pointer(cie.fde_encoding);
  uint64_t range = in.Pointer(cie.fde_encoding & kPeFormatMask);
  if (in.failed || pc < begin || pc - begin >= range) return unsupported;
  if (cie.has_augmentation_data) {
    uint64_t length = in.Uleb();
    if (!in.Has(length)) return unsupported;
    in.at += length;
  }
  Row initial;
  if (!RunInstructions({cie.instructions, cie.end}, cie, begin, pc, &initial, nullptr)) {
    return unsupported;
  }
  Row row = initial;
  if (!RunInstructions({in.at, end}, cie, begin, pc, &row, &initial)) return unsupported;
  return ToFrameRule(row);
}

FrameRule ReadFrameRule(uint64_t pc) {
  ObjectSearch search{pc, nullptr};
  dl_iterate_phdr(FindObject, &search);
  if (search.eh_frame_hdr == nullptr) return {};
  return ReadFrameRuleFromHeader(search.eh_frame_hdr, pc);
}

}  // namespace memwrap::shim
