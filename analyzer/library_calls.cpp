#include "analyzer/library_calls.h"

#include "text/quoted_bytes.h"
#include "units/byte_format.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <cxxabi.h>
#include <stdlib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace memwrap {
namespace {

using nlohmann::json;

std::string TextOf(const RecordView& record, size_t header, uint32_t size) {
  if (size == 0 || header + uint64_t(size) > record.size) return "";
  const char* text = reinterpret_cast<const char*>(record.data + header);
  return std::string(text, strnlen(text, size));
}

std::string_view Basename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string Hex(uint64_t value) {
  char text[32];
  snprintf(text, sizeof(text), "0x%" PRIx64, value);
  return text;
}

// "text" cut to `limit` bytes, then "..." when it was longer. `nul_within`: the text stopped
// at a NUL inside a char array (shown as \0; "..." when bytes after it are not shown).
std::string Quoted(const std::string& text, unsigned limit, bool nul_within = false,
                   bool more_after_nul = false) {
  std::string out = "\"";
  const size_t shown = std::min<size_t>(text.size(), limit);
  out += QuoteBytes(std::string_view(text).substr(0, shown), QuoteStyle::kLtrace);
  const bool cut = text.size() > limit;
  if (!cut && nul_within && shown < limit) out += "\\0";
  out += "\"";
  if (cut || (nul_within && more_after_nul)) out += "...";
  return out;
}

// ltrace's guess for a value of unknown type: decimal when small, else hex.
std::string Guessed(uint64_t value) {
  char text[32];
  if (value < 65536) {
    snprintf(text, sizeof(text), "%" PRIu64, value);
  } else {
    snprintf(text, sizeof(text), "0x%" PRIx64, value);
  }
  return text;
}

std::string CharText(int32_t c) {
  if (c == -1) return "EOF";
  // ltrace leaves ' bare here too: toupper(''') = '''.
  const char byte = static_cast<char>(c);
  return "'" + QuoteBytes(std::string_view(&byte, 1), QuoteStyle::kLtrace) + "'";
}

std::string ValueText(ArgKind kind, uint8_t aux, uint64_t value) {
  char text[64];
  switch (kind) {
    case ArgKind::kNone:
      return "<void>";
    case ArgKind::kInt:
      snprintf(text, sizeof(text), "%d", int32_t(value));
      return text;
    case ArgKind::kUint:
      snprintf(text, sizeof(text), "%u", uint32_t(value));
      return text;
    case ArgKind::kLong:
      snprintf(text, sizeof(text), "%" PRId64, int64_t(value));
      return text;
    case ArgKind::kUlong:
      snprintf(text, sizeof(text), "%" PRIu64, value);
      return text;
    case ArgKind::kChar:
      return CharText(int32_t(value));
    case ArgKind::kOctal:
      if (uint32_t(value) == 0) return "0";
      snprintf(text, sizeof(text), "0%o", uint32_t(value));
      return text;
    case ArgKind::kHex:
      if (uint32_t(value) == 0) return "0";
      snprintf(text, sizeof(text), "0x%x", uint32_t(value));
      return text;
    case ArgKind::kHexLong:
    case ArgKind::kAddr:
      if (value == 0) return "0";
      return Hex(value);
    case ArgKind::kString:
    case ArgKind::kStringN:
    case ArgKind::kStringRet:
    case ArgKind::kArrayN:
    case ArgKind::kFormat:
      return value == 0 ? "nil" : Hex(value);
    case ArgKind::kEnum:
      if (const char* name = LtraceEnumName(aux, int32_t(value))) return name;
      snprintf(text, sizeof(text), "%d", int32_t(value));
      return text;
    case ArgKind::kUnknown:
      return Guessed(value);
  }
  return Hex(value);
}

// Argument `index` (6: the result) of a call, as its prototype says; its text when recorded.
std::string ShownValue(const LibraryCall& call, int index, const LtraceArg& arg, uint64_t value,
                       unsigned limit) {
  if (call.text_args & (1u << index)) {
    const std::string& text = call.texts[index];
    if (arg.kind == ArgKind::kArrayN && arg.aux >= 1 && arg.aux <= 6) {
      const uint64_t bound = call.args[arg.aux - 1];
      const bool nul_within = text.size() < bound;
      return Quoted(text, limit, nul_within, nul_within && bound > text.size() + 1);
    }
    return Quoted(text, limit);
  }
  return ValueText(arg.kind, arg.aux, value);
}

// The arguments a format converts, from the registers after it (index `first`).
void AppendFormatArguments(const LibraryCall& call, int first, unsigned limit, std::string* line) {
  if (!(call.text_args & (1u << (first - 1)))) return;  // no text: the format is unknown
  bool more = false;
  ForEachFormatConversion(call.texts[first - 1].c_str(), [&](int index, ArgKind kind) {
    if (more) return;
    if (index < 0) {
      *line += ", ...";  // floating point: not recorded
      return;
    }
    const int slot = first + index;
    if (slot >= 6) {
      *line += ", ...";  // on the stack: not recorded
      more = true;
      return;
    }
    *line += ", ";
    *line += ShownValue(call, slot, LtraceArg{kind, 0, false}, call.args[slot], limit);
  });
}

// "(arguments", without the closing parenthesis.
std::string ArgumentsText(const LibraryCall& call, unsigned limit) {
  std::string line = "(";
  if (call.prototype == nullptr) {
    // ltrace's default prototype: four arguments of unknown type.
    for (int i = 0; i < 4; ++i) line += (i > 0 ? ", " : "") + Guessed(call.args[i]);
    return line;
  }
  const uint8_t count = std::min<uint8_t>(call.prototype->arg_count, 6);
  for (uint8_t i = 0; i < count; ++i) {
    const LtraceArg& arg = call.prototype->args[i];
    if (i > 0) line += ", ";
    line += ShownValue(call, i, arg, call.args[i], limit);
    if (arg.kind == ArgKind::kFormat) {
      AppendFormatArguments(call, i + 1, limit, &line);
      return line;
    }
  }
  if (call.prototype->arg_count > 6) line += ", ...";
  return line;
}

json ValueJson(ArgKind kind, uint8_t aux, uint64_t value) {
  switch (kind) {
    case ArgKind::kInt:
    case ArgKind::kChar:
      return int32_t(value);
    case ArgKind::kEnum:
      if (const char* name = LtraceEnumName(aux, int32_t(value))) return name;
      return int32_t(value);
    case ArgKind::kUint:
      return uint32_t(value);
    case ArgKind::kLong:
      return int64_t(value);
    case ArgKind::kUlong:
      return value;
    case ArgKind::kAddr:
    case ArgKind::kString:
    case ArgKind::kStringN:
    case ArgKind::kStringRet:
    case ArgKind::kArrayN:
    case ArgKind::kFormat:
      return value == 0 ? json(nullptr) : json(Hex(value));
    case ArgKind::kHex:
      return Hex(uint32_t(value));
    case ArgKind::kOctal:
    case ArgKind::kHexLong:
    case ArgKind::kUnknown:
      return Hex(value);
    case ArgKind::kNone:
      return nullptr;
  }
  return Hex(value);
}

std::string Demangled(std::string_view view) {
  const std::string name(view);
  int status = 0;
  char* text = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || text == nullptr) return name;
  std::string out = text;
  free(text);
  return out;
}

}  // namespace

bool LibraryCallDecoder::Decode(uint32_t pid, const RecordView& record, LibraryCall* call) {
  switch (record.type) {
    case RecordType::kProcessStart:
      // A new image numbers its objects and functions afresh.
      objects_.erase(objects_.lower_bound({pid, 0}), objects_.upper_bound({pid, UINT32_MAX}));
      functions_.erase(functions_.lower_bound({pid, 0}), functions_.upper_bound({pid, UINT32_MAX}));
      return false;
    case RecordType::kLibraryObject:
      if (const auto* object = record.As<LibraryObjectRecord>()) {
        objects_[{pid, object->object}] = {TextOf(record, sizeof(*object), object->path_size),
                                           object->base};
      }
      return false;
    case RecordType::kLibraryFunction:
      if (const auto* function = record.As<LibraryFunctionRecord>()) {
        Function& entry = functions_[{pid, function->function}];
        entry.name = TextOf(record, sizeof(*function), function->name_size);
        entry.object = function->object;
        entry.prototype = FindLibraryPrototype(entry.name.c_str());
      }
      return false;
    case RecordType::kLibraryCall: {
      const auto* raw = record.As<LibraryCallRecord>();
      if (raw == nullptr) return false;
      *call = LibraryCall{};
      call->pid = pid;
      call->tid = raw->tid;
      call->ts_ns = raw->ts_ns;
      call->duration_ns = raw->duration_ns;
      call->entry_only = (raw->h.flags & kLibraryCallNoExit) != 0;
      call->returned = (raw->h.flags & (kLibraryCallNoExit | kLibraryCallUnfinished)) == 0;
      call->result = raw->result;
      call->caller = raw->caller;
      call->depth = raw->text_args >> 8;
      memcpy(call->args, raw->args, sizeof(call->args));
      // The texts follow the record, in bit order, each NUL-terminated.
      if (sizeof(*raw) + uint64_t(raw->text_size) <= record.size) {
        const char* text = reinterpret_cast<const char*>(record.data + sizeof(*raw));
        const char* end = text + raw->text_size;
        for (int i = 0; i < 7 && text < end; ++i) {
          if (!(raw->text_args & (1u << i))) continue;
          const size_t length = strnlen(text, size_t(end - text));
          call->texts[i].assign(text, length);
          call->text_args = uint16_t(call->text_args | (1u << i));
          text += length + 1;
        }
      }
      if (auto it = functions_.find({pid, raw->function}); it != functions_.end()) {
        call->function = it->second.name;
        call->prototype = it->second.prototype;
        if (auto object = objects_.find({pid, it->second.object}); object != objects_.end()) {
          call->library = object->second.path;
        }
      } else {
        unnamed_ = "function#" + std::to_string(raw->function);
        call->function = unnamed_;
      }
      if (auto object = objects_.find({pid, raw->caller_object}); object != objects_.end()) {
        call->caller_library = object->second.path;
        call->caller_offset = call->caller - object->second.base;
      }
      return true;
    }
    default:
      return false;
  }
}

std::string FormatCallText(const LibraryCall& call, const CallFormat& format) {
  std::string line;
  if (format.pids) line += "[pid " + std::to_string(call.pid) + "] ";
  if (format.relative) {
    char text[48];
    snprintf(text, sizeof(text), "%3" PRIu64 ".%06" PRIu64 " ", format.relative_ns / 1000000000,
             (format.relative_ns % 1000000000) / 1000);
    line += text;
  } else if (format.timestamps > 0) {
    line += TimeOfDay(call.ts_ns, format.realtime_offset_ns, format.timestamps);
  }
  if (format.caller_address) line += "[" + Hex(call.caller) + "] ";
  line.append(size_t(format.indent) * call.depth, ' ');
  if (!format.hide_caller && !call.caller_library.empty()) {
    line += Basename(call.caller_library);
    line += "->";
  }
  if (format.demangle) {
    line += Demangled(call.function);
  } else {
    line += call.function;
  }
  line += ArgumentsText(call, format.string_size);
  if (call.entry_only) return line + " <no return ...>\n";
  if (!call.returned) return line + " <unfinished ...>\n";
  line += ")";
  if (format.align > 1 && line.size() < format.align - 1) line.resize(format.align - 1, ' ');
  line += " = ";
  line += call.prototype != nullptr
              ? ShownValue(call, 6, call.prototype->result, call.result, format.string_size)
              : Guessed(call.result);
  if (format.durations) {
    char text[48];
    snprintf(text, sizeof(text), " <%" PRIu64 ".%06" PRIu64 ">", call.duration_ns / 1000000000,
             (call.duration_ns % 1000000000) / 1000);
    line += text;
  }
  return line + "\n";
}

std::string FormatCallJson(const LibraryCall& call) {
  json out;
  out["pid"] = call.pid;
  out["tid"] = call.tid;
  out["function"] = call.function;
  out["library"] = call.library;
  out["ts_ns"] = call.ts_ns;
  out["dur_ns"] = call.returned ? json(call.duration_ns) : json(nullptr);
  out["returned"] = call.returned;
  if (!call.returned) out["unfinished"] = call.entry_only ? "no return by design" : "unfinished";
  out["caller"] = Hex(call.caller);
  out["caller_library"] = call.caller_library;
  out["caller_offset"] = Hex(call.caller_offset);
  out["depth"] = call.depth;
  if (call.prototype != nullptr) {
    json args = json::array();
    json texts = json::object();
    for (uint8_t i = 0; i < call.prototype->arg_count && i < 6; ++i) {
      const LtraceArg& arg = call.prototype->args[i];
      args.push_back(ValueJson(arg.kind, arg.aux, call.args[i]));
    }
    for (uint8_t i = 0; i < 6; ++i) {
      if (call.text_args & (1u << i)) texts[std::to_string(i)] = call.texts[i];
    }
    out["args"] = args;
    out["result"] = call.returned ? ValueJson(call.prototype->result.kind,
                                              call.prototype->result.aux, call.result)
                                  : json(nullptr);
    if (call.text_args & kLibraryCallResultText) texts["result"] = call.texts[6];
    if (!texts.empty()) out["texts"] = texts;
  } else {
    json registers = json::array();
    for (uint64_t value : call.args) registers.push_back(Hex(value));
    out["registers"] = registers;
    out["result"] = call.returned ? json(Hex(call.result)) : json(nullptr);
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

void CallSummary::Add(const LibraryCall& call) {
  auto it = by_function_.find(call.function);
  if (it == by_function_.end()) {
    it = by_function_.emplace(std::string(call.function), Totals{}).first;
    it->second.library = call.library;
  }
  Totals& totals = it->second;
  ++totals.calls;
  if (call.returned) {
    ++totals.timed_calls;
    totals.total_ns += call.duration_ns;
  }
}

std::string CallSummary::FormatText() const {
  std::vector<std::pair<std::string, Totals>> rows(by_function_.begin(), by_function_.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second.total_ns > b.second.total_ns;
  });
  uint64_t total_ns = 0, total_calls = 0;
  for (const auto& [name, totals] : rows) {
    total_ns += totals.total_ns;
    total_calls += totals.calls;
  }
  std::string out =
      "% time     seconds  usecs/call     calls      function\n"
      "------ ----------- ----------- --------- --------------------\n";
  char line[256];
  for (const auto& [name, totals] : rows) {
    const double percent = total_ns == 0 ? 0.0 : 100.0 * double(totals.total_ns) / double(total_ns);
    const uint64_t per_call =
        totals.timed_calls == 0 ? 0 : totals.total_ns / totals.timed_calls / 1000;
    snprintf(line, sizeof(line), "%6.2f %4" PRIu64 ".%06" PRIu64 " %11" PRIu64 " %9" PRIu64 " %s\n",
             percent, totals.total_ns / 1000000000, (totals.total_ns % 1000000000) / 1000, per_call,
             totals.calls, name.c_str());
    out += line;
  }
  out += "------ ----------- ----------- --------- --------------------\n";
  snprintf(line, sizeof(line), "100.00 %4" PRIu64 ".%06" PRIu64 "             %9" PRIu64 " total\n",
           total_ns / 1000000000, (total_ns % 1000000000) / 1000, total_calls);
  out += line;
  return out;
}

std::string CallSummary::FormatJson() const {
  std::string out;
  uint64_t total_ns = 0, total_calls = 0;
  for (const auto& [name, totals] : by_function_) {
    total_ns += totals.total_ns;
    total_calls += totals.calls;
  }
  for (const auto& [name, totals] : by_function_) {
    json row;
    row["function"] = name;
    row["library"] = totals.library;
    row["calls"] = totals.calls;
    row["timed_calls"] = totals.timed_calls;
    row["total_ns"] = totals.total_ns;
    out += row.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }
  json total;
  total["function"] = nullptr;
  total["calls"] = total_calls;
  total["total_ns"] = total_ns;
  out += total.dump() + "\n";
  return out;
}

}  // namespace memwrap
