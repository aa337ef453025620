// File helpers for accordctl: whole-file reads with a size cap, and atomic
// writes (temp file + rename) with explicit permissions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "accord/base/read_file.h"

namespace accord::ctl {

// Reads `path` fully (accord/base/read_file.h). FailedPrecondition if it is
// larger than `max_bytes`; every accordctl caller passes its own cap.
using base::ReadFile;

// Writes `data` to `path` atomically with permissions `mode` (e.g. 0600 for
// private keys). Refuses to overwrite an existing file unless `overwrite`.
absl::Status WriteFile(const std::string& path, std::string_view data, unsigned mode = 0644,
                       bool overwrite = true);

}  // namespace accord::ctl
