#include "cli/command_line.h"

#include <stdio.h>

#include <functional>
#include <iostream>

#include "cli/did_you_mean.h"
#include "memwrap/exit_codes.h"

namespace memwrap {

namespace po = boost::program_options;

namespace {

// Boost keeps short names with their dash ("-o") in some versions.
const po::option_description* FindShort(char letter, const po::options_description& options) {
  const std::string name(1, letter);
  const po::option_description* option = options.find_nothrow(name, false, false, false);
  return option != nullptr ? option : options.find_nothrow("-" + name, false, false, false);
}

// Whether the option's value may be the next argument. An option whose value is optional
// (implicit_value: stracedrv's --syscall-times[=PRECISION]) takes one only after "=" in its
// long form, and none in its short form, as getopt's optional arguments.
bool TakesValue(const po::option_description* option) {
  return option != nullptr && option->semantic()->min_tokens() > 0;
}

// Walks the options at the start of `args` (all of them when `operands_too`: operands are
// kept in place), taking short-option bundles apart. Returns the index of the first argument
// that is not memwrap's (args.size() when there is none); `double_dash` tells whether the
// options ended at "--".
size_t WalkOptions(const std::vector<std::string>& args, const po::options_description& options,
                   bool operands_too, std::vector<std::string>* tokens,
                   bool* double_dash = nullptr) {
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      if (double_dash != nullptr) *double_dash = true;
      if (operands_too) tokens->insert(tokens->end(), args.begin() + long(i), args.end());
      return operands_too ? args.size() : i + 1;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (!operands_too) return i;  // the program
      tokens->push_back(arg);
      continue;
    }
    if (arg[1] == '-') {  // --name, --name=VALUE, --name VALUE
      tokens->push_back(arg);
      const size_t eq = arg.find('=');
      const po::option_description* option = options.find_nothrow(
          arg.substr(2, eq == std::string::npos ? eq : eq - 2), false, false, false);
      if (eq == std::string::npos && TakesValue(option) && i + 1 < args.size()) {
        tokens->push_back(args[++i]);
      }
      continue;
    }
    // -abc: flags, up to one that takes a value, which is the rest or the next argument.
    for (size_t at = 1; at < arg.size(); ++at) {
      const po::option_description* option = FindShort(arg[at], options);
      if (option == nullptr) {  // unknown: the parser names it
        tokens->push_back("-" + arg.substr(at));
        break;
      }
      const std::string flag = "-" + std::string(1, arg[at]);
      if (!TakesValue(option)) {
        tokens->push_back(flag);
        continue;
      }
      std::string value = arg.substr(at + 1);
      if (!value.empty() && value[0] == '=') value.erase(0, 1);
      if (value.empty() && at + 1 == arg.size() && i + 1 < args.size()) value = args[++i];
      // Glued, so that a value that begins with '-' is not taken for an option.
      tokens->push_back(flag + value);
      break;
    }
  }
  return i;
}

template <typename... T>
bool IsUnsigned(const po::value_semantic* semantic) {
  return ((dynamic_cast<const po::typed_value<T>*>(semantic) != nullptr) || ...);
}

// Options that name a file memwrap writes.
bool NamesAnOutputFile(const po::option_description& option) {
  const std::string name = option.long_name();
  return name == "output" || name == "junit" || name == "summary" || name == "trace" ||
         option.canonical_display_name(po::command_line_style::allow_dash_for_short) == "-o";
}

std::vector<std::string> OptionNames(const po::options_description& options) {
  std::vector<std::string> names;
  for (const auto& option : options.options()) {
    if (!option->long_name().empty()) names.push_back("--" + option->long_name());
  }
  return names;
}

}  // namespace

void CheckOptionValues(const po::parsed_options& parsed, const po::options_description& options) {
  for (const po::option& given : parsed.options) {
    if (given.unregistered || given.string_key.empty()) continue;
    const po::option_description* option = options.find_nothrow(given.string_key, false);
    if (option == nullptr) continue;
    const std::string shown =
        option->long_name().empty()
            ? option->canonical_display_name(po::command_line_style::allow_dash_for_short)
            : "--" + option->long_name();
    for (const std::string& value : given.value) {
      const size_t start = value.find_first_not_of(" \t");
      const bool negative = start != std::string::npos && value[start] == '-';
      if (negative && IsUnsigned<unsigned short, unsigned, unsigned long, unsigned long long>(
                          option->semantic().get())) {
        throw po::error(shown + " " + value + ": must not be negative");
      }
      if (value.empty() && NamesAnOutputFile(*option)) {
        throw po::error(shown + " '': needs a file name");
      }
    }
  }
}

SplitCommandLine SplitAtProgram(const std::vector<std::string>& args,
                                const po::options_description& options) {
  SplitCommandLine split;
  const size_t end = WalkOptions(args, options, false, &split.options, &split.after_double_dash);
  split.program.assign(args.begin() + long(end), args.end());
  return split;
}

namespace {

// Parses `args` and hands the result to `use` (which may throw po::error too). Returns -1, or
// 2 after printing what is wrong as ParseOptions says.
int RunParser(const std::vector<std::string>& args, const po::options_description& options,
              const std::string& name, const po::positional_options_description* positional,
              const std::function<void(const po::parsed_options&)>& use) {
  std::vector<std::string> tokens;
  WalkOptions(args, options, positional != nullptr, &tokens);
  // No guessing: a beginning of a name is not the name.
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  try {
    po::command_line_parser parser(tokens);
    parser.options(options).style(style);
    if (positional != nullptr) parser.positional(*positional);
    const po::parsed_options parsed = parser.run();
    CheckOptionValues(parsed, options);
    use(parsed);
  } catch (const po::unknown_option& error) {
    const std::string typed = error.get_option_name();
    const std::string closest = ClosestName(typed.substr(0, typed.find('=')), OptionNames(options));
    fprintf(stderr, "%s: %s%s (see %s --help)\n", name.c_str(), error.what(),
            closest.empty() ? "" : ("; did you mean " + closest + "?").c_str(), name.c_str());
    return kExitUsage;
  } catch (const po::error& error) {
    fprintf(stderr, "%s: %s (see %s --help)\n", name.c_str(), error.what(), name.c_str());
    return kExitUsage;
  }
  return -1;
}

}  // namespace

int ParseOptions(const std::vector<std::string>& args, const po::options_description& options,
                 const std::string& name, po::variables_map* vm,
                 const po::positional_options_description* positional,
                 const po::options_description* shown) {
  const int status =
      RunParser(args, options, name, positional, [&](const po::parsed_options& parsed) {
        po::store(parsed, *vm);
        po::notify(*vm);
      });
  if (status >= 0) return status;
  if (vm->count("help")) {
    std::cout << (shown != nullptr ? *shown : options) << "\n";
    return kExitOk;
  }
  return -1;
}

int ParseOptionsInOrder(const std::vector<std::string>& args,
                        const po::options_description& options, const std::string& name,
                        const OptionInOrder& apply) {
  int done = -1;
  const int status = RunParser(args, options, name, nullptr, [&](const po::parsed_options& parsed) {
    for (const po::option& given : parsed.options) {
      const po::option_description& option = options.find(given.string_key, false);
      const bool long_form =
          !given.original_tokens.empty() && given.original_tokens[0].compare(0, 2, "--") == 0;
      const std::string typed =
          long_form ? "--" + option.long_name()
                    : option.canonical_display_name(po::command_line_style::allow_dash_for_short);
      done = apply(option, typed, given.value.empty() ? std::string() : given.value[0]);
      if (done >= 0) return;
    }
  });
  return status >= 0 ? status : done;
}

int ParseFileArguments(const std::vector<std::string>& args, const po::options_description& options,
                       const std::string& command, std::vector<std::string>* files) {
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(files));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map vm;
  return ParseOptions(args, all, "memwrap " + command, &vm, &positional, &options);
}

}  // namespace memwrap
