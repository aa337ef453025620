#include "dead_letter.h"

#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace accord::connect {

DeadLetter::~DeadLetter() {
  absl::MutexLock lock(&mu_);
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status DeadLetter::Write(uint64_t line, uint64_t offset, absl::string_view reason,
                               absl::string_view row) {
  nlohmann::json j{{"line", line}, {"offset", offset}, {"reason", std::string(reason)},
                   {"row", std::string(row)}};
  const std::string text =
      j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  absl::MutexLock lock(&mu_);
  if (file_ == nullptr) {
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) file_ = ::fdopen(fd, "a");
    if (file_ == nullptr) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path_));
  }
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    return absl::DataLossError(absl::StrCat("cannot write ", path_));
  }
  ++count_;
  return absl::OkStatus();
}

void DeadLetter::Flush() {
  absl::MutexLock lock(&mu_);
  if (file_ != nullptr) std::fflush(file_);
}

absl::Status DeadLetter::Sync() {
  absl::MutexLock lock(&mu_);
  if (file_ == nullptr) return absl::OkStatus();
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) {
    return absl::DataLossError(absl::StrCat("cannot sync ", path_));
  }
  return absl::OkStatus();
}

uint64_t DeadLetter::count() const {
  absl::MutexLock lock(&mu_);
  return count_;
}

}  // namespace accord::connect
