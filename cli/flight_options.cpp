#include "cli/flight_options.h"

#include <signal.h>
#include <string.h>

#include "units/unit_parsing.h"

namespace memwrap {

namespace po = boost::program_options;

bool ParseFlightTrigger(const std::string& text, FlightTrigger* trigger, std::string* error) {
  trigger->text = text;
  // rss>SIZE and heap>SIZE as they always were; anything else after those words is an
  // expression ("heap>2GiB and mark == \"x\"").
  auto size_after = [&](const char* prefix, FlightTrigger::Kind kind) {
    trigger->kind = kind;
    return text.rfind(prefix, 0) == 0 &&
           ParseByteSize(text.substr(strlen(prefix)), &trigger->bytes);
  };
  if (size_after("rss>", FlightTrigger::Kind::kRssAbove)) return true;
  if (size_after("heap>", FlightTrigger::Kind::kHeapAbove)) return true;
  if (text == "crash") {
    trigger->kind = FlightTrigger::Kind::kCrash;
    return true;
  }
  if (text.rfind("mark:", 0) == 0 && text.size() > 5) {
    trigger->kind = FlightTrigger::Kind::kMark;
    trigger->mark = text.substr(5);
    return true;
  }
  if (text.rfind("signal:", 0) == 0) {
    trigger->kind = FlightTrigger::Kind::kSignal;
    std::string name = text.substr(7);
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    int signo = 0;
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      signo = atoi(name.c_str());
    } else {
      for (int candidate = 1; candidate < NSIG; ++candidate) {
        const char* abbrev = sigabbrev_np(candidate);
        if (abbrev != nullptr && name == abbrev) signo = candidate;
      }
    }
    // Signals memwrap can take for itself: not those that stop or kill it, nor the ones the
    // program's terminal sends to the whole process group.
    if (signo != SIGUSR1 && signo != SIGUSR2 && signo != SIGHUP && signo != SIGWINCH &&
        signo != SIGURG && !(signo >= SIGRTMIN && signo <= SIGRTMAX)) {
      *error = "--trigger " + text + ": use USR1, USR2, HUP, WINCH, URG or a real-time signal";
      return false;
    }
    trigger->signal = signo;
    return true;
  }
  try {
    trigger->kind = FlightTrigger::Kind::kExpression;
    trigger->expression = std::make_shared<const EventFilter>(text);
    return true;
  } catch (const FilterSyntaxError& syntax) {
    *error = "--trigger " + text + ": " + syntax.what() +
             " (a trigger is rss>SIZE, heap>SIZE, signal:NAME, crash, mark:NAME or a filter "
             "expression: docs/filters.md)";
    return false;
  }
}

namespace {

// --trigger's help (boost copies it): the field list comes from the filter's own table.
std::string TriggerHelp() {
  return "write a dump when WHEN happens (repeatable): rss>SIZE (the traced processes' summed RSS "
         "sample), heap>SIZE (their live heap), signal:USR2 (memwrap receives it), crash (the "
         "program dies of a signal or exits non-zero), mark:NAME (the program calls "
         "memwrap_mark(\"NAME\")), or a filter expression over each event, e.g. 'size > 100MiB "
         "and function ~ \"*parse*\"' or 'heap > 2GiB and mark == \"phase2\"' (fields: " +
         FilterFieldNames() + "; docs/filters.md); default: crash";
}

}  // namespace

void FlightCommandOptions::AddTo(po::options_description* description) {
  description->add_options()(
      "keep", po::value<std::string>(&keep)->value_name("SIZE|DURATION")->default_value("64MiB"),
      "keep the latest SIZE bytes of records (e.g. 64MiB) or the latest DURATION (e.g. 30s) in "
      "memory; older records are overwritten (counted in each dump)")(
      "trigger", po::value<std::vector<std::string>>(&triggers)->value_name("WHEN")->composing(),
      TriggerHelp().c_str())(
      "after", po::value<std::string>(&after)->value_name("DURATION")->default_value("0"),
      "go on writing into a dump for DURATION after its trigger (e.g. 2s)");
}

std::string FlightCommandOptions::Validate() {
  options.keep_bytes = 0;
  options.keep_ns = 0;
  if (!keep.empty() && (keep.back() == 's' || keep.back() == 'm' || keep.back() == 'h') &&
      keep.find('B') == std::string::npos && ParseDuration(keep, &options.keep_ns) &&
      options.keep_ns != 0) {
    // a duration
  } else if (!ParseByteSize(keep, &options.keep_bytes) || options.keep_bytes == 0) {
    return "--keep " + keep + ": expected a size (64MiB) or a duration (30s)";
  }
  if (!ParseDuration(after, &options.after_ns)) {
    return "--after " + after + ": expected a duration (e.g. 2s)";
  }
  if (triggers.empty()) triggers.push_back("crash");
  options.triggers.clear();
  for (const std::string& text : triggers) {
    FlightTrigger trigger;
    std::string error;
    if (!ParseFlightTrigger(text, &trigger, &error)) return error;
    options.triggers.push_back(trigger);
  }
  return "";
}

}  // namespace memwrap
