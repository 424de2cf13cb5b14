// `dlogger`, `cronlogger`, `memwrap sys [--once]`: system-wide logging with no program to run.
// Samples the machine's memory, CPU, load, network, disks and top processes
// (system_logger/module_registry.h) on a drift-free timer and writes each sample to a trace,
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

#include "analyzer/system_sample_format.h"
#include "analyzer/system_samples.h"
#include "analyzer/trace_stream.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "fileio/output_file.h"
#include "memwrap/exit_codes.h"
#include "memwrap/session_info_keys.h"
#include "system_logger/module_registry.h"
#include "system_logger/system_sampler.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"
#include "tracefile/trace_writer.h"
#include "tracefile/unique_fd.h"
#include "tracer/host_name.h"
#include "units/unit_parsing.h"

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
      if (error.rfind("the file exists", 0) == 0)
        error = "the file exists (use --append or --force)";
      return "cannot create '" + path + "': " + error;
    }
    fd_ = file_.fd();
    // Lines from overlapping cron jobs go to the end, whoever wrote last.
    if (append) fcntl(fd_, F_SETFL, O_APPEND);
    // Overlapping cron jobs append whole lines in turn.
    while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
    struct stat st {};
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

// `dlogger`, `cronlogger` or `memwrap sys` as given, checked.
struct SysCommandLine {
  std::string output, format, interval_text = "1s", duration_text, modules_text = "all";
  size_t top = 5;
  bool once = false;
  bool append = false;   // --append, or --once
  bool replace = false;  // --force
  bool to_syslog = false;
  SamplerSchedule schedule;
  std::vector<std::string> module_names;
};

// Reads the options; -1, or the exit status (2: bad usage).
int ParseSysOptions(const std::vector<std::string>& args, const std::string& command,
                    const std::string& host, SysCommandLine* line, po::variables_map* vm) {
  po::options_description options(
      "usage: " + command +
      " [options]\n"
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
  options.add_options()("help,h", "show this help and exit")(
      "output,o", po::value<std::string>(&line->output)->value_name("FILE"),
      ("where samples go; '-' is standard output (text lines). Default: dlogger." + host +
       ".mwt, or nothing with --syslog")
          .c_str())(
      "format", po::value<std::string>(&line->format)->value_name("trace|text|csv"),
      "trace (.mwt), text (one line per sample) or csv (a header, then one row per sample); "
      "default: text for '-', csv for a FILE ending in .csv, trace otherwise")(
      "interval", po::value<std::string>(&line->interval_text)->value_name("DURATION"),
      "time between samples (e.g. 500ms, 1s, 1m); default 1s")(
      "duration", po::value<std::string>(&line->duration_text)->value_name("DURATION"),
      "stop after this long (e.g. 3s, 1h); default: until interrupted")(
      "modules", po::value<std::string>(&line->modules_text)->value_name("LIST"),
      "what to sample, comma-separated: memory, cpu, load, network, disk, top (or all, the "
      "default)")("top", po::value<size_t>(&line->top)->value_name("N"),
                  "processes listed by the top module, largest RSS first (default 5)")(
      "once", "take one sample, append it to the output and exit (what cronlogger does)")(
      "append", "add to an existing output file instead of refusing it")(
      "force", "replace an existing output file")(
      "syslog", "also send each sample as a text line to syslog (ident dlogger, LOG_INFO)");
  return ParseOptions(args, options, command, vm);
}

// Checks what was given and settles the defaults (the output, its format). -1, or the exit
// status (2: bad usage).
int CheckSysCommandLine(const po::variables_map& vm, const std::string& command,
                        const std::string& host, SysCommandLine* line) {
  auto usage = [&](const std::string& message) {
    fprintf(stderr, "%s: %s\n", command.c_str(), message.c_str());
    return kExitUsage;
  };
  line->once = line->once || vm.count("once") > 0;
  line->append = line->once || vm.count("append") > 0;
  line->replace = vm.count("force") > 0;
  line->to_syslog = vm.count("syslog") > 0;
  if (line->append && line->replace) {
    return usage("--append (or --once) and --force exclude each other");
  }
  SamplerSchedule& schedule = line->schedule;
  schedule.once = line->once;
  schedule.host = host;
  if (line->once && (vm.count("interval") || vm.count("duration"))) {
    return usage("--once takes a single sample: --interval and --duration do not apply");
  }
  if (!ParseDuration(line->interval_text, &schedule.interval_ns) ||
      schedule.interval_ns < 10000000) {
    return usage("--interval " + line->interval_text +
                 ": not a duration of at least 10ms (e.g. 1s)");
  }
  if (!line->duration_text.empty() &&
      (!ParseDuration(line->duration_text, &schedule.duration_ns) || schedule.duration_ns == 0)) {
    return usage("--duration " + line->duration_text + ": not a duration above 0 (e.g. 3s, 1h)");
  }
  if (vm.count("top") && line->top == 0) return usage("--top 0: give at least 1");
  if (std::string error = ParseModuleList(line->modules_text, &line->module_names);
      !error.empty()) {
    return usage("--modules: " + error);
  }
  std::string& output = line->output;
  std::string& format = line->format;
  if (output.empty() && !line->to_syslog) output = "dlogger." + host + ".mwt";
  if (format.empty() && !output.empty()) {
    format = output == "-"                                                            ? "text"
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
  return -1;
}

// One logging run: its modules, its outputs, the sampling loop and what it says at the end.
class SystemLogging {
 public:
  SystemLogging(const SysCommandLine& line, std::string command, std::string host)
      : line_(line), command_(std::move(command)), host_(std::move(host)) {}

  // Prepare the modules: one asked for by name must work; of "all", those that cannot read
  // their file (a container without /proc/diskstats) are left out with a warning. -1, or the
  // exit status.
  int PrepareModules() {
    SystemModuleSettings settings;
    settings.top = line_.top;
    const bool all = line_.modules_text.find("all") != std::string::npos;
    for (const std::string& name : line_.module_names) {
      std::unique_ptr<SystemModule> module = MakeSystemModule(name, settings);
      std::string problem = module->Prepare();
      if (!problem.empty()) {
        if (!all) {
          fprintf(stderr, "%s: %s\n", command_.c_str(),
                  ("module " + name + ": " + problem).c_str());
          return kExitUsage;
        }
        fprintf(stderr, "%s: warning: module %s left out: %s\n", command_.c_str(), name.c_str(),
                problem.c_str());
        continue;
      }
      used_names_.push_back(name);
      modules_.push_back(std::move(module));
    }
    return -1;
  }

  // Open the outputs before the first sample, so a bad path costs nothing. -1, or the exit
  // status.
  int OpenOutputs() {
    try {
      if (line_.format == "trace") return OpenTrace();
      if (line_.format == "text" || line_.format == "csv") {
        if (std::string error = lines_.Open(line_.output, line_.append, line_.replace);
            !error.empty()) {
          fprintf(stderr, "%s: %s\n", command_.c_str(), error.c_str());
          return kExitCannotWrite;
        }
      }
    } catch (const TraceError& error) {
      fprintf(stderr, "%s: %s\n", command_.c_str(), error.what());
      return kExitCannotWrite;
    }
    return -1;
  }

  int Run() {
    SystemSampleFormatter line_format(used_names_);
    SystemSampleFormatter syslog_format(used_names_);
    if (line_.format == "csv" && lines_.empty() && !lines_.Write(line_format.CsvHeader())) {
      fprintf(stderr, "%s: %s\n", command_.c_str(), lines_.error().c_str());
      return kExitCannotWrite;
    }
    if (line_.to_syslog) openlog("dlogger", LOG_PID, LOG_USER);
    SamplerResult result =
        RunSystemSampler(modules_, line_.schedule, [&](uint64_t, const ByteBuffer& records) {
          return Write(records, line_format, syslog_format);
        });
    if (line_.to_syslog) closelog();
    if (trace_ && write_error_.empty()) {
      try {
        trace_->Finish();  // the log is whole until the next append
      } catch (const TraceError& error) {
        write_error_ = error.what();
      }
    }
    return Finish(result);
  }

 private:
  int OpenTrace() {
    const std::string& output = line_.output;
    struct stat st {};
    bool has_session_info = false;
    if (line_.append && lstat(output.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      // Samples appended to a program's trace would be invisible to its report: refuse.
      // (A file with no complete session info yet, from a first call killed right after it
      // created the file, gets its session info now.)
      TraceReader reader(output);
      TraceStream existing(&reader);
      has_session_info = !existing.session_info().empty();
      if (has_session_info && !IsSystemLog(existing.session_info())) {
        fprintf(stderr, "%s: '%s' is a program's trace, not a system log: not appending to it\n",
                command_.c_str(), output.c_str());
        return kExitCannotWrite;
      }
    }
    const auto existing = line_.append    ? TraceWriter::Existing::kAppend
                          : line_.replace ? TraceWriter::Existing::kReplace
                                          : TraceWriter::Existing::kRefuse;
    trace_ = std::make_unique<TraceWriter>(output, existing);
    if (trace_->torn_tail_bytes() > 0) {
      fprintf(stderr,
              "%s: warning: '%s' ended in an incomplete chunk (%llu bytes, from an "
              "interrupted earlier run); it was cut off before appending\n",
              command_.c_str(), output.c_str(),
              static_cast<unsigned long long>(trace_->torn_tail_bytes()));
    }
    if (!has_session_info) {
      std::string module_list;
      for (const std::string& name : used_names_) {
        module_list += (module_list.empty() ? "" : ",") + name;
      }
      std::map<std::string, std::string> info = {
          {session_key::kTraceKind, session_key::kTraceKindSystem},
          {session_key::kRecorder, command_},
          {session_key::kHost, host_},
          {session_key::kMemwrapVersion, MEMWRAP_VERSION},
          {session_key::kModules, module_list},
          {session_key::kTop, std::to_string(line_.top)}};
      if (!line_.once)
        info[session_key::kSampleIntervalNs] = std::to_string(line_.schedule.interval_ns);
      trace_->WriteSessionInfo(info);
    }
    return -1;
  }

  // One sample's records, to every output; false (write_error_ set) ends the logging.
  bool Write(const ByteBuffer& records, SystemSampleFormatter& line_format,
             SystemSampleFormatter& syslog_format) {
    try {
      if (trace_) trace_->WriteRecords(0, records.data(), records.size());
    } catch (const TraceError& error) {
      write_error_ = error.what();
      return false;
    }
    const std::string& format = line_.format;
    if (format == "trace" && !line_.to_syslog) return true;
    SystemSampleAssembler assembler;
    RecordCursor cursor(records.data(), records.size());
    RecordView record;
    while (cursor.Next(&record, "sample")) assembler.Add(record);
    SystemSample sample;
    if (!assembler.Take(&sample)) return true;
    if (format == "text" && !lines_.Write(line_format.TextLine(sample) + "\n")) {
      write_error_ = lines_.error();
      return false;
    }
    if (format == "csv" && !lines_.Write(line_format.CsvRow(sample))) {
      write_error_ = lines_.error();
      return false;
    }
    if (line_.to_syslog) syslog(LOG_INFO, "%s", syslog_format.TextLine(sample).c_str());
    return true;
  }

  int Finish(const SamplerResult& result) {
    const char* command = command_.c_str();
    if (!write_error_.empty()) {
      fprintf(stderr, "%s: %s (%llu samples taken)\n", command, write_error_.c_str(),
              static_cast<unsigned long long>(result.samples));
      return kExitCannotWrite;
    }
    if (result.missed_ticks > 0) {
      fprintf(stderr,
              "%s: warning: %llu sampling deadlines were missed (the machine was too busy "
              "to run %s in time); those samples are absent\n",
              command, static_cast<unsigned long long>(result.missed_ticks), command);
    }
    if (trace_ && !line_.once) {
      fprintf(stderr, "%s: %llu samples written to %s (memwrap timeline %s)\n", command,
              static_cast<unsigned long long>(result.samples), line_.output.c_str(),
              line_.output.c_str());
    }
    return kExitOk;
  }

  const SysCommandLine& line_;
  std::string command_;
  std::string host_;
  std::vector<std::unique_ptr<SystemModule>> modules_;
  std::vector<std::string> used_names_;
  std::unique_ptr<TraceWriter> trace_;
  LineOutput lines_;
  std::string write_error_;
};

}  // namespace

int SysCommand(const std::vector<std::string>& args, const std::string& command,
               SysSampling sampling) {
  const std::string host = HostName();
  SysCommandLine line;
  line.once = sampling == SysSampling::kOnce;
  po::variables_map vm;
  if (int status = ParseSysOptions(args, command, host, &line, &vm); status >= 0) return status;
  if (int status = CheckSysCommandLine(vm, command, host, &line); status >= 0) return status;
  SystemLogging logging(line, command, host);
  if (int status = logging.PrepareModules(); status >= 0) return status;
  if (int status = logging.OpenOutputs(); status >= 0) return status;
  return logging.Run();
}

}  // namespace memwrap
