#include "files.h"



#include "absl/strings/str_cat.h"
#include "accord/base/atomic_file.h"

namespace accord::ctl {

absl::Status WriteFile(const std::string& path, std::string_view data, unsigned mode,
                       bool overwrite) {
  absl::Status s = base::WriteFileAtomically(path, data, {.mode = mode, .overwrite = overwrite});
  if (s.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(absl::StrCat(path, " already exists (use --force to replace it)"));
  }
  return s;
}

}  // namespace accord::ctl
