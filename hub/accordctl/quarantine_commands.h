// accordctl quarantine ...: your agency's records that the hub accepted but
// could not process (quarantined), with why; and re-running them after the
// agreement is fixed (proto/accord/v1/quarantine_service.proto). The hub
// answers only about the agency of the client certificate used.
#pragma once

#include "CLI/CLI.hpp"
#include "key_commands.h"

namespace accord::ctl {

// Adds the `quarantine` subcommand tree to `app`; callbacks set `*rc`.
void AddQuarantineCommands(CLI::App& app, int* rc, const AddHubOptions& add_hub_options);

}  // namespace accord::ctl
