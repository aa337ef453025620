// LineReader: reads a file (or stdin) line by line with byte offsets, for the
// CSV and JSON Lines sources and their checkpoints.
//
// Lines are returned with their terminator ("\n"; a "\r\n" stays intact), as
// views into an internal buffer that stay valid until the next call. The last
// line of a file may lack a terminator. A line longer than max_line_bytes is
// returned in pieces of at most that size with `truncated` set, so memory
// stays bounded whatever the input.
//
// Thread safety: thread-compatible (one thread at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace accord::connect {

class LineReader {
 public:
  // `path` "-" reads stdin (which cannot Seek). NotFound / PermissionDenied
  // name the path only.
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(const std::string& path,
                                                          size_t max_line_bytes = 16 << 20);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Positions the next line at byte `offset` (which should be a line start).
  // FailedPrecondition for stdin.
  absl::Status Seek(uint64_t offset);

  // Sets *line to the next line. Returns false at end of input.
  absl::StatusOr<bool> Next(absl::string_view* line, bool* truncated);

  // Byte offset of the start of the line last returned, and of its end.
  uint64_t line_begin() const { return line_begin_; }
  uint64_t line_end() const { return line_end_; }
  bool is_stdin() const { return fd_ == 0; }

 private:
  LineReader(int fd, size_t max_line_bytes);
  absl::Status Fill();  // reads more bytes; sets eof_

  int fd_;
  size_t max_line_;
  std::string buf_;
  size_t pos_ = 0;   // next unread byte in buf_
  size_t end_ = 0;   // bytes valid in buf_
  bool eof_ = false;
  uint64_t buf_offset_ = 0;  // file offset of buf_[0]
  uint64_t line_begin_ = 0;
  uint64_t line_end_ = 0;
};

}  // namespace accord::connect
