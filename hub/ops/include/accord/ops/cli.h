// Command-line parsing shared by every Accord binary (CLI11).
//
// Exit codes: a usage error (unknown option or command, missing or bad
// argument) exits with the program's documented usage code (2 unless the
// program documents another, e.g. accordctl's table), never CLI11's own codes
// (106, 109, ...). --help and --version exit 0. An unknown command is named,
// with the commands that exist.
//
// Usage in main():
//   CLI::App app{"..."};
//   accord::ops::AddVersionFlag(app, "accord-hub");
//   accord::ops::LogFlags log_flags;
//   accord::ops::AddLogFlags(app, &log_flags);
//   ... options ...
//   if (auto rc = accord::ops::ParseCommandLine(app, argc, argv); rc) return *rc;
#pragma once

#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "accord/ops/logging.h"

namespace accord::ops {

inline constexpr int kExitUsageDefault = 2;

// The project version (CMake's PROJECT_VERSION), e.g. "0.1.0".
const char* Version();

// --version prints "PROGRAM VERSION" and exits 0.
void AddVersionFlag(CLI::App& app, const std::string& program);

// Parses; nullopt to carry on, or the exit code main() should return (0 after
// --help/--version, `usage_exit` after a usage error, printed to stderr).
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv,
                                    int usage_exit = kExitUsageDefault);

// --log-format text|json and --log-level LEVEL.
struct LogFlags {
  std::string format = "text";
  std::string level = "info";
};
void AddLogFlags(CLI::App& app, LogFlags* flags);
// LogOptions for `program` from the flags (already checked by CLI11).
absl::StatusOr<LogOptions> ToLogOptions(const LogFlags& flags, const std::string& program);

}  // namespace accord::ops
