// `dlogger`, `cronlogger`, `memwrap sys [--once]`: system-wide logging with no program to run.
// Samples the machine's memory, CPU, load, network, disks and top processes
// (tracer/system/module_registry.h) on a drift-free timer and writes each sample to a trace,
// as a text line, as a CSV row and/or to syslog. docs/dlogger.md.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <map>
#include <memory>

#include "byte_format.h"
#include "command_line.h"
#include "commands.h"
#include "memwrap/exit_codes.h"
#include "fileio/output_file.h"
#include "system_sample_format.h"
#include "system_samples.h"
#include "trace_stream.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"
#include "tracefile/trace_writer.h"
#include "tracefile/unique_fd.h"
#include "tracer/system/module_registry.h"
#include "tracer/system/system_sampler.h"
#include "tracer/host_name.h"

namespace memwrap {
namespace po = boost::program_options;
namespace {

// A text or CSV file (or standard output) the samples go to.
class LineOutput {
 public:
  // Returns "" or a one-line error. `append` adds to an existing file (the CSV header only
  // when the file is empty); `replace` replaces it (whole, when the logging ends:
  // fileio/output_file.h); otherwise an existing file is refused.
  std::string Open(const std::string& path, bool append, bool replace) {
    path_ = path;
    if (path == "-") {
      stdout_ = UniqueFd(dup(STDOUT_FILENO));
      fd_ = stdout_.get();
      return fd_ >= 0 ? "" : std::string("cannot use standard output: ") + strerror(errno);
    }
    const ExistingFile rule = append    ? ExistingFile::kAppend
                              : replace ? ExistingFile::kReplace
                                        : ExistingFile::kRefuse;
    if (std::string error = file_.Open(path, rule, 0644); !error.empty()) {
      if (error.rfind("the file exists", 0) == 0) error = "the file exists (use --append or --force)";
      return "cannot create '" + path + "': " + error;
    }
    fd_ = file_.fd();
    // Lines from overlapping cron jobs go to the end, whoever wrote last.
    if (append) fcntl(fd_, F_SETFL, O_APPEND);
    // Overlapping cron jobs append whole lines in turn.
    while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
    struct stat st{};
    empty_ = fstat(fd_, &st) == 0 && st.st_size == 0;
    return "";
  }
  bool empty() const { return path_ == "-" || empty_; }
  bool Write(const std::string& text) {
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      ssize_t n = write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = "cannot write '" + path_ + "': " + strerror(n < 0 ? errno : EIO);
        return false;
      }
      p += n;
      left -= size_t(n);
    }
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  UniqueFd stdout_;
  OutputFile file_;
  int fd_ = -1;  // one of the two
  bool empty_ = true;
  std::string error_;
};

}  // namespace

int SysCommand(const std::vector<std::string>& args, const std::string& command, bool once) {
  const std::string host = HostName();
  po::options_description options(
      "usage: " + command + " [options]\n"
      "\n"
      "System-wide logging, no program to run: samples the machine's memory (like free),\n"
      "CPU, load, network, disks and the top processes by RSS at the start and then every\n"
      "--interval on a drift-free timer, until --duration has passed or it is interrupted\n"
      "(Ctrl-C, SIGTERM: the samples taken are kept, exit 0). Each sample goes to a trace\n"
      "(memwrap timeline TRACE shows memory over time), a text line (-o -), a CSV row\n"
      "(--format csv) and/or syslog (--syslog). cronlogger (or --once) takes one sample and\n"
      "appends it, for cron. Exit codes: 0 done, 2 bad usage, a module that cannot read its\n"
      "/proc file, or an output that cannot be written. docs/dlogger.md.\n"
      "\n"
      "Options");
  std::string output, format, interval_text = "1s", duration_text, modules_text = "all";
  size_t top = 5;
  options.add_options()
      ("help,h", "show this help and exit")
      ("output,o", po::value<std::string>(&output)->value_name("FILE"),
       ("where samples go; '-' is standard output (text lines). Default: dlogger." + host +
        ".mwt, or nothing with --syslog").c_str())
      ("format", po::value<std::string>(&format)->value_name("trace|text|csv"),
       "trace (.mwt), text (one line per sample) or csv (a header, then one row per sample); "
       "default: text for '-', csv for a FILE ending in .csv, trace otherwise")
      ("interval", po::value<std::string>(&interval_text)->value_name("DURATION"),
       "time between samples (e.g. 500ms, 1s, 1m); default 1s")
      ("duration", po::value<std::string>(&duration_text)->value_name("DURATION"),
       "stop after this long (e.g. 3s, 1h); default: until interrupted")
      ("modules", po::value<std::string>(&modules_text)->value_name("LIST"),
       "what to sample, comma-separated: memory, cpu, load, network, disk, top (or all, the "
       "default)")
      ("top", po::value<size_t>(&top)->value_name("N"),
       "processes listed by the top module, largest RSS first (default 5)")
      ("once", "take one sample, append it to the output and exit (what cronlogger does)")
      ("append", "add to an existing output file instead of refusing it")
      ("force", "replace an existing output file")
      ("syslog", "also send each sample as a text line to syslog (ident dlogger, LOG_INFO)");
  po::variables_map vm;
  if (int status = ParseOptions(args, options, command, &vm); status >= 0) return status;
  auto usage = [&](const std::string& message) {
    fprintf(stderr, "%s: %s\n", command.c_str(), message.c_str());
    return kExitUsage;
  };
  once = once || vm.count("once") > 0;
  const bool append = once || vm.count("append") > 0;
  const bool replace = vm.count("force") > 0;
  const bool to_syslog = vm.count("syslog") > 0;
  if (append && replace) return usage("--append (or --once) and --force exclude each other");
  SamplerSchedule schedule;
  schedule.once = once;
  schedule.host = host;
  if (once && (vm.count("interval") || vm.count("duration"))) {
    return usage("--once takes a single sample: --interval and --duration do not apply");
  }
  if (!ParseDuration(interval_text, &schedule.interval_ns) ||
      schedule.interval_ns < 10000000) {
    return usage("--interval " + interval_text + ": not a duration of at least 10ms (e.g. 1s)");
  }
  if (!duration_text.empty() &&
      (!ParseDuration(duration_text, &schedule.duration_ns) || schedule.duration_ns == 0)) {
    return usage("--duration " + duration_text + ": not a duration above 0 (e.g. 3s, 1h)");
  }
  if (vm.count("top") && top == 0) return usage("--top 0: give at least 1");
  std::vector<std::string> module_names;
  if (std::string error = ParseModuleList(modules_text, &module_names); !error.empty()) {
    return usage("--modules: " + error);
  }
  if (output.empty() && !to_syslog) output = "dlogger." + host + ".mwt";
  if (format.empty() && !output.empty()) {
    format = output == "-"                                                         ? "text"
             : output.size() > 4 && output.compare(output.size() - 4, 4, ".csv") == 0 ? "csv"
                                                                                   : "trace";
  }
  if (!format.empty() && format != "trace" && format != "text" && format != "csv") {
    return usage("--format " + format + ": trace, text or csv");
  }
  if (!format.empty() && output.empty()) return usage("--format needs an output (-o FILE or -o -)");
  if (format == "trace" && output == "-") {
    return usage("a trace cannot go to standard output: give -o FILE.mwt, or --format text");
  }

  // Prepare the modules: one asked for by name must work; of "all", those that cannot read
  // their file (a container without /proc/diskstats) are left out with a warning.
  SystemModuleSettings settings;
  settings.top = top;
  const bool all = modules_text.find("all") != std::string::npos;
  std::vector<std::unique_ptr<SystemModule>> modules;
  std::vector<std::string> used_names;
  for (const std::string& name : module_names) {
    std::unique_ptr<SystemModule> module = MakeSystemModule(name, settings);
    std::string problem = module->Prepare();
    if (!problem.empty()) {
      if (!all) return usage("module " + name + ": " + problem);
      fprintf(stderr, "%s: warning: module %s left out: %s\n", command.c_str(), name.c_str(),
              problem.c_str());
      continue;
    }
    used_names.push_back(name);
    modules.push_back(std::move(module));
  }

  // Open the outputs before the first sample, so a bad path costs nothing.
  std::unique_ptr<TraceWriter> trace;
  LineOutput lines;
  try {
    if (format == "trace") {
      struct stat st{};
      bool has_session_info = false;
      if (append && lstat(output.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        // Samples appended to a program's trace would be invisible to its report: refuse.
        // (A file with no complete session info yet, from a first call killed right after it
        // created the file, gets its session info now.)
        TraceReader reader(output);
        TraceStream existing(&reader);
        has_session_info = !existing.session_info().empty();
        if (has_session_info && !IsSystemLog(existing.session_info())) {
          fprintf(stderr, "%s: '%s' is a program's trace, not a system log: not appending to it\n",
                  command.c_str(), output.c_str());
          return kExitCannotWrite;
        }
      }
      trace = std::make_unique<TraceWriter>(output, append    ? TraceWriter::Existing::kAppend
                                                    : replace ? TraceWriter::Existing::kReplace
                                                              : TraceWriter::Existing::kRefuse);
      if (trace->torn_tail_bytes() > 0) {
        fprintf(stderr, "%s: warning: '%s' ended in an incomplete chunk (%llu bytes, from an "
                "interrupted earlier run); it was cut off before appending\n", command.c_str(),
                output.c_str(), static_cast<unsigned long long>(trace->torn_tail_bytes()));
      }
      if (!has_session_info) {
        std::string module_list;
        for (const std::string& name : used_names) module_list += (module_list.empty() ? "" : ",") + name;
        std::map<std::string, std::string> info = {
            {"trace_kind", "system"},
            {"recorder", command},
            {"host", host},
            {"memwrap_version", MEMWRAP_VERSION},
            {"modules", module_list},
            {"top", std::to_string(top)}};
        if (!once) info["sample_interval_ns"] = std::to_string(schedule.interval_ns);
        trace->WriteSessionInfo(info);
      }
    } else if (format == "text" || format == "csv") {
      if (std::string error = lines.Open(output, append, replace); !error.empty()) {
        fprintf(stderr, "%s: %s\n", command.c_str(), error.c_str());
        return kExitCannotWrite;
      }
    }
  } catch (const TraceError& error) {
    fprintf(stderr, "%s: %s\n", command.c_str(), error.what());
    return kExitCannotWrite;
  }
  SystemSampleFormatter line_format(used_names);
  SystemSampleFormatter syslog_format(used_names);
  if (format == "csv" && lines.empty() && !lines.Write(line_format.CsvHeader())) {
    fprintf(stderr, "%s: %s\n", command.c_str(), lines.error().c_str());
    return kExitCannotWrite;
  }
  if (to_syslog) openlog("dlogger", LOG_PID, LOG_USER);

  std::string write_error;
  SamplerResult result = RunSystemSampler(
      modules, schedule, [&](uint64_t, const ByteBuffer& records) {
        try {
          if (trace) trace->WriteRecords(0, records.data(), records.size());
        } catch (const TraceError& error) {
          write_error = error.what();
          return false;
        }
        if (format == "trace" && !to_syslog) return true;
        SystemSampleAssembler assembler;
        RecordCursor cursor(records.data(), records.size());
        RecordView record;
        while (cursor.Next(&record, "sample")) assembler.Add(record);
        SystemSample sample;
        if (!assembler.Take(&sample)) return true;
        if (format == "text" && !lines.Write(line_format.TextLine(sample) + "\n")) {
          write_error = lines.error();
          return false;
        }
        if (format == "csv" && !lines.Write(line_format.CsvRow(sample))) {
          write_error = lines.error();
          return false;
        }
        if (to_syslog) syslog(LOG_INFO, "%s", syslog_format.TextLine(sample).c_str());
        return true;
      });
  if (to_syslog) closelog();
  if (trace && write_error.empty()) {
    try {
      trace->Finish();  // the log is whole until the next append
    } catch (const TraceError& error) {
      write_error = error.what();
    }
  }
  if (!write_error.empty()) {
    fprintf(stderr, "%s: %s (%llu samples taken)\n", command.c_str(), write_error.c_str(),
            static_cast<unsigned long long>(result.samples));
    return kExitCannotWrite;
  }
  if (result.missed_ticks > 0) {
    fprintf(stderr, "%s: warning: %llu sampling deadlines were missed (the machine was too busy "
            "to run %s in time); those samples are absent\n", command.c_str(),
            static_cast<unsigned long long>(result.missed_ticks), command.c_str());
  }
  if (trace && !once) {
    fprintf(stderr, "%s: %llu samples written to %s (memwrap timeline %s)\n", command.c_str(),
            static_cast<unsigned long long>(result.samples), output.c_str(), output.c_str());
  }
  return kExitOk;
}

}  // namespace memwrap
