// Splits `memwrap [options] [--] PROGRAM [ARGS...]`: memwrap's options end at the first
// argument that is not an option or an option's value, or after "--". Everything from there on
// belongs to the program, untouched (its own options included).
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace memwrap {

struct SplitCommandLine {
  std::vector<std::string> options;  // memwrap's own arguments
  std::vector<std::string> program;  // PROGRAM and its arguments (may be empty)
};

SplitCommandLine SplitAtProgram(const std::vector<std::string>& args,
                                const boost::program_options::options_description& options);

// Parses the options of a subcommand whose other arguments are files (TRACE...), into
// `files`. Returns an exit status when the command is done already (--help printed: 0; an
// error printed as "memwrap COMMAND: ...": 2), or -1 to go on.
int ParseFileArguments(const std::vector<std::string>& args,
                       const boost::program_options::options_description& options,
                       const std::string& command, std::vector<std::string>* files);

}  // namespace memwrap
