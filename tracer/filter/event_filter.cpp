#include "tracer/filter/event_filter.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>

#include "units/unit_parsing.h"

namespace memwrap {
namespace {

// What a field holds, which decides how its value is written and compared.
enum class FieldType { kKind, kBytes, kNumber, kSigned, kTime, kText, kStackText, kStackNumber };

enum class Field {
  kKind,
  kSize,
  kAddress,
  kPid,
  kTid,
  kTime,
  kHeap,
  kRss,
  kResult,
  kSyscall,
  kMark,
  kFunction,
  kModule,
  kFile,
  kLine,
};

struct FieldInfo {
  const char* name;
  Field field;
  FieldType type;
};

const FieldInfo kFields[] = {
    {"kind", Field::kKind, FieldType::kKind},
    {"size", Field::kSize, FieldType::kBytes},
    {"address", Field::kAddress, FieldType::kBytes},
    {"addr", Field::kAddress, FieldType::kBytes},
    {"pid", Field::kPid, FieldType::kNumber},
    {"tid", Field::kTid, FieldType::kNumber},
    {"time", Field::kTime, FieldType::kTime},
    {"heap", Field::kHeap, FieldType::kBytes},
    {"rss", Field::kRss, FieldType::kBytes},
    {"result", Field::kResult, FieldType::kSigned},
    {"syscall", Field::kSyscall, FieldType::kText},
    {"mark", Field::kMark, FieldType::kText},
    {"function", Field::kFunction, FieldType::kStackText},
    {"module", Field::kModule, FieldType::kStackText},
    {"file", Field::kFile, FieldType::kStackText},
    {"line", Field::kLine, FieldType::kStackNumber},
};

const struct {
  const char* name;
  FilterKind kind;
} kKinds[] = {{"alloc", FilterKind::kAlloc},     {"free", FilterKind::kFree},
              {"realloc", FilterKind::kRealloc}, {"mmap", FilterKind::kMmap},
              {"munmap", FilterKind::kMunmap},   {"syscall", FilterKind::kSyscall},
              {"mark", FilterKind::kMark},       {"sample", FilterKind::kSample}};

enum class Op { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual, kGlob, kNotGlob };

const char* const kOpNames = "==, !=, <, <=, >, >=, ~ or !~";

}  // namespace

struct EventFilter::Node {
  enum class Type { kAnd, kOr, kNot, kCompare } type = Type::kCompare;
  size_t left = 0, right = 0;  // children (kNot: left only)
  // kCompare:
  Field field = Field::kKind;
  FieldType field_type = FieldType::kKind;
  bool top_only = false;  // "top.": the innermost frame only
  Op op = Op::kEqual;
  uint64_t number = 0;
  int64_t signed_number = 0;
  FilterKind kind = FilterKind::kOther;
  std::string text;
};

namespace {

struct Token {
  enum class Type { kEnd, kWord, kNumber, kString, kSymbol } type = Type::kEnd;
  std::string text;
  size_t column = 0;  // 1-based
};

// Splits an expression into words (fields, kinds, and/or/not), numbers with their units,
// quoted strings and symbols.
std::vector<Token> Tokenize(const std::string& text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (true) {
    while (i < text.size() && isspace(static_cast<unsigned char>(text[i]))) ++i;
    Token token;
    token.column = i + 1;
    if (i == text.size()) {
      tokens.push_back(token);
      return tokens;
    }
    const char c = text[i];
    if (isalpha(static_cast<unsigned char>(c)) || c == '_') {
      token.type = Token::Type::kWord;
      while (i < text.size() &&
             (isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' || text[i] == '.')) {
        token.text += text[i++];
      }
    } else if (isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < text.size() &&
                isdigit(static_cast<unsigned char>(text[i + 1])))) {
      token.type = Token::Type::kNumber;
      token.text += text[i++];
      while (i < text.size() && (isalnum(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
        token.text += text[i++];
      }
    } else if (c == '"') {
      token.type = Token::Type::kString;
      for (++i;; ++i) {
        if (i == text.size()) throw FilterSyntaxError(token.column, "string not closed by '\"'");
        if (text[i] == '"') break;
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        token.text += text[i];
      }
      ++i;
    } else {
      token.type = Token::Type::kSymbol;
      static const char* const kSymbols[] = {"==", "!=", "<=", ">=", "&&", "||", "!~",
                                             "=",  "<",  ">",  "~",  "!",  "(",  ")"};
      for (const char* symbol : kSymbols) {
        if (text.compare(i, strlen(symbol), symbol) == 0) {
          token.text = symbol;
          break;
        }
      }
      if (token.text.empty()) {
        throw FilterSyntaxError(token.column, std::string("unexpected character '") + c + "'");
      }
      i += token.text.size();
    }
    tokens.push_back(token);
  }
}

std::string Describe(const Token& token) {
  switch (token.type) {
    case Token::Type::kEnd:
      return "the end";
    case Token::Type::kString:
      return "\"" + token.text + "\"";
    default:
      return "'" + token.text + "'";
  }
}

class Parser {
 public:
  Parser(const std::string& text, std::vector<EventFilter::Node>* nodes)
      : tokens_(Tokenize(text)), nodes_(nodes) {}

  void Parse() {
    Or();
    if (Peek().type != Token::Type::kEnd) {
      throw FilterSyntaxError(Peek().column,
                              "expected 'and', 'or' or the end, found " + Describe(Peek()));
    }
  }

 private:
  const Token& Peek() const { return tokens_[at_]; }
  const Token& Next() { return tokens_[at_ < tokens_.size() - 1 ? at_++ : at_]; }
  bool Accept(std::initializer_list<const char*> spellings) {
    const Token& token = Peek();
    if (token.type != Token::Type::kWord && token.type != Token::Type::kSymbol) return false;
    for (const char* spelling : spellings) {
      if (token.text == spelling) {
        Next();
        return true;
      }
    }
    return false;
  }
  size_t Add(EventFilter::Node node) {
    nodes_->push_back(std::move(node));
    return nodes_->size() - 1;
  }
  size_t Binary(EventFilter::Node::Type type, size_t left, size_t right) {
    EventFilter::Node node;
    node.type = type;
    node.left = left;
    node.right = right;
    return Add(std::move(node));
  }

  size_t Or() {
    size_t left = And();
    while (Accept({"or", "||"})) left = Binary(EventFilter::Node::Type::kOr, left, And());
    return left;
  }
  size_t And() {
    size_t left = Unary();
    while (Accept({"and", "&&"})) left = Binary(EventFilter::Node::Type::kAnd, left, Unary());
    return left;
  }
  size_t Unary() {
    if (Accept({"not", "!"})) {
      EventFilter::Node node;
      node.type = EventFilter::Node::Type::kNot;
      node.left = Unary();
      return Add(std::move(node));
    }
    if (Accept({"("})) {
      const size_t inner = Or();
      if (!Accept({")"})) {
        throw FilterSyntaxError(Peek().column, "expected ')', found " + Describe(Peek()));
      }
      return inner;
    }
    return Comparison();
  }

  size_t Comparison() {
    const Token& name = Next();
    if (name.type != Token::Type::kWord) {
      throw FilterSyntaxError(name.column, "expected a field (" + FilterFieldNames() +
                                               "), 'not' or '(', found " + Describe(name));
    }
    EventFilter::Node node;
    std::string field = name.text;
    if (field.rfind("top.", 0) == 0) {
      node.top_only = true;
      field.erase(0, 4);
    }
    const FieldInfo* info = nullptr;
    for (const FieldInfo& candidate : kFields) {
      if (field == candidate.name) info = &candidate;
    }
    if (info == nullptr || (node.top_only && info->type != FieldType::kStackText &&
                            info->type != FieldType::kStackNumber)) {
      throw FilterSyntaxError(
          name.column, "unknown field '" + name.text + "' (fields: " + FilterFieldNames() + ")");
    }
    node.field = info->field;
    node.field_type = info->type;
    const Token& op = Next();
    static const struct {
      const char* spelling;
      Op op;
    } kOps[] = {{"==", Op::kEqual},        {"=", Op::kEqual},      {"!=", Op::kNotEqual},
                {"<", Op::kLess},          {"<=", Op::kLessEqual}, {">", Op::kGreater},
                {">=", Op::kGreaterEqual}, {"~", Op::kGlob},       {"!~", Op::kNotGlob}};
    bool found = false;
    for (const auto& candidate : kOps) {
      if (op.type == Token::Type::kSymbol && op.text == candidate.spelling) {
        node.op = candidate.op;
        found = true;
      }
    }
    if (!found) {
      throw FilterSyntaxError(op.column, std::string("expected ") + kOpNames + " after '" +
                                             name.text + "', found " + Describe(op));
    }
    Value(name, op, &node);
    return Add(std::move(node));
  }

  // The value after `field op`, checked against what the field holds.
  void Value(const Token& field, const Token& op, EventFilter::Node* node) {
    const Token& value = Next();
    const bool textual = node->field_type == FieldType::kText ||
                         node->field_type == FieldType::kStackText ||
                         node->field_type == FieldType::kKind;
    const bool ordering = node->op != Op::kEqual && node->op != Op::kNotEqual;
    const bool glob = node->op == Op::kGlob || node->op == Op::kNotGlob;
    if (textual ? (ordering && !glob) || (glob && node->field_type == FieldType::kKind) : glob) {
      throw FilterSyntaxError(op.column, "'" + op.text + "' does not apply to '" + field.text +
                                             "' (" +
                                             (textual ? "==, != and ~, !~ do" : "a number") + ")");
    }
    if (value.type == Token::Type::kEnd || value.type == Token::Type::kSymbol) {
      throw FilterSyntaxError(value.column,
                              "expected a value after '" + op.text + "', found " + Describe(value));
    }
    switch (node->field_type) {
      case FieldType::kKind:
        for (const auto& kind : kKinds) {
          if (value.text == kind.name) {
            node->kind = kind.kind;
            return;
          }
        }
        throw FilterSyntaxError(value.column,
                                "unknown kind " + Describe(value) +
                                    " (alloc, free, realloc, mmap, munmap, syscall, mark, sample)");
      case FieldType::kText:
      case FieldType::kStackText:
        node->text = value.text;
        return;
      case FieldType::kBytes:
        if (value.type == Token::Type::kNumber) {
          if (value.text.rfind("0x", 0) == 0 || value.text.rfind("0X", 0) == 0) {
            char* end = nullptr;
            node->number = strtoull(value.text.c_str() + 2, &end, 16);
            if (value.text.size() > 2 && *end == '\0') return;
          } else if (ParseByteSize(value.text, &node->number)) {
            return;
          }
        }
        throw FilterSyntaxError(value.column,
                                "expected a size (e.g. 64KiB, 1.5GiB, 4096 or "
                                "0x7f00) after '" +
                                    op.text + "', found " + Describe(value));
      case FieldType::kTime:
        if (value.type == Token::Type::kNumber && ParseDuration(value.text, &node->number)) return;
        throw FilterSyntaxError(value.column, "expected a duration (e.g. 10ms, 2s, 1m30s) after '" +
                                                  op.text + "', found " + Describe(value));
      case FieldType::kNumber:
      case FieldType::kStackNumber:
      case FieldType::kSigned: {
        char* end = nullptr;
        errno = 0;
        if (value.type == Token::Type::kNumber) {
          if (node->field_type == FieldType::kSigned) {
            node->signed_number = strtoll(value.text.c_str(), &end, 0);
          } else if (value.text[0] != '-') {
            node->number = strtoull(value.text.c_str(), &end, 0);
          }
          if (end != nullptr && *end == '\0' && errno == 0) return;
        }
        throw FilterSyntaxError(value.column, "expected a whole number after '" + op.text +
                                                  "', found " + Describe(value));
      }
    }
  }

  std::vector<Token> tokens_;
  size_t at_ = 0;
  std::vector<EventFilter::Node>* nodes_;
};

template <class T>
bool Compare(T value, Op op, T wanted) {
  switch (op) {
    case Op::kEqual:
      return value == wanted;
    case Op::kNotEqual:
      return value != wanted;
    case Op::kLess:
      return value < wanted;
    case Op::kLessEqual:
      return value <= wanted;
    case Op::kGreater:
      return value > wanted;
    case Op::kGreaterEqual:
      return value >= wanted;
    default:
      return false;
  }
}

// ==, ~ as such; != and !~ are their negations, applied by the caller.
bool TextMatches(std::string_view value, Op op, const std::string& wanted) {
  if (op == Op::kGlob || op == Op::kNotGlob) {
    const std::string terminated(value);
    return fnmatch(wanted.c_str(), terminated.c_str(), 0) == 0;
  }
  return value == wanted;
}

bool Negated(Op op) {
  return op == Op::kNotEqual || op == Op::kNotGlob;
}

std::optional<uint64_t> NumberOf(const FilterEvent& event, Field field) {
  switch (field) {
    case Field::kSize:
      return event.size;
    case Field::kAddress:
      return event.address;
    case Field::kPid:
      return event.pid;
    case Field::kTid:
      return event.tid;
    case Field::kTime:
      return event.time_ns;
    case Field::kHeap:
      return event.heap;
    case Field::kRss:
      return event.rss;
    default:
      return std::nullopt;
  }
}

// A frame field of the stack: any frame (or the innermost) that has it as asked. A negated
// comparison (!=, !~) holds when no frame (not the innermost) matches.
bool StackMatches(const EventFilter::Node& node, FilterStack* stack) {
  if (stack == nullptr) return false;
  const size_t depth = stack->Depth();
  if (depth == 0) return false;
  const size_t frames = node.top_only ? 1 : depth;
  for (size_t i = 0; i < frames; ++i) {
    const FilterFrame frame = stack->Frame(i);
    bool matches;
    if (node.field == Field::kLine) {
      matches = frame.line != 0 && Compare(frame.line, node.op, node.number);
    } else {
      const std::string_view text = node.field == Field::kFunction ? frame.function
                                    : node.field == Field::kModule ? frame.module
                                                                   : frame.file;
      matches = TextMatches(text, node.op, node.text);
    }
    if (matches) return node.field == Field::kLine || !Negated(node.op);
  }
  return node.field != Field::kLine && Negated(node.op);
}

bool CompareMatches(const EventFilter::Node& node, const FilterEvent& event) {
  switch (node.field_type) {
    case FieldType::kKind:
      return (event.kind == node.kind) != Negated(node.op);
    case FieldType::kText: {
      const auto& value = node.field == Field::kSyscall ? event.syscall : event.mark;
      if (!value) return false;
      return TextMatches(*value, node.op, node.text) != Negated(node.op);
    }
    case FieldType::kSigned:
      return event.result && Compare(*event.result, node.op, node.signed_number);
    case FieldType::kStackText:
    case FieldType::kStackNumber:
      return StackMatches(node, event.stack);
    default: {
      const std::optional<uint64_t> value = NumberOf(event, node.field);
      return value && Compare(*value, node.op, node.number);
    }
  }
}

bool Evaluate(const std::vector<EventFilter::Node>& nodes, size_t at, const FilterEvent& event) {
  const EventFilter::Node& node = nodes[at];
  switch (node.type) {
    case EventFilter::Node::Type::kAnd:
      return Evaluate(nodes, node.left, event) && Evaluate(nodes, node.right, event);
    case EventFilter::Node::Type::kOr:
      return Evaluate(nodes, node.left, event) || Evaluate(nodes, node.right, event);
    case EventFilter::Node::Type::kNot:
      return !Evaluate(nodes, node.left, event);
    default:
      return CompareMatches(node, event);
  }
}

}  // namespace

EventFilter::EventFilter(const std::string& text) : text_(text) {
  Parser(text, &nodes_).Parse();
}
EventFilter::~EventFilter() = default;
EventFilter::EventFilter(EventFilter&&) noexcept = default;
EventFilter& EventFilter::operator=(EventFilter&&) noexcept = default;

bool EventFilter::Matches(const FilterEvent& event) const {
  return !nodes_.empty() && Evaluate(nodes_, nodes_.size() - 1, event);
}

bool EventFilter::ReadsStack() const {
  return std::any_of(nodes_.begin(), nodes_.end(), [](const Node& node) {
    return node.type == Node::Type::kCompare &&
           (node.field_type == FieldType::kStackText || node.field_type == FieldType::kStackNumber);
  });
}

bool EventFilter::ReadsField(std::string_view name) const {
  for (const FieldInfo& info : kFields) {
    if (info.name != name) continue;
    return std::any_of(nodes_.begin(), nodes_.end(), [&](const Node& node) {
      return node.type == Node::Type::kCompare && node.field == info.field;
    });
  }
  return false;
}

const char* FilterKindName(FilterKind kind) {
  for (const auto& known : kKinds) {
    if (known.kind == kind) return known.name;
  }
  return "other";
}

std::string FilterFieldNames() {
  std::string names;
  for (const FieldInfo& info : kFields) {
    if (std::string_view(info.name) == "addr") continue;  // "address" is listed
    if (!names.empty()) names += ", ";
    names += info.name;
  }
  return names + ", top.function, top.module, top.file, top.line";
}

}  // namespace memwrap
