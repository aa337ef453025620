// DeadLetter: rows the connector could not parse or map, and rows the hub
// rejected, appended as JSON lines {"line", "offset", "reason", "row"} to a
// file beside the source. The file is the agency's own data (it holds the
// row), so it is created mode 0600 and never logged. Invalid UTF-8 in a row
// is replaced (U+FFFD) so every line stays valid JSON.
//
// Thread safety: Write() is thread-safe (the outcome thread and the reader
// both write).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace accord::connect {

class DeadLetter {
 public:
  // Opens lazily on the first Write (no file for a clean run); appends.
  explicit DeadLetter(std::string path) : path_(std::move(path)) {}
  ~DeadLetter();
  DeadLetter(const DeadLetter&) = delete;
  DeadLetter& operator=(const DeadLetter&) = delete;

  absl::Status Write(uint64_t line, uint64_t offset, absl::string_view reason, absl::string_view row);
  // Flushes to the OS.
  void Flush();
  // Flushes and fsyncs: called before a checkpoint that moves past dead
  // letters, so a crash can never lose one (it may repeat one: rows after the
  // checkpoint are read again after a restart).
  absl::Status Sync();
  uint64_t count() const;
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  mutable absl::Mutex mu_;
  FILE* file_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace accord::connect
