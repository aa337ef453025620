#include "accord/base/clock.h"

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

#include "gtest/gtest.h"

namespace accord::base {
namespace {

TEST(ClockTest, ManualClockStandsStillUntilMoved) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  const Clock& c = clock;
  EXPECT_EQ(c.Now(), absl::FromUnixSeconds(1000));
  EXPECT_EQ(c.Now(), absl::FromUnixSeconds(1000));
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_EQ(c.Now(), absl::FromUnixMillis(1001500));
  clock.Advance(-absl::Seconds(1));
  EXPECT_EQ(c.Now(), absl::FromUnixMillis(1000500));
  clock.Set(absl::FromUnixSeconds(5));
  EXPECT_EQ(c.Now(), absl::FromUnixSeconds(5));
}

TEST(ClockTest, ManualClockDefaultsToAFixedInstant) {
  EXPECT_EQ(ManualClock().Now(), absl::FromUnixSeconds(1'800'000'000));
}

TEST(ClockTest, ManualClockAdvancesFromManyThreadsWithoutLosingTime) {
  ManualClock clock(absl::UnixEpoch());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        clock.Advance(absl::Nanoseconds(1));
        (void)clock.Now();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.Now(), absl::UnixEpoch() + absl::Nanoseconds(4000));
}

TEST(ClockTest, RealClockIsTheWallClockAndOneInstance) {
  const Clock* clock = RealClock::Get();
  ASSERT_EQ(clock, RealClock::Get());
  const absl::Time before = absl::Now();
  const absl::Time now = clock->Now();
  const absl::Time after = absl::Now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

// A timed waiter on a ManualClock wakes when the clock is moved: early
// (WaitWithDeadline false) while the deadline is ahead, for good (true) once
// the clock reaches it. No real time passes.
TEST(ClockTest, ManualClockWakesATimedWaiterWhenMovedToItsDeadline) {
  ManualClock clock;
  absl::Mutex mu;
  ClockCondVar cv(&clock, &mu);
  const absl::Time deadline = clock.Now() + absl::Seconds(5);
  int early = 0;
  bool reached = false;
  std::thread waiter([&] {
    absl::MutexLock lock(&mu);
    while (!cv.WaitWithDeadline(deadline)) ++early;
    reached = true;
  });
  ASSERT_TRUE(clock.AwaitTimedWaiters(1));
  clock.Advance(absl::Seconds(4));
  {
    absl::MutexLock lock(&mu);
    // Woken, found the deadline ahead, and waits again (or is about to).
    mu.Await(absl::Condition(+[](int* n) { return *n >= 1; }, &early));
    EXPECT_FALSE(reached);
  }
  ASSERT_TRUE(clock.AwaitTimedWaiters(1));
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(clock.AwaitTimedWaiters(0, absl::Seconds(30)));
  waiter.join();
  EXPECT_TRUE(reached);
  EXPECT_EQ(clock.Now(), deadline);
}

TEST(ClockTest, ManualClockSetWakesATimedWaiter) {
  ManualClock clock(absl::FromUnixSeconds(100));
  absl::Mutex mu;
  ClockCondVar cv(&clock, &mu);
  bool reached = false;
  std::thread waiter([&] {
    absl::MutexLock lock(&mu);
    while (!cv.WaitWithDeadline(absl::FromUnixSeconds(200))) {
    }
    reached = true;
  });
  ASSERT_TRUE(clock.AwaitTimedWaiters(1));
  clock.Set(absl::FromUnixSeconds(300));
  waiter.join();
  EXPECT_TRUE(reached);
  EXPECT_TRUE(clock.AwaitTimedWaiters(0));
}

// A signal wakes a timed waiter before its deadline (false), on either clock.
TEST(ClockTest, ClockCondVarSignalWakesATimedWaiterEarly) {
  ManualClock manual;
  for (const Clock* clock : {static_cast<const Clock*>(&manual), RealClock::Get()}) {
    absl::Mutex mu;
    ClockCondVar cv(clock, &mu);
    bool waiting = false;
    bool go = false;
    bool timed_out = true;
    std::thread waiter([&] {
      absl::MutexLock lock(&mu);
      waiting = true;
      while (!go) timed_out = cv.WaitWithDeadline(absl::InfiniteFuture());
    });
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(&waiting));  // it holds mu until it waits
      go = true;
    }
    cv.SignalAll();
    waiter.join();
    EXPECT_FALSE(timed_out);
  }
  EXPECT_TRUE(manual.AwaitTimedWaiters(0));
}

// A deadline already reached returns at once, without waiting or counting as
// a timed waiter.
TEST(ClockTest, ClockCondVarPastDeadlineReturnsAtOnce) {
  ManualClock manual;
  absl::Mutex mu;
  ClockCondVar on_manual(&manual, &mu);
  ClockCondVar on_real(RealClock::Get(), &mu);
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(on_manual.WaitWithDeadline(manual.Now()));
  EXPECT_TRUE(on_manual.WaitWithDeadline(absl::InfinitePast()));
  EXPECT_TRUE(on_real.WaitWithDeadline(absl::InfinitePast()));
  EXPECT_TRUE(manual.AwaitTimedWaiters(0));
}

// A ClockCondVar leaves its ManualClock when destroyed: moving the clock
// afterwards touches only the ones that remain.
TEST(ClockTest, ManualClockForgetsADestroyedClockCondVar) {
  ManualClock clock;
  absl::Mutex mu;
  ClockCondVar kept(&clock, &mu);
  { ClockCondVar gone(&clock, &mu); }
  clock.Advance(absl::Seconds(1));
  clock.Set(absl::UnixEpoch());
  EXPECT_EQ(clock.Now(), absl::UnixEpoch());
}

}  // namespace
}  // namespace accord::base
