#include "command_line.h"

#include <stdio.h>

#include <iostream>

#include "exit_codes.h"

namespace memwrap {

namespace po = boost::program_options;

int ParseFileArguments(const std::vector<std::string>& args, const po::options_description& options,
                       const std::string& command, std::vector<std::string>* files) {
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(files));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& error) {
    fprintf(stderr, "memwrap %s: %s (see memwrap %s --help)\n", command.c_str(), error.what(),
            command.c_str());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  return -1;
}

SplitCommandLine SplitAtProgram(const std::vector<std::string>& args,
                                const po::options_description& options) {
  SplitCommandLine split;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;  // the program
    split.options.push_back(arg);
    // An option that takes a value and was not given one with "=" (or glued, for short
    // options) consumes the next argument.
    std::string name;
    bool value_attached = false;
    if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      value_attached = eq != std::string::npos;
    } else {
      name = arg.substr(1, 1);
      value_attached = arg.size() > 2;
    }
    const po::option_description* option = options.find_nothrow(name, false, false, false);
    if (option == nullptr && arg[1] != '-') {
      // Boost keeps short names with their dash ("-o") in some versions.
      option = options.find_nothrow("-" + name, false, false, false);
    }
    if (option != nullptr && option->semantic()->max_tokens() > 0 && !value_attached &&
        i + 1 < args.size()) {
      split.options.push_back(args[++i]);
    }
  }
  split.program.assign(args.begin() + long(i), args.end());
  return split;
}

}  // namespace memwrap
