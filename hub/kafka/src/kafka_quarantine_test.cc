#include "accord/hub/kafka/kafka_quarantine.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

// Kafka handles have the embedded hub's form, "<quarantined-at ms>-<offset + 1>",
// so accordctl and the providers see one kind of handle.
TEST(KafkaQuarantineHandleTest, AHandleNamesAnOffsetAndATimeAndNothingElseIsAHandle) {
  EXPECT_EQ(KafkaQuarantine::Handle(1764720000123, 0), "1764720000123-1");
  auto pos = KafkaQuarantine::ParseHandle(KafkaQuarantine::Handle(1764720000123, 41));
  ASSERT_TRUE(pos.ok()) << pos.status();
  EXPECT_EQ(pos->at_ms, 1764720000123);
  EXPECT_EQ(pos->offset, 41);
  EXPECT_EQ(KafkaQuarantine::Handle(-1, 5), "0-6");  // a message without a time
  for (const char* bad : {"", "12", "12-", "-12", "12-0", "a-1", "1-2-3", "1 -2", "99999999999999999999-1",
                          "1-99999999999999999999", "replayed:4"}) {
    auto p = KafkaQuarantine::ParseHandle(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(p.status())) << bad;
    if (!p.ok()) EXPECT_TRUE(absl::StrContains(p.status().message(), "accordctl quarantine list")) << bad;
  }
  EXPECT_FALSE(KafkaQuarantine::ParseHandle(std::string(1000, '1')).ok());
}

}  // namespace
}  // namespace accord::hub
