// network: /proc/net/dev, one SYSTEM_ITEM per interface (loopback included; readers that sum
// traffic leave "lo" out).
#include "memwrap/records.h"
#include "procfs/proc_text.h"
#include "system_logger/module_registry.h"

namespace memwrap {
namespace {

class NetworkModule : public SystemModule {
 public:
  explicit NetworkModule(const SystemModuleSettings& settings)
      : path_(settings.root + "/proc/net/dev") {}
  const char* name() const override { return "network"; }

  std::string Prepare() override {
    std::string text;
    return ReadProcFile(path_, &text) ? "" : "cannot read " + path_;
  }

  void Sample(uint64_t ts_ns, ByteBuffer* records) override {
    if (!ReadProcFile(path_, &text_)) return;
    // "  eth0: 157239632 3757 0 0 0 0 0 0 172922 2183 0 0 0 0 0 0" after two header lines;
    // a long counter can touch the colon ("eth0:157239632").
    for (std::string_view line : Lines(text_)) {
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;  // a header line
      std::vector<std::string_view> name = Fields(line.substr(0, colon));
      std::vector<std::string_view> counters = Fields(line.substr(colon + 1));
      if (name.size() != 1 || counters.size() < 12) continue;
      SystemItemRecord r{};
      r.h = {sizeof(r), uint16_t(RecordType::kSystemItem),
             uint16_t(SystemItemKind::kNetworkInterface)};
      r.ts_ns = ts_ns;
      CopyName(name[0], r.name, sizeof(r.name));
      const size_t columns[8] = {0, 1, 2, 3, 8, 9, 10, 11};
      bool ok = true;
      for (size_t i = 0; i < 8; ++i) ok = ok && ParseU64(counters[columns[i]], &r.values[i]);
      if (ok) AppendRecord(records, r);
    }
  }

 private:
  std::string path_;
  std::string text_;
};

}  // namespace

std::unique_ptr<SystemModule> MakeNetworkModule(const SystemModuleSettings& settings) {
  return std::make_unique<NetworkModule>(settings);
}

}  // namespace memwrap
