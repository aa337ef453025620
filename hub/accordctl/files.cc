#include "files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "accord/base/atomic_file.h"

namespace accord::ctl {

absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  std::string data;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof(buf));
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > max_bytes) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is larger than ", max_bytes, " bytes"));
    }
  }
  if (in.bad()) return absl::InternalError(absl::StrCat("cannot read ", path));
  return data;
}

absl::Status WriteFile(const std::string& path, std::string_view data, unsigned mode,
                       bool overwrite) {
  absl::Status s = base::WriteFileAtomically(path, data, {.mode = mode, .overwrite = overwrite});
  if (s.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(absl::StrCat(path, " already exists (use --force to replace it)"));
  }
  return s;
}

}  // namespace accord::ctl
