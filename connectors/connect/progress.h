// Progress: rows, rate and ETA for long backfills. On a terminal it redraws
// one line on stderr (about 5 times a second); otherwise it logs a line every
// `log_every`. Counts only: never a value from a row.
// Thread safety: thread-compatible (the reading thread calls it).
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace accord::connect {

class Progress {
 public:
  enum class Mode { kAuto, kBar, kLog, kNone };
  explicit Progress(Mode mode, absl::Duration log_every = absl::Seconds(10));

  // A new source of `total_bytes` (0 if unknown), starting at `start_bytes`.
  void Start(const std::string& name, uint64_t total_bytes, uint64_t start_bytes);
  // Rows read and bytes done so far; cheap, rate-limited output.
  void Update(uint64_t rows, uint64_t bytes);
  // Ends the line (terminal) for this source.
  void Finish(uint64_t rows, uint64_t bytes);

 private:
  void Print(uint64_t rows, uint64_t bytes, bool final);
  Mode mode_;
  absl::Duration every_;
  std::string name_;
  uint64_t total_ = 0;
  uint64_t start_bytes_ = 0;
  absl::Time started_;
  absl::Time last_;
  uint32_t tick_ = 0;
  bool printed_ = false;
};

}  // namespace accord::connect
