// The flight recorder's options (`fltrec`, `memwrap fltrec`): --keep, --trigger, --after.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "tracer/flight/flight_recorder.h"

namespace memwrap {

struct FlightCommandOptions {
  std::string keep = "64MiB";
  std::vector<std::string> triggers;
  std::string after = "0";

  FlightOptions options;  // the validated result (output and force are set by the caller)

  void AddTo(boost::program_options::options_description* description);
  // Checks and converts the values; returns "" or a one-line reason.
  std::string Validate();
};

// "rss>64MiB", "heap>1GiB", "signal:USR2" (SIGUSR2, or a number), "crash", "mark:NAME".
// False with *error set when `text` is none of these.
bool ParseFlightTrigger(const std::string& text, FlightTrigger* trigger, std::string* error);

}  // namespace memwrap
