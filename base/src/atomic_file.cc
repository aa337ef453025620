#include "accord/base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "errno_status.h"

namespace accord::base {
namespace {

using internal::ErrnoError;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("writing", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

std::string DirOf(const std::filesystem::path& path) {
  const std::filesystem::path parent = path.parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

absl::Status SyncDirectory(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("opening directory", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoError("fsync of directory", dir, errno);
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view data,
                                 const AtomicWriteOptions& options) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path target(path);
  if (target.filename().empty()) return absl::InvalidArgumentError(absl::StrCat("not a file path: ", path));
  const std::string dir = DirOf(target);
  if (options.create_parents) {
    std::error_code ec;
    if (std::filesystem::create_directories(dir, ec)) {
      ::chmod(dir.c_str(), 0700);
    }
    if (ec) return ErrnoError("creating directory", dir, ec.value());
  }
  const std::string tmp =
      (std::filesystem::path(dir) / absl::StrCat(".", target.filename().string(), ".tmp-", ::getpid(), "-",
                                                 counter.fetch_add(1)))
          .string();
  const mode_t mode = static_cast<mode_t>(options.mode & 07777);
  // Created owner-only; the exact mode is set before any byte is written.
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600 & mode));
  if (fd.get() < 0) return ErrnoError("creating", tmp, errno);
  absl::Status status;
  if (::fchmod(fd.get(), mode) != 0) status = ErrnoError("setting the mode of", tmp, errno);
  if (status.ok()) status = WriteAll(fd.get(), data, tmp);
  if (status.ok() && ::fsync(fd.get()) != 0) status = ErrnoError("fsync of", tmp, errno);
  if (status.ok() && ::close(fd.Release()) != 0) status = ErrnoError("closing", tmp, errno);
  if (status.ok()) {
    if (options.overwrite) {
      if (::rename(tmp.c_str(), path.c_str()) != 0) status = ErrnoError("renaming to", path, errno);
    } else if (::link(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      status = err == EEXIST ? absl::AlreadyExistsError(absl::StrCat(path, " already exists"))
                             : ErrnoError("creating", path, err);
    }
  }
  ::unlink(tmp.c_str());  // already gone after a successful rename
  if (!status.ok()) return status;
  return SyncDirectory(dir);
}

}  // namespace accord::base
