// Config: every accord-connect option, from one YAML file and the command
// line (the command line wins). Keys in the file are the long option names
// without "--" (hub, ca, cert, key, as, insecure_dev, mapping, source, watch,
// agreement, checkpoint_dir, dead_letter, batch, max_inflight, linger_ms,
// initial_backoff_ms, max_backoff_ms, progress, settle_ms, poll_ms, dry_run,
// json). Unknown keys are an error.
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "accord/client/channel.h"

namespace accord::connect {

struct Config {
  client::ChannelOptions channel;
  std::string mapping;         // mapping YAML; empty = record JSON Lines
  std::string source;          // a file, or "-" for stdin
  std::string watch;           // a drop directory
  std::string agreement;       // optional: validate rows against its dataset
  std::string checkpoint_dir;  // default: beside each source
  std::string dead_letter;     // default: <source>.dead-letter.jsonl
  size_t batch = 500;
  size_t max_inflight = 8;
  int64_t linger_ms = 5;
  int64_t initial_backoff_ms = 200;
  int64_t max_backoff_ms = 10000;
  std::string progress = "auto";  // auto | bar | log | none
  int64_t settle_ms = 2000;       // watch: a file unchanged this long is complete
  int64_t poll_ms = 1000;         // watch: how often the directory is scanned
  bool once = false;              // watch: stop when the directory is empty
  bool dry_run = false;
  bool json = false;
};

// Fills every field of *config named in the YAML file at `path`, except
// those in `set_on_command_line` (long option names).
absl::Status LoadConfigFile(const std::string& path, const std::vector<std::string>& set_on_command_line,
                            Config* config);

}  // namespace accord::connect
