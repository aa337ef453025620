// accordctl key ...: an agency's own agreement-signing key on the hub
// (register, rotate, revoke, list, export the key log), and reading an
// exported key log for offline verification (`agreement verify --keys`,
// `audit verify --keys`).
#pragma once

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "accord/hub/core/key_log.h"
#include "commands.h"

namespace accord::ctl {

using AddHubOptions = std::function<void(CLI::App*, HubOptions*, bool)>;

// Adds the `key` subcommand tree to `app`; callbacks set `*rc`.
void AddKeyCommands(CLI::App& app, int* rc, const AddHubOptions& add_hub_options);

// Reads and verifies a key log export file (`accordctl key export`); with
// `expect_key_path`, its signing key must be the PEM in that file.
absl::StatusOr<hub::VerifiedKeyLog> LoadKeyLogFile(const std::string& path,
                                                   const std::string& expect_key_path = "");

// One line describing a verified key log, for people.
std::string DescribeKeyLog(const std::string& path, const hub::VerifiedKeyLog& log);

}  // namespace accord::ctl
