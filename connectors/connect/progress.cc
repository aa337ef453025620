#include "progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace accord::connect {

Progress::Progress(Mode mode, absl::Duration log_every) : mode_(mode), every_(log_every) {
  if (mode_ == Mode::kAuto) mode_ = ::isatty(2) ? Mode::kBar : Mode::kLog;
  if (mode_ == Mode::kBar) every_ = absl::Milliseconds(200);
}

void Progress::Start(const std::string& name, uint64_t total_bytes, uint64_t start_bytes) {
  name_ = name;
  total_ = total_bytes;
  start_bytes_ = start_bytes;
  started_ = last_ = absl::Now();
  printed_ = false;
}

void Progress::Update(uint64_t rows, uint64_t bytes) {
  if (mode_ == Mode::kNone || (++tick_ & 255) != 0) return;  // check the clock every 256 rows
  const absl::Time now = absl::Now();
  if (now - last_ < every_) return;
  last_ = now;
  Print(rows, bytes, false);
}

void Progress::Finish(uint64_t rows, uint64_t bytes) {
  // A short run on a log needs no progress line: the summary says it all.
  if (mode_ == Mode::kNone || (mode_ == Mode::kLog && !printed_)) return;
  Print(rows, bytes, true);
}

void Progress::Print(uint64_t rows, uint64_t bytes, bool final) {
  printed_ = true;
  const double secs = absl::ToDoubleSeconds(absl::Now() - started_);
  const double rate = secs > 0 ? rows / secs : 0;
  std::string eta = "?";
  const double byte_rate = secs > 0 ? (bytes - start_bytes_) / secs : 0;
  if (total_ > bytes && byte_rate > 0) {
    eta = absl::StrFormat("%.0fs", (total_ - bytes) / byte_rate);
  } else if (total_ > 0) {
    eta = "0s";
  }
  const double pct = total_ > 0 ? 100.0 * bytes / total_ : 0;
  if (mode_ == Mode::kBar) {
    const int width = 30;
    const int filled = total_ > 0 ? static_cast<int>(width * bytes / total_) : 0;
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s [%s] %5.1f%% %llu rows  %.0f rows/s  ETA %s   ", name_.c_str(),
                 bar.c_str(), pct, static_cast<unsigned long long>(rows), rate, eta.c_str());
    if (final) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "accord-connect: %s: %s%llu rows, %.1f%% of bytes, %.0f rows/s, ETA %s\n",
                 name_.c_str(), final ? "done, " : "", static_cast<unsigned long long>(rows), pct,
                 rate, eta.c_str());
  }
  std::fflush(stderr);
}

}  // namespace accord::connect
