// KafkaProbe against librdkafka's mock cluster (real protocol on loopback):
// reachable while a broker answers, not reachable once none has for the
// window, reachable again when they are back.
#include "accord/hub/kafka/kafka_probe.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace accord::hub {
namespace {

KafkaProbeOptions Fast() {
  KafkaProbeOptions o;
  o.interval = absl::Milliseconds(100);
  o.timeout = absl::Milliseconds(300);
  o.window = absl::Seconds(1);
  return o;
}

// Polls `probe` until reachable() == `want` (at most 20 s).
bool Becomes(const KafkaProbe& probe, bool want) {
  for (int i = 0; i < 400; ++i) {
    if (probe.reachable() == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return probe.reachable() == want;
}

TEST(KafkaProbeTest, ReportsTheClusterDownAndBackAgain) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  ASSERT_NE(rk, nullptr);
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, 3);
  ASSERT_NE(mc, nullptr);
  {
    KafkaConfig config;
    config.brokers = rd_kafka_mock_cluster_bootstraps(mc);
    auto probe = KafkaProbe::Start(config, Fast());
    ASSERT_TRUE(probe.ok()) << probe.status();
    EXPECT_TRUE((*probe)->reachable());
    // A broker has answered (not only the grace period since Start).
    for (int i = 0; i < 100 && (*probe)->since_last_answer() > absl::Milliseconds(500); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    EXPECT_TRUE((*probe)->reachable()) << "answers keep it reachable past the first window";

    for (int id = 1; id <= 3; ++id) rd_kafka_mock_broker_set_down(mc, id);
    EXPECT_TRUE(Becomes(**probe, false)) << "no broker answers";
    EXPECT_GT((*probe)->since_last_answer(), absl::Seconds(1));
    for (int id = 1; id <= 3; ++id) rd_kafka_mock_broker_set_up(mc, id);
    EXPECT_TRUE(Becomes(**probe, true)) << "brokers back";
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
}

TEST(KafkaProbeTest, NoClusterAtTheAddressIsNotReachableAfterTheWindow) {
  KafkaConfig config;
  config.brokers = "127.0.0.1:1";
  auto probe = KafkaProbe::Start(config, Fast());
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_TRUE((*probe)->reachable()) << "not reported down before the first window";
  EXPECT_TRUE(Becomes(**probe, false));
}

TEST(KafkaProbeTest, ABadPropertyIsRefusedByName) {
  KafkaConfig config;
  config.brokers = "127.0.0.1:1";
  config.properties["no.such.property"] = "1";
  auto probe = KafkaProbe::Start(config, Fast());
  ASSERT_FALSE(probe.ok());
  EXPECT_NE(probe.status().message().find("no.such.property"), std::string::npos) << probe.status();
}

}  // namespace
}  // namespace accord::hub
