// Clock: the injectable source of the current time, as LevelDB's Env is the
// injectable environment. Code whose behaviour depends on time passing
// (deadlines, backoffs, retention, expiry, reachability windows, latency
// metrics) takes a `const Clock*` instead of calling absl::Now(), so that its
// tests move time with a ManualClock instead of sleeping.
//
//   RealClock::Get()   the wall clock (absl::Now()); a process-wide instance
//                      that lives forever, so it may be borrowed anywhere.
//   ManualClock        a test clock: stands still until Advance()/Set().
//
// Ownership: a component borrows its clock; the clock must outlive it.
// Thread safety: Now() may be called from any thread; ManualClock's
// Advance()/Set() may run concurrently with Now() (an atomic).
// Header-only (accord_base_headers): no I/O, usable by policy/ too.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace accord::base {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // The process-wide real clock (never destroyed).
  static const Clock* Get() {
    static const RealClock* const clock = new RealClock();
    return clock;
  }
};

class ManualClock final : public Clock {
 public:
  // Starts at `start` (default: 2027-01-15 00:00 UTC, a fixed instant so
  // that tests do not depend on the day they run).
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000))
      : nanos_(absl::ToUnixNanos(start)) {}

  absl::Time Now() const override { return absl::FromUnixNanos(nanos_.load(std::memory_order_acquire)); }
  // Moves the clock forward by `d` (or back, if negative).
  void Advance(absl::Duration d) { nanos_.fetch_add(absl::ToInt64Nanoseconds(d), std::memory_order_acq_rel); }
  void Set(absl::Time t) { nanos_.store(absl::ToUnixNanos(t), std::memory_order_release); }

 private:
  std::atomic<int64_t> nanos_;  // since the Unix epoch
};

}  // namespace accord::base
