#include "accord/ops/rate_limiter.h"

namespace accord::ops {

LogRateLimiter::Decision LogRateLimiter::Admit(const std::string& key, absl::Time now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    if (keys_.size() >= max_keys_) {
      // Forget idle keys (no pending count) whose window has ended.
      for (auto k = keys_.begin(); k != keys_.end();) {
        if (k->second.suppressed == 0 && now - k->second.window_start >= window_) {
          keys_.erase(k++);
        } else {
          ++k;
        }
      }
      if (keys_.size() >= max_keys_) return Decision{true, 0};  // too many live keys: do not limit
    }
    it = keys_.emplace(key, State{now, 0, 0}).first;
  }
  State& s = it->second;
  Decision d;
  if (now - s.window_start >= window_) {
    s.window_start = now;
    s.written = 0;
  }
  if (s.written < burst_) {
    ++s.written;
    d.write = true;
    d.suppressed_before = s.suppressed;
    s.suppressed = 0;
  } else {
    ++s.suppressed;
  }
  return d;
}

std::vector<std::pair<std::string, uint64_t>> LogRateLimiter::Expired(absl::Time now) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (auto& [key, s] : keys_) {
    if (s.suppressed > 0 && now - s.window_start >= window_) {
      out.emplace_back(key, s.suppressed);
      s.suppressed = 0;
    }
  }
  return out;
}

std::vector<std::pair<std::string, uint64_t>> LogRateLimiter::TakeAll() {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (auto& [key, s] : keys_) {
    if (s.suppressed > 0) {
      out.emplace_back(key, s.suppressed);
      s.suppressed = 0;
    }
  }
  return out;
}

}  // namespace accord::ops
