#include "accord/hub/kafka/kafka_config.h"

#include "gtest/gtest.h"

namespace accord::hub {
namespace {

TEST(KafkaConfigTest, DefaultsNeedOnlyBrokersAndReservedPropertiesAreRefused) {
  KafkaConfig c;
  EXPECT_FALSE(c.Validate().ok());
  c.brokers = "localhost:9092";
  EXPECT_TRUE(c.Validate().ok()) << c.Validate();
  EXPECT_EQ(c.ingest_topic(), "accord.ingest");
  EXPECT_EQ(c.consumer_group(), "accord.policy");
  c.properties["security.protocol"] = "SASL_SSL";
  EXPECT_TRUE(c.Validate().ok());
  c.properties["enable.idempotence"] = "false";
  absl::Status s = c.Validate();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("enable.idempotence"), std::string::npos) << s;
  c.properties.erase("enable.idempotence");
  c.topic_prefix = "bad prefix!";
  c.partitions = 0;
  s = c.Validate();
  EXPECT_NE(std::string(s.message()).find("topic_prefix"), std::string::npos) << s;
  EXPECT_NE(std::string(s.message()).find("partitions"), std::string::npos) << s;
}

}  // namespace
}  // namespace accord::hub
