#include "accord/base/clock.h"

#include <thread>
#include <vector>

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

}  // namespace
}  // namespace accord::base
