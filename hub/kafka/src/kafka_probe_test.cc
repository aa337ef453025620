// KafkaProbe against librdkafka's mock cluster (real protocol on loopback):
// reachable while a broker answers, not reachable once none has for the
// window, reachable again when they are back. The window runs on a
// ManualClock the test moves: no test sleeps for time to pass (only while
// the probe's thread asks the brokers).
#include "accord/hub/kafka/kafka_probe.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <thread>

#include "accord/base/clock.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

KafkaProbeOptions Fast(const base::Clock* clock) {
  KafkaProbeOptions o;
  o.interval = absl::Milliseconds(100);
  o.timeout = absl::Milliseconds(300);
  o.window = absl::Seconds(1);
  o.clock = clock;
  return o;
}

// Polls until `done()` (the probe's thread has asked the brokers again), at
// most 20 s of real time.
template <typename Done>
bool WaitFor(Done done) {
  for (int i = 0; i < 400; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
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
    base::ManualClock clock;
    auto probe = KafkaProbe::Start(config, Fast(&clock));
    ASSERT_TRUE(probe.ok()) << probe.status();
    EXPECT_TRUE((*probe)->reachable());
    // Past the first window, a broker's answer (at the clock's new time)
    // keeps it reachable.
    clock.Advance(absl::Milliseconds(1200));
    EXPECT_TRUE(WaitFor([&] { return (*probe)->since_last_answer() == absl::ZeroDuration(); }))
        << "no broker answered";
    EXPECT_TRUE((*probe)->reachable()) << "answers keep it reachable past the first window";

    for (int id = 1; id <= 3; ++id) rd_kafka_mock_broker_set_down(mc, id);
    // An answer in flight may still arrive; once none does, the window passes.
    EXPECT_TRUE(WaitFor([&] {
      clock.Advance(absl::Milliseconds(500));
      return !(*probe)->reachable();
    })) << "no broker answers";
    for (int id = 1; id <= 3; ++id) rd_kafka_mock_broker_set_up(mc, id);
    EXPECT_TRUE(WaitFor([&] { return (*probe)->reachable(); })) << "brokers back";
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
}

TEST(KafkaProbeTest, NoClusterAtTheAddressIsNotReachableAfterTheWindow) {
  KafkaConfig config;
  config.brokers = "127.0.0.1:1";
  base::ManualClock clock;
  auto probe = KafkaProbe::Start(config, Fast(&clock));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_TRUE((*probe)->reachable()) << "not reported down before the first window";
  clock.Advance(absl::Milliseconds(999));
  EXPECT_TRUE((*probe)->reachable()) << "still inside the first window";
  clock.Advance(absl::Milliseconds(2));
  EXPECT_FALSE((*probe)->reachable()) << "the window passed with no answer";
  EXPECT_EQ((*probe)->since_last_answer(), absl::Milliseconds(1001));
}

TEST(KafkaProbeTest, ABadPropertyIsRefusedByName) {
  KafkaConfig config;
  config.brokers = "127.0.0.1:1";
  config.properties["no.such.property"] = "1";
  base::ManualClock clock;
  auto probe = KafkaProbe::Start(config, Fast(&clock));
  ASSERT_FALSE(probe.ok());
  EXPECT_NE(probe.status().message().find("no.such.property"), std::string::npos) << probe.status();
}

}  // namespace
}  // namespace accord::hub
