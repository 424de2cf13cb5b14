// load: /proc/loadavg ("0.52 0.48 0.40 2/131 15286").
#include "memwrap/records.h"
#include "procfs/proc_text.h"
#include "system_logger/module_registry.h"

namespace memwrap {
namespace {

class LoadModule : public SystemModule {
 public:
  explicit LoadModule(const SystemModuleSettings& settings)
      : path_(settings.root + "/proc/loadavg") {}
  const char* name() const override { return "load"; }

  std::string Prepare() override {
    ByteBuffer probe;
    Sample(0, &probe);
    return probe.empty() ? "cannot read or parse " + path_ : "";
  }

  void Sample(uint64_t ts_ns, ByteBuffer* records) override {
    if (!ReadProcFile(path_, &text_)) return;
    std::vector<std::string_view> fields = Fields(Lines(text_).empty() ? "" : Lines(text_)[0]);
    if (fields.size() < 4) return;
    SystemLoadRecord r{};
    r.h = {sizeof(r), uint16_t(RecordType::kSystemLoad), 0};
    r.ts_ns = ts_ns;
    if (!ParseMilli(fields[0], &r.load1_milli) || !ParseMilli(fields[1], &r.load5_milli) ||
        !ParseMilli(fields[2], &r.load15_milli)) {
      return;
    }
    const size_t slash = fields[3].find('/');
    uint64_t runnable = 0, tasks = 0;
    if (slash == std::string_view::npos || !ParseU64(fields[3].substr(0, slash), &runnable) ||
        !ParseU64(fields[3].substr(slash + 1), &tasks)) {
      return;
    }
    r.runnable = uint32_t(runnable);
    r.tasks = uint32_t(tasks);
    AppendRecord(records, r);
  }

 private:
  std::string path_;
  std::string text_;
};

}  // namespace

std::unique_ptr<SystemModule> MakeLoadModule(const SystemModuleSettings& settings) {
  return std::make_unique<LoadModule>(settings);
}

}  // namespace memwrap
