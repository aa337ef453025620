// Per-key log rate limiter: at most `burst` lines per key in each `window`.
//
// Admit(key, now) says whether a line may be written and, when it may, how
// many lines of that key were suppressed since the last one written (the
// caller reports that count). Expired(now) hands back the counts of keys whose
// window has ended with suppressed lines and no line written since, so they
// can be reported without waiting for the next line of that key.
//
// Keys are bounded: beyond `max_keys` the least recently used idle key is
// forgotten (a key with pending suppressed lines is reported by Expired()
// first). Not thread-safe: the caller serialises (the log sink holds a mutex).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace accord::ops {

class LogRateLimiter {
 public:
  LogRateLimiter(size_t burst, absl::Duration window, size_t max_keys = 4096)
      : burst_(burst), window_(window), max_keys_(max_keys) {}

  struct Decision {
    bool write = false;
    uint64_t suppressed_before = 0;  // to report with this line when write
  };
  Decision Admit(const std::string& key, absl::Time now);

  // Keys whose window ended with lines suppressed, and their counts (reset).
  std::vector<std::pair<std::string, uint64_t>> Expired(absl::Time now);
  // Every pending count, whatever its window (reset).
  std::vector<std::pair<std::string, uint64_t>> TakeAll();

 private:
  struct State {
    absl::Time window_start;
    size_t written = 0;
    uint64_t suppressed = 0;
  };
  const size_t burst_;
  const absl::Duration window_;
  const size_t max_keys_;
  absl::flat_hash_map<std::string, State> keys_;
};

}  // namespace accord::ops
