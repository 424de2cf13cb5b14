// LibraryCallDecoder and the ltrace-style formats, on records built here: names come from the
// records before a call, hostile sizes are bounded, prototypes shape the output.
#include "analyzer/library_calls.h"

#include <gtest/gtest.h>
#include <string.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace memwrap {
namespace {

using Bytes = std::vector<uint8_t>;

template <class T>
Bytes WithTail(T record, const std::string& tail) {
  Bytes bytes(AlignRecordSize(sizeof(T) + tail.size()), 0);
  record.h.size = uint32_t(bytes.size());
  memcpy(bytes.data(), &record, sizeof(T));
  memcpy(bytes.data() + sizeof(T), tail.data(), tail.size());
  return bytes;
}

RecordView View(const Bytes& bytes) {
  RecordView view;
  RecordHeader header;
  memcpy(&header, bytes.data(), sizeof(header));
  view.type = RecordType(header.type);
  view.flags = header.flags;
  view.data = bytes.data();
  view.size = uint32_t(bytes.size());
  return view;
}

Bytes Object(uint32_t id, uint64_t base, const std::string& path) {
  LibraryObjectRecord record{};
  record.h.type = uint16_t(RecordType::kLibraryObject);
  record.object = id;
  record.base = base;
  record.path_size = uint32_t(path.size() + 1);
  return WithTail(record, path + std::string(1, '\0'));
}

Bytes Function(uint32_t id, uint32_t object, const std::string& name) {
  LibraryFunctionRecord record{};
  record.h.type = uint16_t(RecordType::kLibraryFunction);
  record.function = id;
  record.object = object;
  record.name_size = uint32_t(name.size() + 1);
  return WithTail(record, name + std::string(1, '\0'));
}

Bytes Call(uint32_t function, std::vector<uint64_t> args, uint64_t result, uint16_t flags = 0,
           const std::string& texts = "", uint16_t text_args = 0, uint16_t text_size = 0xffff) {
  LibraryCallRecord record{};
  record.h.type = uint16_t(RecordType::kLibraryCall);
  record.h.flags = flags;
  record.ts_ns = 1000;
  record.duration_ns = 2500;
  record.tid = 7;
  record.function = function;
  record.caller_object = 1;
  record.caller = 0x401234;
  record.result = result;
  for (size_t i = 0; i < args.size(); ++i) record.args[i] = args[i];
  record.text_args = text_args;
  record.text_size = text_size == 0xffff ? uint16_t(texts.size()) : text_size;
  return WithTail(record, texts);
}

class LibraryCalls : public ::testing::Test {
 protected:
  void SetUp() override {
    LibraryCall ignored;
    EXPECT_FALSE(decoder_.Decode(42, View(Object(1, 0x400000, "/usr/bin/app")), &ignored));
    EXPECT_FALSE(decoder_.Decode(42, View(Object(2, 0x7f0000, "/lib/libc.so.6")), &ignored));
    EXPECT_FALSE(decoder_.Decode(42, View(Function(1, 2, "malloc")), &ignored));
    EXPECT_FALSE(decoder_.Decode(42, View(Function(2, 2, "free")), &ignored));
    EXPECT_FALSE(decoder_.Decode(42, View(Function(3, 2, "getenv")), &ignored));
    EXPECT_FALSE(decoder_.Decode(42, View(Function(4, 2, "mystery")), &ignored));
    int id = 5;
    for (const char* name : {"setlocale", "strlen", "strchr", "umask", "printf", "memcpy",
                             "snprintf", "kill", "read"}) {
      EXPECT_FALSE(decoder_.Decode(42, View(Function(id++, 2, name)), &ignored));
    }
  }

  LibraryCall Decode(const Bytes& bytes) {
    LibraryCall call;
    EXPECT_TRUE(decoder_.Decode(42, View(bytes), &call));
    return call;
  }

  LibraryCallDecoder decoder_;
};

// Lines without ltrace's alignment, to keep the expectations short.
CallFormat Plain() {
  CallFormat format;
  format.align = 0;
  return format;
}

TEST_F(LibraryCalls, NamesCallsAndShowsKnownPrototypes) {
  LibraryCall call = Decode(Call(1, {16}, 0x55aa00));
  EXPECT_EQ(call.function, "malloc");
  EXPECT_EQ(call.library, "/lib/libc.so.6");
  EXPECT_EQ(call.caller_library, "/usr/bin/app");
  EXPECT_EQ(call.caller_offset, 0x1234u);
  CallFormat format = Plain();
  EXPECT_EQ(FormatCallText(call, format), "app->malloc(16) = 0x55aa00\n");
  format.durations = true;
  EXPECT_EQ(FormatCallText(call, format), "app->malloc(16) = 0x55aa00 <0.000002>\n");
  nlohmann::json json = nlohmann::json::parse(FormatCallJson(call));
  EXPECT_EQ(json["pid"], 42);
  EXPECT_EQ(json["tid"], 7);
  EXPECT_EQ(json["ts_ns"], 1000);
  EXPECT_EQ(json["dur_ns"], 2500);
  EXPECT_EQ(json["args"], nlohmann::json::array({16}));
  EXPECT_EQ(json["result"], "0x55aa00");

  EXPECT_EQ(FormatCallText(Decode(Call(2, {0x55aa00}, 0)), Plain()),
            "app->free(0x55aa00) = <void>\n");
  EXPECT_EQ(FormatCallText(Decode(Call(4, {1, 2}, 0x2a)), Plain()),
            "app->mystery(1, 2, 0, 0) = 42\n");
}

// The lines ltrace 0.7.3 prints for the same calls (checked against it: docs/ltrace.md).
TEST_F(LibraryCalls, DecodesLikeLtrace) {
  CallFormat format;  // ltrace's defaults: -s 32, results at column 49, @MAIN's lines unprefixed
  format.hide_caller = true;
  auto line = [&](uint32_t function, std::vector<uint64_t> args, uint64_t result,
                  const std::string& texts = "", uint16_t text_args = 0) {
    return FormatCallText(Decode(Call(function, args, result, 0, texts, text_args)), format);
  };
  using std::string;
  EXPECT_EQ(line(5, {6, 0x1000}, 0x2000, string("") + '\0' + "C.UTF-8" + '\0', 2 | 64),
            "setlocale(LC_ALL, \"\")                            = \"C.UTF-8\"\n");
  EXPECT_EQ(line(5, {42, 0}, 0), "setlocale(42, nil)                               = nil\n");
  EXPECT_EQ(line(6, {0x1000}, 40, string("01234567890123456789012345678901X") + '\0', 1),
            "strlen(\"01234567890123456789012345678901\"...)    = 40\n");
  EXPECT_EQ(line(6, {0x1000}, 36, string("tab\tnl\nq\"bs\\bel\a\x7f") + '\0', 1),
            "strlen(\"tab\\tnl\\nq\"bs\\\\bel\\a\\177\")               = 36\n");
  EXPECT_EQ(line(7, {0x1000, '/'}, 0x1004, string("path/name") + '\0' + "/name" + '\0', 1 | 64),
            "strchr(\"path/name\", '/')                         = \"/name\"\n");
  EXPECT_EQ(line(7, {0x1000, '\n'}, 0, string("x") + '\0', 1),
            "strchr(\"x\", '\\n')                                = nil\n");
  // ltrace 0.7.3 leaves a quote char bare: strchr("a'b", ''') = "'b".
  EXPECT_EQ(line(7, {0x1000, '\''}, 0x1001, string("a'b") + '\0' + "'b" + '\0', 1 | 64),
            "strchr(\"a'b\", ''')                               = \"'b\"\n");
  EXPECT_EQ(line(8, {022}, 0), "umask(022)                                       = 0\n");
  EXPECT_EQ(line(2, {0}, 0), "free(0)                                          = <void>\n");
  // printf's format converts the arguments after it: %s from its recorded text.
  EXPECT_EQ(
      line(9, {0x1000, 42, 0x2000, 'z'}, 11, string("%d %s %c|\n") + '\0' + "text" + '\0', 1 | 4),
      "printf(\"%d %s %c|\\n\", 42, \"text\", 'z')           = 11\n");
  // memcpy's source is a char array of its size: a NUL inside it is shown.
  EXPECT_EQ(line(10, {0x3000, 0x1000, 6}, 0x3000, string("lsdir") + '\0', 2),
            "memcpy(0x3000, \"lsdir\\0\", 6)                     = 0x3000\n");
  // snprintf's buffer is read at return ('+'), bounded by its size.
  EXPECT_EQ(line(11, {0x1000, 16, 0x2000, 7}, 3, string("n=7") + '\0' + "n=%d" + '\0', 1 | 4),
            "snprintf(\"n=7\", 16, \"n=%d\", 7)                   = 3\n");
  EXPECT_EQ(line(12, {1234, 15}, 0), "kill(1234, SIGTERM)                              = 0\n");
  // Unknown: ltrace's four guessed arguments, small values in decimal.
  EXPECT_EQ(line(4, {0xffffff9c, 0x7ffd0000, 2048, 2}, 0),
            "mystery(0xffffff9c, 0x7ffd0000, 2048, 2)         = 0\n");
  // -s 3, -n 2 at depth 1, -a 20, the caller shown (-e given).
  format.string_size = 3;
  format.indent = 2;
  format.align = 20;
  format.hide_caller = false;
  LibraryCall nested = Decode(Call(6, {0x1000}, 5, 0, string("hello") + '\0', 1 | (1 << 8)));
  EXPECT_EQ(nested.depth, 1u);
  EXPECT_EQ(FormatCallText(nested, format), "  app->strlen(\"hel\"...) = 5\n");
}

TEST_F(LibraryCalls, StringTextsInBitOrder) {
  const std::string texts = std::string("TZ") + '\0' + "UTC" + '\0';
  LibraryCall call =
      Decode(Call(3, {0x1000}, 0x2000, 0, texts, uint16_t(1 | kLibraryCallResultText)));
  EXPECT_EQ(FormatCallText(call, Plain()), "app->getenv(\"TZ\") = \"UTC\"\n");
  nlohmann::json json = nlohmann::json::parse(FormatCallJson(call));
  EXPECT_EQ(json["texts"]["0"], "TZ");
  EXPECT_EQ(json["texts"]["result"], "UTC");
  EXPECT_EQ(json["args"][0], "0x1000");
}

TEST_F(LibraryCalls, HostileSizesAreBounded) {
  // A text size past the record's end: the texts are ignored, the call is still named.
  LibraryCall call = Decode(Call(3, {0x1000}, 0, 0, std::string("TZ") + '\0', 1, 4000));
  EXPECT_EQ(call.text_args, 0);
  EXPECT_EQ(FormatCallText(call, Plain()), "app->getenv(0x1000) = nil\n");
  // A text without its NUL ends at the record's text size.
  call = Decode(Call(3, {0x1000}, 0, 0, "ABCDEFGH", 1, 3));
  EXPECT_EQ(call.texts[0], "ABC");
  // A function never named, a caller never named.
  call = Decode(Call(99, {}, 0));
  EXPECT_EQ(call.function, "function#99");
  EXPECT_EQ(call.library, "");
  // Records too short to be what they say are not calls.
  Bytes short_call = Call(1, {16}, 0);
  short_call.resize(64);
  RecordView view = View(short_call);
  LibraryCall ignored;
  EXPECT_FALSE(decoder_.Decode(42, view, &ignored));
}

TEST_F(LibraryCalls, UnfinishedAndEntryOnly) {
  EXPECT_EQ(FormatCallText(Decode(Call(1, {16}, 0, kLibraryCallUnfinished)), Plain()),
            "app->malloc(16 <unfinished ...>\n");
  LibraryCall entry = Decode(Call(1, {16}, 0, kLibraryCallNoExit));
  EXPECT_EQ(FormatCallText(entry, Plain()), "app->malloc(16 <no return ...>\n");
  nlohmann::json json = nlohmann::json::parse(FormatCallJson(entry));
  EXPECT_TRUE(json["dur_ns"].is_null());
  EXPECT_EQ(json["returned"], false);
}

TEST_F(LibraryCalls, SummaryCountsEveryCallAndTimesTheFinishedOnes) {
  CallSummary summary;
  for (int i = 0; i < 3; ++i) summary.Add(Decode(Call(1, {16}, 1)));
  summary.Add(Decode(Call(2, {1}, 0, kLibraryCallUnfinished)));
  const std::string text = summary.FormatText();
  EXPECT_NE(text.find("100.00    0.000007           2         3 malloc\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  0.00    0.000000           0         1 free\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("         4 total\n"), std::string::npos) << text;
}

TEST_F(LibraryCalls, ANewImageNumbersAfresh) {
  ProcessStartRecord start{};
  start.h = {sizeof(start), uint16_t(RecordType::kProcessStart), 0};
  Bytes bytes(sizeof(start));
  memcpy(bytes.data(), &start, sizeof(start));
  LibraryCall ignored;
  EXPECT_FALSE(decoder_.Decode(42, View(bytes), &ignored));
  EXPECT_EQ(Decode(Call(1, {16}, 0)).function, "function#1");
}

}  // namespace
}  // namespace memwrap
