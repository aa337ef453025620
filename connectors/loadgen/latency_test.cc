#include "latency.h"

#include "gtest/gtest.h"

namespace accord::loadgen {
namespace {

TEST(LatencyRecorderTest, PercentilesOfKnownSamples) {
  LatencyRecorder r;
  for (int i = 1; i <= 100; ++i) r.Add(i);
  EXPECT_EQ(r.count(), 100u);
  EXPECT_EQ(r.Percentile(50), 50);
  EXPECT_EQ(r.Percentile(99), 99);
  EXPECT_EQ(r.Percentile(100), 100);
}

TEST(LatencyRecorderTest, EmptyIsZero) { EXPECT_EQ(LatencyRecorder().Percentile(99), 0); }

TEST(LatencyRecorderTest, BoundedMemoryKeepsPercentilesOfASteadyLoad) {
  LatencyRecorder r(1000);
  for (int i = 0; i < 1000000; ++i) r.Add(i % 1000);
  EXPECT_EQ(r.count(), 1000000u);
  EXPECT_NEAR(static_cast<double>(r.Percentile(50)), 500, 20);
  EXPECT_NEAR(static_cast<double>(r.Percentile(99)), 990, 20);
}

TEST(LatencyRecorderTest, MergeCombinesThreads) {
  LatencyRecorder a, b;
  for (int i = 1; i <= 50; ++i) a.Add(i);
  for (int i = 51; i <= 100; ++i) b.Add(i);
  a.Merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.Percentile(50), 50);
}

}  // namespace
}  // namespace accord::loadgen
