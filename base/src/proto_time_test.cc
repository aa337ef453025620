#include "accord/base/proto_time.h"

#include "gtest/gtest.h"

namespace accord::base {
namespace {

TEST(ProtoTimeTest, RoundTripsToTheNanosecondAndRoundsDownBefore1970) {
  const absl::Time t = absl::FromUnixSeconds(1764763200) + absl::Nanoseconds(123456789);
  google::protobuf::Timestamp ts;
  ToTimestamp(t, &ts);
  EXPECT_EQ(ts.seconds(), 1764763200);
  EXPECT_EQ(ts.nanos(), 123456789);
  EXPECT_EQ(ToTime(ts), t);

  ToTimestamp(absl::FromUnixNanos(-1), &ts);  // one nanosecond before the epoch
  EXPECT_EQ(ts.seconds(), -1);
  EXPECT_EQ(ts.nanos(), 999999999);
  EXPECT_EQ(ToTime(ts), absl::FromUnixNanos(-1));
}

TEST(ProtoTimeTest, MicrosecondFormRoundsDownToTheMicrosecond) {
  google::protobuf::Timestamp ts;
  ToTimestampMicros(absl::FromUnixSeconds(10) + absl::Nanoseconds(1999), &ts);
  EXPECT_EQ(ts.seconds(), 10);
  EXPECT_EQ(ts.nanos(), 1000);
  ToTimestampMicros(absl::FromUnixNanos(-1500), &ts);  // -1.5 us -> -2 us
  EXPECT_EQ(ts.seconds(), -1);
  EXPECT_EQ(ts.nanos(), 999998000);
}

}  // namespace
}  // namespace accord::base
