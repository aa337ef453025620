// accordctl open: a recipient decrypts the values a personal flow sealed to
// its X25519 key (see open_command.cc for the input formats).
#pragma once

#include "CLI/CLI.hpp"

namespace accord::ctl {

// Adds the `open` subcommand to `app`; its exit code goes to *rc.
void AddOpenCommand(CLI::App& app, int* rc);

}  // namespace accord::ctl
