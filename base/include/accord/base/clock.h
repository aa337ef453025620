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
// Waiting for a time: a thread that must wake at a time on a clock (a
// linger, a timeout) waits on a ClockCondVar, an absl::CondVar whose timed
// wait takes a deadline on that clock. On the real clock it is exactly
// absl::CondVar::WaitWithDeadline; on a ManualClock the waiter wakes when the
// clock is moved (or when signalled), so a test drives the component's
// timers with Advance() and no real time passes. ManualClock::
// AwaitTimedWaiters(n) lets the test wait until the component is blocked on
// its timer (as Go's clockwork FakeClock.BlockUntil).
//
// Ownership: a component borrows its clock; the clock must outlive it (and
// every ClockCondVar on it).
// Thread safety: Now() may be called from any thread; ManualClock's
// Advance()/Set() may run concurrently with Now() (an atomic) and with waits.
// Lock order: a ManualClock wakes each ClockCondVar under that condition's
// mutex, so do not move a ManualClock while holding such a mutex, and do
// not construct or destroy a ClockCondVar while holding its mutex.
// Header-only (accord_base_headers): no I/O, usable by policy/ too.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace accord::base {

class ClockCondVar;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

 protected:
  friend class ClockCondVar;
  // ClockCondVar's timed wait: called with `mu` held; waits on `cv` until it
  // is signalled or this clock reads `deadline` or later (it may return
  // early); true if the clock has reached `deadline`. Default, for a clock
  // that moves with real time (e.g. an offset one): waits on real time for
  // the time left.
  virtual bool WaitWithDeadline(absl::Mutex* mu, absl::CondVar* cv, absl::Time deadline) const {
    const absl::Time now = Now();
    if (now >= deadline) return true;
    cv->WaitWithTimeout(mu, deadline - now);
    return Now() >= deadline;
  }
  // A ClockCondVar on this clock, from its construction to its destruction.
  // A clock that moves other than with real time (ManualClock) wakes each
  // one when it moves. Default: nothing to do.
  virtual void AddWaker(ClockCondVar*) const {}
  virtual void RemoveWaker(ClockCondVar*) const {}
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // The process-wide real clock (never destroyed).
  static const Clock* Get() {
    static const RealClock* const clock = new RealClock();
    return clock;
  }

 private:
  bool WaitWithDeadline(absl::Mutex* mu, absl::CondVar* cv, absl::Time deadline) const override {
    return cv->WaitWithDeadline(mu, deadline);
  }
};

// An absl::CondVar bound to one mutex, whose timed wait follows a Clock.
// Like any condition variable, every wait may return early: loop on the
// condition. Thread safety: as absl::CondVar; waits need `mu` held, signals
// need not. Construct and destroy it without holding `mu`.
class ClockCondVar {
 public:
  // `clock` and `mu` are borrowed and must outlive this.
  ClockCondVar(const Clock* clock, absl::Mutex* mu) : clock_(clock), mu_(mu) { clock_->AddWaker(this); }
  ~ClockCondVar() { clock_->RemoveWaker(this); }
  ClockCondVar(const ClockCondVar&) = delete;
  ClockCondVar& operator=(const ClockCondVar&) = delete;

  // Waits until signalled (absl::CondVar::Wait).
  void Wait() ABSL_EXCLUSIVE_LOCKS_REQUIRED(*mu_) { cv_.Wait(mu_); }
  // Waits until signalled or the clock reads `deadline` or later; true if it
  // does (the deadline passed), as absl::CondVar::WaitWithDeadline.
  bool WaitWithDeadline(absl::Time deadline) ABSL_EXCLUSIVE_LOCKS_REQUIRED(*mu_) {
    return clock_->WaitWithDeadline(mu_, &cv_, deadline);
  }
  void Signal() { cv_.Signal(); }
  void SignalAll() { cv_.SignalAll(); }

 private:
  friend class ManualClock;
  // The clock moved: every waiter re-reads it. Under `mu` so that a waiter
  // that has read the old time but not yet blocked cannot miss this.
  void Wake() {
    absl::MutexLock lock(mu_);
    cv_.SignalAll();
  }

  const Clock* const clock_;
  absl::Mutex* const mu_;
  absl::CondVar cv_;
};

class ManualClock final : public Clock {
 public:
  // Starts at `start` (default: 2027-01-15 00:00 UTC, a fixed instant so
  // that tests do not depend on the day they run).
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000))
      : nanos_(absl::ToUnixNanos(start)) {}

  absl::Time Now() const override { return absl::FromUnixNanos(nanos_.load(std::memory_order_acquire)); }
  // Moves the clock forward by `d` (or back, if negative), then wakes every
  // ClockCondVar on it, taking each one's mutex (do not hold one).
  void Advance(absl::Duration d) {
    nanos_.fetch_add(absl::ToInt64Nanoseconds(d), std::memory_order_acq_rel);
    WakeAll();
  }
  void Set(absl::Time t) {
    nanos_.store(absl::ToUnixNanos(t), std::memory_order_release);
    WakeAll();
  }

  // Blocks until exactly `n` threads are in ClockCondVar::WaitWithDeadline()
  // on this clock with a deadline it has not reached (e.g. a component armed
  // its timer), or until `real_timeout` of real time has passed (a safety net
  // for a broken test); true if they were. A waiter counts from when it has
  // read the clock, holding its mutex, until it holds that mutex again after
  // waking: so after AwaitTimedWaiters(0) following an Advance(), each woken
  // waiter has read the new time, or holds its mutex and is about to.
  bool AwaitTimedWaiters(int n, absl::Duration real_timeout = absl::Minutes(1)) const {
    absl::MutexLock lock(&waiters_mu_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(waiters_mu_) { return timed_waiters_ == n; };
    return waiters_mu_.AwaitWithTimeout(absl::Condition(&reached), real_timeout);
  }

 private:
  bool WaitWithDeadline(absl::Mutex* mu, absl::CondVar* cv, absl::Time deadline) const override {
    if (Now() >= deadline) return true;
    {
      absl::MutexLock lock(&waiters_mu_);
      ++timed_waiters_;
    }
    cv->Wait(mu);  // until signalled, or woken by Advance()/Set()
    {
      absl::MutexLock lock(&waiters_mu_);
      --timed_waiters_;
    }
    return Now() >= deadline;
  }
  void AddWaker(ClockCondVar* waker) const override {
    absl::MutexLock lock(&wakers_mu_);
    wakers_.push_back(waker);
  }
  void RemoveWaker(ClockCondVar* waker) const override {
    absl::MutexLock lock(&wakers_mu_);
    wakers_.erase(std::find(wakers_.begin(), wakers_.end(), waker));
  }
  void WakeAll() {
    absl::MutexLock lock(&wakers_mu_);
    for (ClockCondVar* waker : wakers_) waker->Wake();
  }

  std::atomic<int64_t> nanos_;  // since the Unix epoch
  // Lock order: wakers_mu_, then a waker's mutex, then waiters_mu_.
  mutable absl::Mutex wakers_mu_;
  mutable std::vector<ClockCondVar*> wakers_ ABSL_GUARDED_BY(wakers_mu_);
  mutable absl::Mutex waiters_mu_;
  mutable int timed_waiters_ ABSL_GUARDED_BY(waiters_mu_) = 0;
};

}  // namespace accord::base
