// Syntax of agency ids, the names parties are known by in certificates,
// agreements and feeds.
//
// An agency id matches [a-z0-9][a-z0-9._-]{1,63}: 2 to 64 characters, lower
// case ASCII, so it is safe in file names, DNS names, URIs and log lines.
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace accord::hub::pki {

inline constexpr std::size_t kMinAgencyIdLength = 2;
inline constexpr std::size_t kMaxAgencyIdLength = 64;

// True if `id` is a syntactically valid agency id.
bool IsValidAgencyId(std::string_view id);

// OK if `id` is valid, else InvalidArgument naming `field` (never the value,
// which may come from an untrusted peer).
absl::Status ValidateAgencyId(std::string_view id, std::string_view field = "agency id");

}  // namespace accord::hub::pki
