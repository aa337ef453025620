#include "accord/ops/rate_limiter.h"

#include "gtest/gtest.h"

namespace accord::ops {
namespace {

TEST(LogRateLimiterTest, WritesABurstPerWindowAndReportsWhatItSuppressed) {
  LogRateLimiter limiter(3, absl::Seconds(10));
  absl::Time t = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 3; ++i) {
    auto d = limiter.Admit("kafka\x1f" "FAIL", t);
    EXPECT_TRUE(d.write);
    EXPECT_EQ(d.suppressed_before, 0u);
  }
  for (int i = 0; i < 97; ++i) EXPECT_FALSE(limiter.Admit("kafka\x1f" "FAIL", t + absl::Seconds(1)).write);
  // Another key is not affected.
  EXPECT_TRUE(limiter.Admit("hub\x1fstarted", t).write);
  // Within the window nothing has expired yet.
  EXPECT_TRUE(limiter.Expired(t + absl::Seconds(9)).empty());
  // The next window's first line carries the count.
  auto d = limiter.Admit("kafka\x1f" "FAIL", t + absl::Seconds(10));
  EXPECT_TRUE(d.write);
  EXPECT_EQ(d.suppressed_before, 97u);
}

TEST(LogRateLimiterTest, ExpiredReportsCountsOnceWithoutAnotherLine) {
  LogRateLimiter limiter(1, absl::Seconds(5));
  absl::Time t = absl::FromUnixSeconds(0);
  EXPECT_TRUE(limiter.Admit("a", t).write);
  EXPECT_FALSE(limiter.Admit("a", t).write);
  EXPECT_FALSE(limiter.Admit("a", t).write);
  auto expired = limiter.Expired(t + absl::Seconds(5));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].first, "a");
  EXPECT_EQ(expired[0].second, 2u);
  EXPECT_TRUE(limiter.Expired(t + absl::Seconds(6)).empty());
  EXPECT_EQ(limiter.Admit("a", t + absl::Seconds(6)).suppressed_before, 0u);
}

TEST(LogRateLimiterTest, KeysAreBounded) {
  LogRateLimiter limiter(1, absl::Seconds(1), /*max_keys=*/2);
  absl::Time t = absl::FromUnixSeconds(0);
  EXPECT_TRUE(limiter.Admit("a", t).write);
  EXPECT_TRUE(limiter.Admit("b", t).write);
  // Full of live keys: a new key is written, unlimited, rather than dropped.
  EXPECT_TRUE(limiter.Admit("c", t).write);
  // Once their windows end, idle keys make room.
  EXPECT_TRUE(limiter.Admit("d", t + absl::Seconds(2)).write);
  EXPECT_FALSE(limiter.Admit("d", t + absl::Seconds(2)).write);
  EXPECT_EQ(limiter.TakeAll().size(), 1u);
}

}  // namespace
}  // namespace accord::ops
