#include "cli/strace_options.h"

#include <stdio.h>
#include <stdlib.h>

#include <sstream>

#include "cli/command_line.h"
#include "memwrap/exit_codes.h"
#include "tracer/wait_spin.h"
#include "units/unit_parsing.h"

namespace memwrap {

namespace po = boost::program_options;

const char kStraceUsage[] =
    "usage: stracedrv [options] PROGRAM [ARGS...]\n"
    "       stracedrv [options] -p PID\n"
    "       (also: memwrap strace ...)\n"
    "\n"
    "Prints the system calls of PROGRAM (or of the running process PID) as strace does.\n"
    "Exits with PROGRAM's exit status, or dies of the signal that killed it.\n"
    "\n"
    "Options (strace's, with its long forms):\n"
    "  -f, --follow-forks        follow forks, vforks and threads\n"
    "  -ff, --output-separately  with -o FILE: each thread's lines to FILE.PID\n"
    "  -e trace=SET, --trace=SET calls to trace: NAME, %CLASS (strace's: %file %desc %memory\n"
    "                            %process %signal %network %ipc %creds %clock %pure %stat\n"
    "                            %lstat %fstat %%stat %statfs %fstatfs %%statfs; or file,\n"
    "                            desc, ...), /REGEX, all, none; !SET for the complement. A\n"
    "                            subset is selected by a seccomp-bpf filter: the other calls\n"
    "                            never stop the program\n"
    "  -e status=SET, --status=SET  print only calls that are successful, failed,\n"
    "                            unfinished, unavailable, detached (comma-separated), or all\n"
    "  -z, --successful-only     -e status=successful\n"
    "  -Z, --failed-only         -e status=failed\n"
    "  -o FILE, --output=FILE    write the output to FILE instead of standard error\n"
    "  -s N, --string-limit=N    show at most N bytes of strings and buffers (default 32)\n"
    "  -y, --decode-fds          show the path of each file descriptor: 3</etc/passwd>\n"
    "  -t, -tt, -ttt             prefix each line with the time of day (-tt: microseconds;\n"
    "                            -ttt: seconds since the epoch); --absolute-timestamps\n"
    "  -r, --relative-timestamps prefix each line with the time since the previous one\n"
    "  -T, --syscall-times       show the time spent in each call, <seconds>\n"
    "  -i, --instruction-pointer show the instruction pointer at each call\n"
    "  -k, --stack-traces        show the stack of each call (module+offset)\n"
    "  -c, --summary-only        count time, calls and errors per call and print strace -c's\n"
    "                            table at the end, instead of one line per call (with --json:\n"
    "                            the table as JSON)\n"
    "  -C, --summary             the lines and the table\n"
    "  -w, --summary-wall-clock  accepted: the table's time is always the wall-clock time\n"
    "  -p PID, --attach=PID      attach to the running process PID and its threads; Ctrl-C\n"
    "                            (or --duration) detaches and leaves it running\n"
    "\n"
    "memwrap's own:\n"
    "  -d SECONDS                every SECONDS, print the calls made in the interval, per name\n"
    "  --duration D              detach after D (e.g. 10s, 500ms); the program keeps running\n"
    "  --wait-poll D             while stops come quickly, poll for the next one this long\n"
    "                            before sleeping (default 50us; 0: always sleep; at most 10ms)\n"
    "  --json                    one JSON object per call instead of strace's text: pid, tid,\n"
    "                            syscall, args, ret, errno, ts_ns, dur_ns (docs/stracedrv.md)\n"
    "  --write-trace FILE        also write every call to the memwrap trace FILE (SYSCALL\n"
    "                            records; memwrap timeline/report read it). None by default\n"
    "  --force                   replace an existing --write-trace FILE\n"
    "  -h, --help                show this help\n"
    "\n"
    "Exit codes of stracedrv itself: 2 bad usage or output not writable, 126 PROGRAM cannot be\n"
    "executed, 127 PROGRAM not found.\n";

namespace {

int Fail(const std::string& message) {
  fprintf(stderr, "stracedrv: %s (see stracedrv --help)\n", message.c_str());
  return kExitUsage;
}

// One option: its short letter (0 for none), long name ("" for none), and whether it takes a
// value (1: required; 2: optional, long form only with =).
struct OptionSpec {
  char short_name;
  const char* long_name;
  int value;
  int id;
};

enum OptionId {
  kFollow,
  kSeparate,
  kQualifier,
  kTrace,
  kStatus,
  kSuccessful,
  kFailed,
  kOutput,
  kStringLimit,
  kDecodeFds,
  kTime,
  kAbsolute,
  kRelative,
  kSyscallTimes,
  kInstructionPointer,
  kStackTraces,
  kSummaryOnly,
  kSummary,
  kWallClock,
  kAttach,
  kInterval,
  kDuration,
  kWaitPoll,
  kJson,
  kWriteTrace,
  kNoTrace,
  kForce,
  kHelp,
  kSeccomp,
};

const OptionSpec kOptions[] = {
    {'f', "follow-forks", 0, kFollow},
    {0, "output-separately", 0, kSeparate},
    {'e', "", 1, kQualifier},
    {0, "trace", 1, kTrace},
    {0, "status", 1, kStatus},
    {'z', "successful-only", 0, kSuccessful},
    {'Z', "failed-only", 0, kFailed},
    {0, "failing-only", 0, kFailed},
    {'o', "output", 1, kOutput},
    {'s', "string-limit", 1, kStringLimit},
    {'y', "decode-fds", 2, kDecodeFds},
    {'t', "", 0, kTime},
    {0, "absolute-timestamps", 2, kAbsolute},
    {0, "timestamps", 2, kAbsolute},
    {'r', "relative-timestamps", 2, kRelative},
    {'T', "syscall-times", 2, kSyscallTimes},
    {'i', "instruction-pointer", 0, kInstructionPointer},
    {'k', "stack-traces", 0, kStackTraces},
    {'c', "summary-only", 0, kSummaryOnly},
    {'C', "summary", 0, kSummary},
    {'w', "summary-wall-clock", 0, kWallClock},
    {'p', "attach", 1, kAttach},
    {'d', "", 1, kInterval},
    {0, "duration", 1, kDuration},
    {0, "wait-poll", 1, kWaitPoll},
    {0, "json", 0, kJson},
    {0, "write-trace", 1, kWriteTrace},
    {0, "no-trace", 0, kNoTrace},
    {0, "force", 0, kForce},
    {'h', "help", 0, kHelp},
    {0, "seccomp-bpf", 0, kSeccomp},
};

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  return parts;
}

std::string ParseStatus(std::string spec, unsigned* out) {
  bool negate = false;
  if (!spec.empty() && spec[0] == '!') {
    negate = true;
    spec = spec.substr(1);
  }
  unsigned set = 0;
  for (const std::string& item : Split(spec)) {
    if (item == "all")
      set = kStatusAll;
    else if (item == "none")
      continue;
    else if (item == "successful")
      set |= kStatusSuccessful;
    else if (item == "failed")
      set |= kStatusFailed;
    else if (item == "unfinished")
      set |= kStatusUnfinished;
    else if (item == "unavailable")
      set |= kStatusUnavailable;
    else if (item == "detached")
      set |= kStatusDetached;
    else
      return "status '" + item +
             "': expected successful, failed, unfinished, unavailable, detached, all or none";
  }
  *out = negate ? (~set & kStatusAll) : set;
  return "";
}

// The options that take a value: checks it and stores it; -1 when stored, else the exit code.
int ApplyValue(const OptionSpec& spec, const std::string& name, const std::string& value,
               StraceOptions* options) {
  switch (spec.id) {
    case kQualifier: {
      const size_t equals = value.find('=');
      const std::string qualifier = equals == std::string::npos ? "trace" : value.substr(0, equals);
      const std::string set = equals == std::string::npos ? value : value.substr(equals + 1);
      if (qualifier == "trace" || qualifier == "t") {
        options->trace_spec = set;
      } else if (qualifier == "status") {
        if (std::string error = ParseStatus(set, &options->status); !error.empty())
          return Fail("-e " + error);
      } else {
        return Fail("-e " + value + ": only trace=... and status=... are supported");
      }
      break;
    }
    case kTrace:
      options->trace_spec = value;
      break;
    case kStatus:
      if (std::string error = ParseStatus(value, &options->status); !error.empty())
        return Fail(name + ": " + error);
      break;
    case kOutput:
      if (value.empty()) return Fail(name + " '': needs a file name");
      options->output = value;
      break;
    case kStringLimit: {
      char* end = nullptr;
      long limit = strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || limit < 0 || limit > (1 << 20)) {
        return Fail(name + " " + value + ": expected a number of bytes (0..1048576)");
      }
      options->string_limit = size_t(limit);
      break;
    }
    case kAbsolute:
      options->time_format = value.empty() || value == "time" || value == "format:time" ? 1
                             : value == "precision:us" || value == "us"                 ? 2
                             : value == "unix" || value == "format:unix"                ? 3
                                                                                        : 2;
      break;
    case kAttach: {
      char* end = nullptr;
      long pid = strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || pid <= 0)
        return Fail(name + " " + value + ": not a pid");
      options->attach = pid_t(pid);
      break;
    }
    case kInterval: {
      char* end = nullptr;
      double seconds = strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || !(seconds >= 0.001)) {
        return Fail(name + " " + value + ": expected seconds (at least 0.001)");
      }
      options->interval_ns = uint64_t(seconds * 1e9);
      break;
    }
    case kDuration:
      if (!ParseDuration(value, &options->duration_ns) || options->duration_ns == 0) {
        return Fail(name + " " + value + ": expected a duration such as 10s or 500ms");
      }
      break;
    case kWaitPoll:
      if (!ParseDuration(value, &options->wait_poll_ns) || options->wait_poll_ns > kMaxWaitSpinNs) {
        return Fail(name + " " + value + ": expected a duration of at most 10ms, or 0");
      }
      break;
    case kWriteTrace:
      if (value.empty()) return Fail(name + " needs a path");
      options->write_trace = value;
      break;
    default:
      break;
  }
  return -1;
}

// Applies one option; `value` is its value (or "" when it takes none). -1 to go on.
int Apply(const OptionSpec& spec, const std::string& name, const std::string& value,
          StraceOptions* options) {
  switch (spec.id) {
    case kFollow:
      if (options->follow && spec.short_name == 'f' && name == "-f") options->separate = true;
      options->follow = true;
      break;
    case kSeparate:
      options->follow = true;
      options->separate = true;
      break;
    case kSuccessful:
      options->status = kStatusSuccessful;
      break;
    case kFailed:
      options->status = kStatusFailed;
      break;
    case kDecodeFds:
      options->fd_paths = true;
      break;
    case kTime:
      ++options->time_format;
      break;
    case kRelative:
      options->relative = true;
      break;
    case kSyscallTimes:
      options->show_duration = true;
      break;
    case kInstructionPointer:
      options->instruction_pointer = true;
      break;
    case kStackTraces:
      options->stack_traces = true;
      break;
    case kSummaryOnly:
      options->summary = true;
      break;
    case kSummary:
      options->summary_and_lines = true;
      break;
    case kWallClock:
      break;
    case kJson:
      options->json = true;
      break;
    case kNoTrace:
      options->write_trace.clear();
      break;
    case kForce:
      options->force = true;
      break;
    case kSeccomp:
      break;  // a subset of calls is always selected by a seccomp filter
    case kHelp:
      fputs(kStraceUsage, stdout);
      return kExitOk;
    default:
      return ApplyValue(spec, name, value, options);
  }
  return -1;
}

// kOptions as boost sees them: "name,x", a value required or, for an optional one, only after
// "=" in the long form (getopt's rule; command_line.h). Descriptions are empty: --help prints
// kStraceUsage.
po::options_description OptionDescriptions() {
  po::options_description descriptions;
  for (const OptionSpec& spec : kOptions) {
    std::string name = spec.long_name;
    if (spec.short_name != 0) name += std::string(",") + spec.short_name;
    if (spec.value == 0) {
      descriptions.add_options()(name.c_str(), "");
    } else if (spec.value == 1) {
      descriptions.add_options()(name.c_str(), po::value<std::string>(), "");
    } else {
      descriptions.add_options()(name.c_str(), po::value<std::string>()->implicit_value(""), "");
    }
  }
  return descriptions;
}

// The entry of kOptions that `option` was made from.
const OptionSpec& SpecOf(const po::option_description& option) {
  const std::string short_form =
      option.canonical_display_name(po::command_line_style::allow_dash_for_short);
  for (const OptionSpec& spec : kOptions) {
    if (*spec.long_name != '\0' ? option.long_name() == spec.long_name
                                : short_form == std::string("-") + spec.short_name) {
      return spec;
    }
  }
  return kOptions[0];  // unreachable: every description comes from kOptions
}

}  // namespace

int ParseStraceOptions(const std::vector<std::string>& args, StraceOptions* options) {
  options->wait_poll_ns = kDefaultWaitSpinNs;
  const po::options_description descriptions = OptionDescriptions();
  const SplitCommandLine split = SplitAtProgram(args, descriptions);
  const int done = ParseOptionsInOrder(
      split.options, descriptions, "stracedrv",
      [&](const po::option_description& option, const std::string& typed,
          const std::string& value) { return Apply(SpecOf(option), typed, value, options); });
  if (done >= 0) return done;
  options->program = split.program;
  if (options->program.empty() == (options->attach == 0)) {
    return Fail(options->attach != 0
                    ? "give either -p PID or a program, not both"
                    : "no program to trace (usage: stracedrv [options] PROGRAM ...)");
  }
  if (options->time_format > 3) options->time_format = 3;
  if (options->separate && options->output.empty()) options->separate = false;  // as strace
  return -1;
}

}  // namespace memwrap
