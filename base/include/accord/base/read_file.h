// Whole-file reads: the one helper every component uses to load a small file
// (TLS certificates and keys, hub keys and secrets, configuration, mappings,
// agreements, checkpoints, PEM keys).
//
// ReadFile(path, max_bytes) returns every byte of `path` (binary, no newline
// translation). Errors name the local path and the system error text (for
// operators and CLI users; never send them to a remote client):
//   NotFound           the file (or a directory on its way) does not exist;
//   PermissionDenied   no read permission;
//   FailedPrecondition `path` is a directory, or the file holds more than
//                      `max_bytes` bytes (nothing beyond max_bytes + 1 bytes
//                      is read, so a huge or endless file costs no memory);
//   Internal           any other read error.
// The bytes themselves never appear in an error (the file may be a secret).
//
// Thread safety: a free function with no shared state.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace accord::base {

// Default cap: every file Accord reads whole is far smaller.
inline constexpr size_t kDefaultMaxReadBytes = size_t{64} << 20;

absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes = kDefaultMaxReadBytes);

}  // namespace accord::base
