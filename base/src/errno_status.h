// Private to accord_base: one mapping from a system error to an absl::Status
// whose message names the operation, the local path and the errno text.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace accord::base::internal {

inline absl::Status ErrnoError(std::string_view op, const std::string& path, int err) {
  std::string msg = absl::StrCat(std::string(op), " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT: return absl::NotFoundError(msg);
    case EEXIST: return absl::AlreadyExistsError(msg);
    case EACCES:
    case EPERM:
    case EROFS: return absl::PermissionDeniedError(msg);
    case ENOSPC:
    case EDQUOT: return absl::ResourceExhaustedError(msg);
    case EISDIR: return absl::FailedPreconditionError(msg);
    default: return absl::InternalError(msg);
  }
}

}  // namespace accord::base::internal
