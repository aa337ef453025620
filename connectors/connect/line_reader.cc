#include "line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace accord::connect {
namespace {
constexpr size_t kReadChunk = 1 << 20;
}

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path,
                                                             size_t max_line_bytes) {
  if (path == "-") return std::unique_ptr<LineReader>(new LineReader(0, max_line_bytes));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    const std::string msg = absl::StrCat("cannot open ", path, ": ", std::strerror(e));
    if (e == ENOENT) return absl::NotFoundError(msg);
    if (e == EACCES) return absl::PermissionDeniedError(msg);
    return absl::UnavailableError(msg);
  }
  return std::unique_ptr<LineReader>(new LineReader(fd, max_line_bytes));
}

LineReader::LineReader(int fd, size_t max_line_bytes)
    : fd_(fd), max_line_(max_line_bytes < 16 ? 16 : max_line_bytes) {
  buf_.resize(kReadChunk);
}

LineReader::~LineReader() {
  if (fd_ > 0) ::close(fd_);
}

absl::Status LineReader::Seek(uint64_t offset) {
  if (fd_ == 0) return absl::FailedPreconditionError("stdin cannot seek");
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
    return absl::InternalError(absl::StrCat("seek failed: ", std::strerror(errno)));
  }
  pos_ = end_ = 0;
  eof_ = false;
  buf_offset_ = offset;
  line_begin_ = line_end_ = offset;
  return absl::OkStatus();
}

absl::Status LineReader::Fill() {
  // Keep unread bytes, move them to the front, grow if needed.
  if (pos_ > 0) {
    std::memmove(&buf_[0], buf_.data() + pos_, end_ - pos_);
    buf_offset_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() - end_ < kReadChunk / 2) buf_.resize(buf_.size() * 2);
  for (;;) {
    ssize_t n = ::read(fd_, &buf_[end_], buf_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::DataLossError(absl::StrCat("read failed: ", std::strerror(errno)));
    if (n == 0) eof_ = true;
    end_ += static_cast<size_t>(n);
    return absl::OkStatus();
  }
}

absl::StatusOr<bool> LineReader::Next(absl::string_view* line, bool* truncated) {
  *truncated = false;
  size_t scanned = 0;  // bytes after pos_ already searched for '\n'
  for (;;) {
    const char* start = buf_.data() + pos_;
    const size_t avail = end_ - pos_;
    const void* nl = avail > scanned ? std::memchr(start + scanned, '\n', avail - scanned) : nullptr;
    size_t len = 0;
    if (nl != nullptr) {
      len = static_cast<const char*>(nl) - start + 1;
    } else if (avail >= max_line_) {
      len = max_line_;
      *truncated = true;
    } else if (eof_) {
      if (avail == 0) return false;
      len = avail;
    } else {
      scanned = avail;
      if (absl::Status s = Fill(); !s.ok()) return s;
      continue;
    }
    if (len > max_line_) {
      len = max_line_;
      *truncated = true;
    }
    *line = absl::string_view(buf_.data() + pos_, len);
    line_begin_ = buf_offset_ + pos_;
    pos_ += len;
    line_end_ = buf_offset_ + pos_;
    return true;
  }
}

}  // namespace accord::connect
