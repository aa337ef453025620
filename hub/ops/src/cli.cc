#include "accord/ops/cli.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace accord::ops {
namespace {

// A command line naming a command that does not exist: CLI11 would only say
// "A subcommand is required" (or that an argument was not expected). Walks
// the commands named so far; returns the message for the first unknown one.
std::optional<std::string> UnknownCommand(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;
  std::string path = app.get_name();
  if (path.empty() && argc > 0 && argv[0] != nullptr) {
    path = argv[0];
    if (auto slash = path.rfind('/'); slash != std::string::npos) path.erase(0, slash + 1);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') return std::nullopt;  // options: CLI11 judges those
    const auto subs = at->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return std::nullopt;
    CLI::App* next = nullptr;
    for (CLI::App* s : subs) {
      if (s->check_name(arg)) next = s;
    }
    if (next == nullptr) {
      if (at->get_require_subcommand_min() == 0) return std::nullopt;  // may be a positional
      std::vector<std::string> names;
      for (CLI::App* s : subs) names.push_back(s->get_name());
      return absl::StrCat(path.empty() ? "" : absl::StrCat(path, ": "), "unknown command '", arg,
                          "'; the commands are: ", absl::StrJoin(names, ", "));
    }
    at = next;
    path = absl::StrCat(path, path.empty() ? "" : " ", next->get_name());
  }
  return std::nullopt;
}

}  // namespace

const char* Version() { return ACCORD_VERSION; }

void AddVersionFlag(CLI::App& app, const std::string& program) {
  app.set_version_flag("--version", absl::StrCat(program, " ", Version()));
}

std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv, int usage_exit) {
  if (auto unknown = UnknownCommand(app, argc, argv)) {
    std::cerr << *unknown << "\nRun with --help for more information.\n";
    return usage_exit;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message
    return usage_exit;
  }
  return std::nullopt;
}

void AddLogFlags(CLI::App& app, LogFlags* flags) {
  app.add_option("--log-format", flags->format,
                 "Log lines on stderr: text (default) or json (one object per line: time, level, "
                 "component, event, fields)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", flags->level,
                 "Lowest level logged: trace, debug, info (default), warn, error, critical, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "critical", "off"}));
}

absl::StatusOr<LogOptions> ToLogOptions(const LogFlags& flags, const std::string& program) {
  LogOptions o;
  o.program = program;
  auto format = ParseLogFormat(flags.format);
  if (!format.ok()) return format.status();
  auto level = ParseLogLevel(flags.level);
  if (!level.ok()) return level.status();
  o.format = *format;
  o.level = *level;
  return o;
}

}  // namespace accord::ops
