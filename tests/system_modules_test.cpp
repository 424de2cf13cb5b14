// The system logger's modules on fixed /proc text (an injected root), the module list, and what
// the logger prints of a sample.
#include <gtest/gtest.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/system_sample_format.h"
#include "memwrap/records.h"
#include "procfs/proc_text.h"
#include "system_logger/module_registry.h"
#include "tests/test_support.h"
#include "tracefile/record_cursor.h"

namespace memwrap {
namespace {

using test_support::ScratchDir;
using test_support::WriteFile;

// A fake machine: the /proc (and /sys/block) files the modules read.
class FakeRoot {
 public:
  FakeRoot() {
    for (const char* sub : {"/proc", "/proc/net", "/proc/123", "/proc/456", "/proc/789", "/sys",
                            "/sys/block", "/sys/block/vda"}) {
      mkdir((dir_.path() + sub).c_str(), 0755);
    }
  }
  void Write(const std::string& file, const std::string& text) {
    WriteFile(dir_.path() + "/" + file, text);
  }
  SystemModuleSettings settings(size_t top = 5) const { return {dir_.path(), top}; }

 private:
  ScratchDir dir_;
};

// Runs one module's Prepare and one Sample; returns the records.
std::vector<RecordView> SampleOnce(const std::string& name, const SystemModuleSettings& settings,
                                   ByteBuffer* storage, std::string* prepare_error = nullptr) {
  std::unique_ptr<SystemModule> module = MakeSystemModule(name, settings);
  std::string problem = module->Prepare();
  if (prepare_error != nullptr) *prepare_error = problem;
  if (!problem.empty()) return {};
  module->Sample(42, storage);
  module->Close();
  std::vector<RecordView> records;
  RecordCursor cursor(storage->data(), storage->size());
  RecordView view;
  while (cursor.Next(&view, "test")) records.push_back(view);
  return records;
}

TEST(SystemModules, MemoryIsMeminfoInBytesWithFreesDefinitions) {
  FakeRoot root;
  root.Write("proc/meminfo",
             "MemTotal:       24731272 kB\n"
             "MemFree:        16943676 kB\n"
             "MemAvailable:   21558992 kB\n"
             "Buffers:           17396 kB\n"
             "Cached:          4570936 kB\n"
             "SwapCached:            0 kB\n"
             "SwapTotal:       2097148 kB\n"
             "SwapFree:        1048572 kB\n"
             "Shmem:              8880 kB\n"
             "SReclaimable:     300000 kB\n"
             "HugePages_Total:       0\n");
  ByteBuffer storage;
  auto records = SampleOnce("memory", root.settings(), &storage);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].type, RecordType::kSystemMemory);
  const auto* m = records[0].As<SystemMemoryRecord>();
  EXPECT_EQ(m->ts_ns, 42u);
  EXPECT_EQ(m->total, 24731272ull * 1024);
  EXPECT_EQ(m->free, 16943676ull * 1024);
  EXPECT_EQ(m->available, 21558992ull * 1024);
  EXPECT_EQ(m->used, (24731272ull - 21558992ull) * 1024);
  EXPECT_EQ(m->buffers, 17396ull * 1024);
  EXPECT_EQ(m->cache, (4570936ull + 300000ull) * 1024);
  EXPECT_EQ(m->shared, 8880ull * 1024);
  EXPECT_EQ(m->swap_total, 2097148ull * 1024);
  EXPECT_EQ(m->swap_used, (2097148ull - 1048572ull) * 1024);
}

TEST(SystemModules, MemoryWithoutMemAvailableUsesTheOldDefinition) {
  FakeRoot root;
  root.Write("proc/meminfo",
             "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\n");
  ByteBuffer storage;
  auto records = SampleOnce("memory", root.settings(), &storage);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].As<SystemMemoryRecord>()->used, (1000ull - 100 - 50 - 200) * 1024);
  EXPECT_EQ(records[0].As<SystemMemoryRecord>()->available, 0u);
}

TEST(SystemModules, MemoryWithoutMeminfoCannotPrepare) {
  FakeRoot root;
  ByteBuffer storage;
  std::string error;
  SampleOnce("memory", root.settings(), &storage, &error);
  EXPECT_NE(error.find("proc/meminfo"), std::string::npos) << error;
}

TEST(SystemModules, CpuIsTheAllCpusLineInTicks) {
  FakeRoot root;
  root.Write("proc/stat",
             "cpu  1445238 73 105216 570197 7131 1 487 1385 9 8\n"
             "cpu0 702933 35 49832 309516 1722 0 112 694 0 0\n"
             "cpu1 742304 37 55383 260680 5408 0 375 691 0 0\n"
             "intr 123 4 5\nctxt 99\n");
  ByteBuffer storage;
  auto records = SampleOnce("cpu", root.settings(), &storage);
  ASSERT_EQ(records.size(), 1u);
  const auto* c = records[0].As<SystemCpuRecord>();
  EXPECT_EQ(c->user, 1445238u);
  EXPECT_EQ(c->nice, 73u);
  EXPECT_EQ(c->system, 105216u);
  EXPECT_EQ(c->idle, 570197u);
  EXPECT_EQ(c->iowait, 7131u);
  EXPECT_EQ(c->irq, 1u);
  EXPECT_EQ(c->softirq, 487u);
  EXPECT_EQ(c->steal, 1385u);
  EXPECT_EQ(c->cpus, 2u);
  EXPECT_EQ(c->ticks_per_second, uint32_t(sysconf(_SC_CLK_TCK)));
}

TEST(SystemModules, LoadIsExactThousandths) {
  FakeRoot root;
  root.Write("proc/loadavg", "9.87 11.27 0.05 8/131 15286\n");
  ByteBuffer storage;
  auto records = SampleOnce("load", root.settings(), &storage);
  ASSERT_EQ(records.size(), 1u);
  const auto* l = records[0].As<SystemLoadRecord>();
  EXPECT_EQ(l->load1_milli, 9870u);
  EXPECT_EQ(l->load5_milli, 11270u);
  EXPECT_EQ(l->load15_milli, 50u);
  EXPECT_EQ(l->runnable, 8u);
  EXPECT_EQ(l->tasks, 131u);
}

TEST(SystemModules, NetworkGivesOneItemPerInterface) {
  FakeRoot root;
  root.Write("proc/net/dev",
             "Inter-|   Receive                                                |  Transmit\n"
             " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
             "errs drop fifo colls carrier compressed\n"
             "    lo:   10534     138    0    0    0     0          0         0    10534     138 "
             "   0    0    0     0       0          0\n"
             "  eth0:157239632    3757    1    2    0     0          0         0   172922    2183 "
             "   3    4    0     0       0          0\n");
  ByteBuffer storage;
  auto records = SampleOnce("network", root.settings(), &storage);
  ASSERT_EQ(records.size(), 2u);
  const auto* eth = records[1].As<SystemItemRecord>();
  EXPECT_EQ(records[1].flags, uint16_t(SystemItemKind::kNetworkInterface));
  EXPECT_STREQ(eth->name, "eth0");
  const uint64_t expected[8] = {157239632, 3757, 1, 2, 172922, 2183, 3, 4};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(eth->values[i], expected[i]) << i;
  EXPECT_STREQ(records[0].As<SystemItemRecord>()->name, "lo");
}

TEST(SystemModules, DiskListsWholeDisksThatDidIoInBytes) {
  FakeRoot root;
  root.Write("proc/diskstats",
             "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
             " 254       0 vda 268919 36705 8174066 1110406 145920 121882 89199312 321155 2 "
             "122124 1454055 62866 4 69127912 22039 5576 453\n"
             " 254       1 vda1 1000 0 2000 30 400 0 800 10 0 40 0 0 0 0 0 0 0\n");
  ByteBuffer storage;
  auto records = SampleOnce("disk", root.settings(), &storage);
  // loop0 did nothing since boot; vda1 is a partition of vda (not in /sys/block).
  ASSERT_EQ(records.size(), 1u);
  const auto* vda = records[0].As<SystemItemRecord>();
  EXPECT_EQ(records[0].flags, uint16_t(SystemItemKind::kDisk));
  EXPECT_STREQ(vda->name, "vda");
  const uint64_t expected[8] = {
      268919, 8174066ull * 512, 1110406, 145920, 89199312ull * 512, 321155, 2, 122124};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(vda->values[i], expected[i]) << i;
}

TEST(SystemModules, TopListsTheLargestResidentSetsFirst) {
  FakeRoot root;
  // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt
  // cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss.
  auto stat = [](const std::string& head, uint64_t threads, uint64_t rss_pages) {
    return head + " S 1 1 1 0 -1 0 0 0 0 0 50 25 0 0 20 0 " + std::to_string(threads) +
           " 0 100 104857600 " + std::to_string(rss_pages) + " 18446744073709551615 1 1\n";
  };
  root.Write("proc/123/stat", stat("123 (my (odd) prog)", 3, 2560));
  root.Write("proc/456/stat", stat("456 (big)", 1, 9000));
  root.Write("proc/789/stat", stat("789 (kthread)", 1, 0));
  ByteBuffer storage;
  auto records = SampleOnce("top", root.settings(/*top=*/5), &storage);
  ASSERT_EQ(records.size(), 2u);  // the kernel thread has no resident set
  const uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
  const auto* first = records[0].As<SystemItemRecord>();
  const auto* second = records[1].As<SystemItemRecord>();
  EXPECT_EQ(first->id, 456u);
  EXPECT_STREQ(first->name, "big");
  EXPECT_EQ(first->values[0], 9000 * page);
  EXPECT_EQ(first->values[4], 1u);
  EXPECT_EQ(second->id, 123u);
  EXPECT_STREQ(second->name, "my (odd) prog");
  EXPECT_EQ(second->values[0], 2560 * page);
  EXPECT_EQ(second->values[1], 104857600u);
  EXPECT_EQ(second->values[2], 75u);
  EXPECT_EQ(second->values[3], 3u);
  EXPECT_EQ(second->values[4], 2u);

  ByteBuffer one;
  EXPECT_EQ(SampleOnce("top", root.settings(/*top=*/1), &one).size(), 1u);
}

TEST(SystemModules, AnUnreadableFileThisTimeAddsNoRecord) {
  FakeRoot root;
  root.Write("proc/loadavg", "0.00 0.00 0.00 1/1 1\n");
  std::unique_ptr<SystemModule> module = MakeSystemModule("load", root.settings());
  ASSERT_EQ(module->Prepare(), "");
  root.Write("proc/loadavg", "garbage\n");
  ByteBuffer records;
  module->Sample(1, &records);
  EXPECT_TRUE(records.empty());
}

TEST(SystemModules, ModuleListAcceptsNamesAndAllAndRefusesOthers) {
  std::vector<std::string> names;
  EXPECT_EQ(ParseModuleList("cpu,memory,cpu", &names), "");
  EXPECT_EQ(names, (std::vector<std::string>{"memory", "cpu"}));
  EXPECT_EQ(ParseModuleList("all", &names), "");
  EXPECT_EQ(names, SystemModuleNames());
  EXPECT_NE(ParseModuleList("memory,swap", &names).find("'swap'"), std::string::npos);
  EXPECT_NE(ParseModuleList("", &names), "");
}

// --- what the logger prints of a sample ---

SystemSample SampleAt(uint64_t ts_ns, uint64_t busy, uint64_t idle, uint64_t rx) {
  SystemSample sample;
  sample.ts_ns = ts_ns;
  sample.realtime_ns = 1795314855123456789ull + ts_ns;  // 2026-11-22T02:34:15.123Z + ts
  sample.host = "box";
  SystemCpuRecord cpu{};
  cpu.user = busy;
  cpu.idle = idle;
  cpu.cpus = 2;
  sample.cpu = cpu;
  SystemItem eth;
  eth.kind = SystemItemKind::kNetworkInterface;
  eth.name = "eth0";
  eth.values[0] = rx;
  SystemItem lo = eth;
  lo.name = "lo";
  lo.values[0] = 1000000;  // loopback traffic is not the machine's traffic
  sample.items = {lo, eth};
  return sample;
}

TEST(SystemSampleFormat, CpuAndTrafficAreSinceBootFirstThenSinceThePreviousSample) {
  SystemSampleFormatter text({"cpu", "network"});
  EXPECT_EQ(text.TextLine(SampleAt(0, 300, 100, 4096)),
            "2026-11-22T02:34:15.123Z box | cpu 75.0% busy since boot (2 CPUs) | net rx 4.00 "
            "KiB, tx 0 B since boot");
  // Half a second later: 50 busy ticks of 200, 1024 bytes received.
  EXPECT_EQ(text.TextLine(SampleAt(500000000, 350, 250, 5120)),
            "2026-11-22T02:34:15.623Z box | cpu 25.0% busy (2 CPUs) | net rx 2.00 KiB/s, tx "
            "0 B/s");

  SystemSampleFormatter csv({"cpu", "network"});
  EXPECT_EQ(csv.CsvHeader(), "time,host,cpu_busy_percent,net_rx_bytes,net_tx_bytes\n");
  EXPECT_EQ(csv.CsvRow(SampleAt(0, 300, 100, 4096)), "2026-11-22T02:34:15.123Z,box,75.0,4096,0\n");
  SystemSample without_network = SampleAt(500000000, 350, 250, 5120);
  without_network.items.clear();  // /proc/net/dev unreadable this time: empty, not 0
  EXPECT_EQ(csv.CsvRow(without_network), "2026-11-22T02:34:15.623Z,box,25.0,,\n");
}

}  // namespace
}  // namespace memwrap
