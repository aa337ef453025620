// accord-hub on librdkafka's mock cluster (3 brokers on loopback), for the faults
// a real broker cannot inject on demand: per-request produce/fetch error codes.
// After each, no acknowledged record is
// lost, no disclosure is duplicated, and the ledger verifies. Broker kills,
// several hub processes, retention and ACLs run on real Apache Kafka
// (kafka_real_hub_test.cc, kafka_compose_acl_test.cc, kafka_readiness_test.cc:
// brokers down, a journal deleted under a process).
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "hub_fixture.h"
#include "hub_process.h"
#include "mock_cluster.h"
#include "test_support.h"

namespace accord::testing {
namespace {

// The analyst's feed mirrored to Kafka (kafka.feed_topics, on by default).
constexpr char kFeedTopic[] = "accord.feed.csp-herts-analyst";

// On the mock cluster only what a real broker cannot do on demand: per-request
// error codes, and a journal the cluster deleted under a process (the mock keeps
// ~5 MB per partition). Everything else runs on real brokers
// (kafka_real_hub_test.cc).
class KafkaHubTest : public KafkaHubBase {
 protected:
  void SetUp() override {
    cluster_.CreateTopic("accord.ingest", 3, 3);
    cluster_.CreateTopic("accord.journal", 1, 3);
    cluster_.CreateTopic("accord.quarantine", 1, 3);
    cluster_.CreateTopic(kFeedTopic, 1, 3);  // the mock cluster does not serve CreateTopics
    WriteConfig(cluster_.bootstraps(), "accord", 5000);
  }

  MockCluster cluster_{3};
};

TEST_F(KafkaHubTest, EndToEndThroughBrokerFaultsWithNoIdentifierInTheTopic) {
  HubProcess hub;
  ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, Args()));
  SubmitAgreement(hub.port());
  std::atomic<bool> stop{false};
  // At most 6,000 records: the analyst's feed topic (one partition, ~700
  // bytes a delivery) must stay under the mock cluster's ~5 MB, or the mock
  // deletes deliveries before the test reads them.
  std::thread publisher([&] { PublishUntil(hub.port(), stop, 0, 6000); });
  auto wait_for = [&](size_t n) {
    for (int i = 0; i < 600 && Acked() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  };
  wait_for(500);
  // A broker down, then back; a leader change; transient produce and fetch errors.
  rd_kafka_mock_broker_set_down(cluster_.get(), 1);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  rd_kafka_mock_broker_set_up(cluster_.get(), 1);
  rd_kafka_mock_partition_set_leader(cluster_.get(), "accord.ingest", 0, 3);
  rd_kafka_mock_push_request_errors(cluster_.get(), kApiProduce, 2, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  rd_kafka_mock_push_request_errors(cluster_.get(), kApiFetch, 2, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  const size_t before = Acked();
  wait_for(before + 500);
  stop = true;
  publisher.join();
  EXPECT_GT(Acked(), before) << "publishing continued after the faults";
  ExpectExactlyOnceAndVerifiedLedger(hub.port());

  // What a broker administrator sees in the ingest topic: no identifier.
  std::vector<std::string> raw = ReadTopicRaw(cluster_.bootstraps(), "accord.ingest", Acked(), 30000);
  EXPECT_GE(raw.size(), Acked());
  for (const std::string& v : raw) {
    for (const char* planted : {"Smith", "SMITH", "O'Brien", "OBrien", "943 476 5919", "07700 900123",
                                "07700900123"}) {
      ASSERT_FALSE(absl::StrContains(v, planted)) << planted << " readable in the ingest topic";
    }
    // Nor the provider's record id: the message carries a keyed digest in its place.
    v1::Record in_topic;
    ASSERT_TRUE(in_topic.ParseFromString(v.substr(0, v.rfind("|accord-key-id="))));
    EXPECT_TRUE(absl::StartsWith(in_topic.record_id(), "accord-ref:")) << in_topic.record_id();
  }
  // The journal (outcomes and agreements every hub process applies) holds none either.
  std::vector<std::string> journal = ReadTopicRaw(cluster_.bootstraps(), "accord.journal", 1u << 20, 5000,
                                                  "journal-reader");
  EXPECT_FALSE(journal.empty());
  for (const std::string& v : journal) {
    for (const char* planted : {"Smith", "SMITH", "O'Brien", "OBrien", "943 476 5919", "07700 900123",
                                "07700900123"}) {
      ASSERT_FALSE(absl::StrContains(v, planted)) << planted << " readable in the journal topic";
    }
  }

  // A recipient reading Kafka directly: its feed topic holds every delivery
  // (accord.v1.Delivery, keyed by delivery id) once, in position order, and
  // no identifier. At-least-once: wait until the mirror has caught up.
  std::vector<std::string> feed;
  std::set<std::string> ids;
  for (int attempt = 0; attempt < 4 && ids.size() < Acked(); ++attempt) {
    feed = ReadTopicRaw(cluster_.bootstraps(), kFeedTopic, Acked(), 30000, "feed-reader");
    ids.clear();
    for (std::string& v : feed) {
      // ReadTopicRaw appends the headers as "|name=value".
      const size_t header = v.rfind("|accord-position=");
      ASSERT_NE(header, std::string::npos) << "a feed message without its position header";
      EXPECT_NE(v.find("|accord-schema=accord.v1.Delivery", header), std::string::npos) << "no schema header";
      v.resize(header);
      v1::Delivery d;
      if (d.ParseFromString(v)) ids.insert(d.record().delivery_id());
    }
  }
  EXPECT_EQ(ids.size(), Acked()) << "deliveries in the feed topic";
  uint64_t last_position = 0;
  for (const std::string& v : feed) {
    v1::Delivery d;
    ASSERT_TRUE(d.ParseFromString(v)) << "a feed message is not an accord.v1.Delivery";
    EXPECT_EQ(d.record().recipient(), kAnalyst);
    EXPECT_GT(d.position(), last_position) << "feed topic out of order";
    last_position = d.position();
    for (const char* planted : {"Smith", "SMITH", "07700 900123", "943 476 5919"}) {
      ASSERT_FALSE(absl::StrContains(v, planted)) << planted << " in the feed topic";
    }
  }
  // Any Kafka client can read it, e.g. kcat (keys are the delivery ids).
  if (!ids.empty() && system("command -v kcat >/dev/null 2>&1") == 0) {
    const std::string keys = RunCommand(absl::StrCat("kcat -C -b ", cluster_.bootstraps(), " -t ", kFeedTopic,
                                              " -o beginning -e -q -f '%k\\n' 2>/dev/null"));
    EXPECT_TRUE(absl::StrContains(keys, *ids.begin())) << keys.substr(0, 500);
  }

  const int status = hub.Terminate(20);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace accord::testing
