// File helpers for accordctl: whole-file reads with a size cap, and atomic
// writes (temp file + rename) with explicit permissions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace accord::ctl {

// Reads `path` fully. FailedPrecondition if it is larger than `max_bytes`.
absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes = 16 << 20);

// Writes `data` to `path` atomically with permissions `mode` (e.g. 0600 for
// private keys). Refuses to overwrite an existing file unless `overwrite`.
absl::Status WriteFile(const std::string& path, std::string_view data, unsigned mode = 0644,
                       bool overwrite = true);

}  // namespace accord::ctl
