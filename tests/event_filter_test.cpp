// The filter expression (tracer/filter/event_filter.h, docs/filters.md) on events whose every
// field is known: what each comparison, connective and stack field selects, and where a
// malformed expression is refused.
#include "tracer/filter/event_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace memwrap {
namespace {

// A stack of fixed frames, innermost first; counts how often it is asked.
class FixedStack : public FilterStack {
 public:
  explicit FixedStack(std::vector<FilterFrame> frames) : frames_(std::move(frames)) {}
  size_t Depth() override {
    ++reads;
    return frames_.size();
  }
  FilterFrame Frame(size_t index) override { return frames_[index]; }
  int reads = 0;

 private:
  std::vector<FilterFrame> frames_;
};

FilterEvent Alloc(uint64_t size, FilterStack* stack = nullptr) {
  FilterEvent event;
  event.kind = FilterKind::kAlloc;
  event.size = size;
  event.address = 0x7f0000001000;
  event.pid = 100;
  event.tid = 101;
  event.time_ns = 2'500'000'000;
  event.heap = 3ull << 30;
  event.stack = stack;
  return event;
}

bool Matches(const std::string& text, const FilterEvent& event) {
  return EventFilter(text).Matches(event);
}

TEST(EventFilter, ComparesSizesInMemwrapsUnits) {
  const FilterEvent big = Alloc(200ull << 20), small = Alloc(4096);
  EXPECT_TRUE(Matches("size > 100MiB", big));
  EXPECT_FALSE(Matches("size > 100MiB", small));
  EXPECT_TRUE(Matches("size == 4KiB", small));
  EXPECT_TRUE(Matches("size = 4096", small));
  EXPECT_TRUE(Matches("size >= 4.0KiB and size <= 4KB", Alloc(4000)) == false);
  EXPECT_TRUE(Matches("size <= 4KB", Alloc(4000)));
  EXPECT_TRUE(Matches("heap > 2GiB", small));
  EXPECT_TRUE(Matches("address == 0x7f0000001000", small));
  EXPECT_TRUE(Matches("time > 2s and time < 2501ms", small));
  EXPECT_TRUE(Matches("pid == 100 and tid != 100", small));
}

TEST(EventFilter, KindsAndConnectives) {
  const FilterEvent alloc = Alloc(64);
  FilterEvent free_event;
  free_event.kind = FilterKind::kFree;
  free_event.address = 0x1000;
  EXPECT_TRUE(Matches("kind == alloc", alloc));
  EXPECT_FALSE(Matches("kind == alloc", free_event));
  EXPECT_TRUE(Matches("kind != alloc", free_event));
  EXPECT_TRUE(Matches("kind == free or size > 1GiB", free_event));
  EXPECT_TRUE(Matches("not (kind == free) && size == 64", alloc));
  EXPECT_TRUE(Matches("!kind == free", alloc));
  // and binds tighter than or.
  EXPECT_TRUE(Matches("kind == free and size > 1 or kind == alloc", alloc));
  EXPECT_FALSE(Matches("kind == free and (size > 1 or kind == alloc)", alloc));
}

TEST(EventFilter, AFieldTheEventLacksIsFalse) {
  FilterEvent free_event;
  free_event.kind = FilterKind::kFree;
  EXPECT_FALSE(Matches("size > 0", free_event));
  EXPECT_TRUE(Matches("not size > 0", free_event));
  EXPECT_FALSE(Matches("function ~ \"*\"", free_event));
  EXPECT_FALSE(Matches("mark == \"x\"", free_event));
  EXPECT_FALSE(Matches("result < 0", free_event));
}

TEST(EventFilter, MarksAndSystemCalls) {
  FilterEvent event;
  event.kind = FilterKind::kSyscall;
  event.syscall = "mmap";
  event.result = -12;
  event.mark = "phase2";
  EXPECT_TRUE(Matches("syscall == mmap and result < 0", event));
  EXPECT_TRUE(Matches("syscall ~ \"m*p\" and result == -12", event));
  EXPECT_TRUE(Matches("mark == \"phase2\"", event));
  EXPECT_TRUE(Matches("mark !~ \"phase1*\"", event));
  EXPECT_FALSE(Matches("mark != phase2", event));
}

TEST(EventFilter, StackFieldsMatchAnyFrameOrTheInnermost) {
  FixedStack stack({{"load_table", "libapp.so", "src/load.c", 42},
                    {"parse_config", "app", "src/config.c", 7},
                    {"main", "app", "src/main.c", 3}});
  const FilterEvent event = Alloc(8 << 20, &stack);
  EXPECT_TRUE(Matches("function ~ \"*parse*\"", event));
  EXPECT_TRUE(Matches("function == main", event));
  EXPECT_FALSE(Matches("top.function ~ \"*parse*\"", event));
  EXPECT_TRUE(Matches("top.function ~ \"load_*\"", event));
  EXPECT_TRUE(Matches("module ~ \"libapp*\" and file == \"src/config.c\"", event));
  EXPECT_TRUE(Matches("line == 7 and top.line == 42", event));
  // != and !~ on a frame field: no frame matches.
  EXPECT_FALSE(Matches("function != main", event));
  EXPECT_TRUE(Matches("function !~ \"*yaml*\"", event));
  EXPECT_TRUE(Matches("top.function != main", event));
  EXPECT_TRUE(Matches("size > 1MiB and function ~ \"*parse*\"", event));
  EXPECT_TRUE(EventFilter("function ~ \"x\"").ReadsStack());
  EXPECT_FALSE(EventFilter("size > 1").ReadsStack());
}

TEST(EventFilter, TheStackIsNotReadWhenTheRestDecides) {
  FixedStack stack({{"f", "m", "x.c", 1}});
  const FilterEvent event = Alloc(64, &stack);
  EXPECT_FALSE(Matches("size > 1MiB and function ~ \"*\"", event));
  EXPECT_EQ(stack.reads, 0);
}

TEST(EventFilter, RefusesMalformedExpressionsWithTheirColumn) {
  struct Case {
    const char* text;
    size_t column;
    const char* message;
  };
  const Case cases[] = {
      {"size >", 7, "expected a value after '>', found the end"},
      {"sise > 1", 1, "unknown field 'sise'"},
      {"size > 1 and", 13, "expected a field"},
      {"size 1", 6, "expected ==, !=, <, <=, >, >=, ~ or !~ after 'size', found '1'"},
      {"size > lots", 8, "expected a size"},
      {"time > 5 parsecs", 10, "expected 'and', 'or' or the end, found 'parsecs'"},
      {"kind == allocation", 9, "unknown kind 'allocation'"},
      {"size ~ \"1*\"", 6, "'~' does not apply to 'size'"},
      {"function > \"a\"", 10, "'>' does not apply to 'function'"},
      {"(size > 1", 10, "expected ')', found the end"},
      {"mark == \"open", 9, "string not closed"},
      {"size > 1 $", 10, "unexpected character '$'"},
      {"top.size > 1", 1, "unknown field 'top.size'"},
      {"pid == -1", 8, "expected a whole number"},
  };
  for (const Case& c : cases) {
    try {
      EventFilter filter(c.text);
      ADD_FAILURE() << c.text << ": accepted";
    } catch (const FilterSyntaxError& error) {
      EXPECT_EQ(error.column(), c.column) << c.text << ": " << error.what();
      EXPECT_NE(std::string(error.what()).find(c.message), std::string::npos)
          << c.text << ": " << error.what();
      EXPECT_EQ(std::string(error.what()).rfind("column " + std::to_string(c.column) + ": ", 0), 0u)
          << error.what();
    }
  }
}

}  // namespace
}  // namespace memwrap
