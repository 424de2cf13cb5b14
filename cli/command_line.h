// memwrap's command lines, parsed the way getopt users expect:
//  * memwrap's options end at the first argument that is not an option or an option's value,
//    or after "--"; everything from there on belongs to the program, untouched (its own
//    options included);
//  * short options bundle ("-qo FILE" is "-q -o FILE"), take their value glued ("-oFILE"),
//    after "=" ("-o=FILE": the "=" is not part of the name) or as the next argument;
//  * long options take their value after "=" or as the next argument, and are never guessed
//    from a beginning ("--out" is refused, with "did you mean --output?").
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <string>
#include <vector>

namespace memwrap {

struct SplitCommandLine {
  std::vector<std::string> options;  // memwrap's own arguments, bundles taken apart
  std::vector<std::string> program;  // PROGRAM and its arguments (may be empty)
  bool after_double_dash = false;    // the program came after "--"
};

SplitCommandLine SplitAtProgram(const std::vector<std::string>& args,
                                const boost::program_options::options_description& options);

// Parses memwrap's own arguments (from SplitAtProgram, or a whole command line of options and
// operands when `positional` names where operands go) into `vm`. Returns -1 to go on, or the
// exit status when the command is done: 0 after printing the options for --help, 2 after one
// line "NAME: what is wrong (see NAME --help)" with, for an unknown option, the closest known
// one ("did you mean --output?"), or for a value CheckOptionValues refuses. --help prints
// `shown` when given (options without hidden ones), else `options`.
int ParseOptions(const std::vector<std::string>& args,
                 const boost::program_options::options_description& options,
                 const std::string& name, boost::program_options::variables_map* vm,
                 const boost::program_options::positional_options_description* positional = nullptr,
                 const boost::program_options::options_description* shown = nullptr);

// Like ParseOptions, for a command whose options act in the order given and may be repeated
// (stracedrv: -f twice, -t up to three times, --no-trace after --write-trace). Each option
// given goes to `apply` in turn, with the name as typed ("-f", or "--follow-forks" for the
// long form) and its value ("" for none); `apply` returns -1 to go on, or an exit status that
// ends the parse and is returned. Errors as ParseOptions; no --help of its own.
using OptionInOrder = std::function<int(const boost::program_options::option_description& option,
                                        const std::string& typed, const std::string& value)>;
int ParseOptionsInOrder(const std::vector<std::string>& args,
                        const boost::program_options::options_description& options,
                        const std::string& name, const OptionInOrder& apply);

// The one check of option values for every command (ParseOptions calls it): a number option
// of an unsigned type given a negative value (boost reads "--top -1" as the largest number),
// and an output file named by an empty string (-o ""), are refused with po::error.
void CheckOptionValues(const boost::program_options::parsed_options& parsed,
                       const boost::program_options::options_description& options);

// Parses the options of a subcommand whose other arguments are files (TRACE...), into
// `files`. Returns an exit status when the command is done already (--help printed: 0; an
// error printed as "memwrap COMMAND: ...": 2), or -1 to go on.
int ParseFileArguments(const std::vector<std::string>& args,
                       const boost::program_options::options_description& options,
                       const std::string& command, std::vector<std::string>* files);

}  // namespace memwrap
