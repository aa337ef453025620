// accord-hub on real Apache Kafka (3 KRaft nodes on loopback, scripts/kafka.sh,
// started once per ctest run by the kafka_cluster fixture): broker and controller
// SIGKILLs under load, a broker rejoining on its data, consumer-group rebalances
// between two and three hub processes with one SIGKILLed, and ingest retention.
// After each: no acknowledged record lost, none duplicated in feeds, ledger or
// the ingest topic (idempotent producer), and the ledger verifies.
// Each test has its own topic prefix and consumer groups, and leaves every node
// running.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hub_fixture.h"
#include "hub_process.h"
#include "mock_cluster.h"  // ReadTopicRaw
#include "real_cluster.h"
#include "real_cluster_hub_test.h"
#include "test_support.h"

namespace accord::testing {
namespace {

// Every message key of `topic` (all partitions, read to the high watermarks at
// the start of the call) with the number of times it occurs.
std::map<std::string, int> CountKeys(const std::string& bootstraps, const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", "key-counter", err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  std::map<int, int64_t> end;
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    EXPECT_EQ(rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000), 0);
    end[p] = hi;
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::map<std::string, int> keys;
  std::map<int, int64_t> next;
  auto done = [&] {
    for (const auto& [p, hi] : end) {
      if (next[p] < hi) return false;
    }
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (!m->err) {
      keys[std::string(static_cast<const char*>(m->key), m->key_len)]++;
      next[m->partition] = m->offset + 1;
    }
    rd_kafka_message_destroy(m);
  }
  EXPECT_TRUE(done()) << "read " << topic << " to its end";
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return keys;
}

class KafkaRealHubTest : public RealClusterHubTest {
 protected:

  void WaitForAcked(size_t n, int seconds = 60) {
    for (int i = 0; i < seconds * 20 && Acked() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  // Every acknowledged record is once in the ingest topic: the hub's producer
  // is idempotent, so a retried produce across a leader change adds no copy.
  void ExpectNoDuplicateInIngestTopic() {
    const auto keys = CountKeys(cluster_.bootstraps(), prefix_ + ".ingest", 3);
    EXPECT_GE(keys.size(), Acked());
    int duplicated = 0;
    for (const auto& [key, n] : keys) duplicated += n > 1;
    EXPECT_EQ(duplicated, 0) << "records written twice to the ingest topic";
  }

  std::set<std::string> LedgerInstances(int port) {
    auto audit = v1::AuditService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    std::set<std::string> out;
    for (const auto& d : ExportLedger(audit.get()).entries) out.insert(d.entry().hub_instance());
    return out;
  }

  v1::SignedTreeHead Head(int port) {
    auto audit = v1::AuditService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    grpc::ClientContext ctx;
    v1::SignedTreeHead sth;
    EXPECT_TRUE(audit->GetTreeHead(&ctx, v1::GetTreeHeadRequest(), &sth).ok());
    return sth;
  }

  void WaitAgreementActive(int port) {
    auto state = [&] {
      auto stub = v1::AgreementService::NewStub(AgencyChannel(dir_.path(), port, kPolice));
      grpc::ClientContext ctx;
      v1::ListAgreementsResponse resp;
      if (!stub->ListAgreements(&ctx, v1::ListAgreementsRequest(), &resp).ok() || resp.agreements_size() == 0) {
        return v1::AGREEMENT_STATE_UNSPECIFIED;
      }
      return resp.agreements(0).state();
    };
    for (int i = 0; i < 200 && state() != v1::ACTIVE; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(state(), v1::ACTIVE) << "the agreement did not reach the process on port " << port;
  }

};

// The partition leader, then the active controller, SIGKILLed while a hub takes
// ~2,500 records/s. Between the two the killed leader restarts on its data and
// rejoins the in-sync replicas.
TEST_F(KafkaRealHubTest, LeaderThenControllerKilledUnderLoadLoseAndDuplicateNothing) {
  HubProcess hub;
  ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, Args()));
  SubmitAgreement(hub.port());
  // Load in two phases (each ~2,500 records/s): around the leader kill, and
  // around the controller kill; between them the killed node restarts.
  std::atomic<bool> stop{false};
  std::thread publisher([&] { PublishUntil(hub.port(), stop, 0, 100000); });
  WaitForAcked(1000);
  EXPECT_GE(Acked(), 1000u);

  const std::string ingest = prefix_ + ".ingest";
  const int leader = cluster_.Partition(ingest, 0).leader;
  if (leader < 1) {
    stop = true;
    publisher.join();
    FAIL() << "partition 0 of " << ingest << " has no leader";
  }
  cluster_.Kill(leader);
  size_t before = Acked();
  WaitForAcked(before + 1000);
  EXPECT_GE(Acked(), before + 1000) << "publishing went on after the leader was killed";
  const int new_leader = cluster_.Partition(ingest, 0).leader;
  EXPECT_TRUE(new_leader >= 1 && new_leader != leader) << "leader " << leader << " -> " << new_leader;
  stop = true;
  publisher.join();

  // Restarted on its data, it catches up and rejoins the ISR.
  cluster_.Restart(leader);
  bool rejoined = false;
  for (int i = 0; i < 240 && !rejoined; ++i) {
    const auto isr = cluster_.Partition(ingest, 0).isr;
    rejoined = std::find(isr.begin(), isr.end(), leader) != isr.end();
    if (!rejoined) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_TRUE(rejoined) << "node " << leader << " did not rejoin the in-sync replicas";

  // The active controller, found before the load (the lookup is a JVM tool).
  const int controller = cluster_.QuorumLeader();
  EXPECT_GE(controller, 1) << "no active controller found";
  stop = false;
  std::thread publisher2([&] { PublishUntil(hub.port(), stop, 1000000, 100000); });
  before = Acked();
  WaitForAcked(before + 500);
  if (controller >= 1) cluster_.Kill(controller);
  before = Acked();
  WaitForAcked(before + 1000);
  EXPECT_GE(Acked(), before + 1000) << "publishing went on after the controller was killed";
  stop = true;
  publisher2.join();
  const int new_controller = cluster_.QuorumLeader();
  EXPECT_TRUE(new_controller >= 1 && new_controller != controller)
      << "controller " << controller << " -> " << new_controller;
  if (controller >= 1) cluster_.Restart(controller);

  ExpectExactlyOnceAndVerifiedLedger(hub.port());
  ExpectNoDuplicateInIngestTopic();
  std::cout << Acked() << " records acknowledged through a leader and a controller kill\n";
  EXPECT_EQ(hub.Terminate(30), 0);
}

TEST_F(KafkaRealHubTest, SigkilledHubRestartsWithNothingLostOrDuplicated) {
  {
    HubProcess hub;
    ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, Args()));
    SubmitAgreement(hub.port());
    std::atomic<bool> stop{false};
    std::thread publisher([&] { PublishUntil(hub.port(), stop, 0); });
    WaitForAcked(1500);
    hub.Kill(SIGKILL);
    stop = true;
    publisher.join();
  }
  ASSERT_GE(Acked(), 1500u);
  HubProcess again;
  ASSERT_TRUE(again.Start(ACCORD_HUB_BINARY, Args()));
  ExpectExactlyOnceAndVerifiedLedger(again.port());
  EXPECT_EQ(again.Terminate(30), 0);
}

// Two hub processes on one cluster: they share the ingest work through the
// consumer group and build one ledger through the journal. One is SIGKILLed
// mid-stream: the other takes over its partitions with nothing lost; restarted,
// it catches up and both serve the same signed tree head.
TEST_F(KafkaRealHubTest, TwoHubProcessesShareOneLedgerAndSurviveOneKilled) {
  ShareKeys();
  auto a = std::make_unique<HubProcess>();
  ASSERT_TRUE(a->Start(ACCORD_HUB_BINARY, Args("data-a", "hub-a")));
  auto b = std::make_unique<HubProcess>();
  ASSERT_TRUE(b->Start(ACCORD_HUB_BINARY, Args("data-b", "hub-b")));
  // An agreement submitted to one process is in force on both.
  SubmitAgreement(a->port());
  WaitAgreementActive(b->port());

  // Both publish (about 250 records/s each); wait until both processes have
  // applied flows (the ledger names each), then kill B.
  std::atomic<bool> stop_a{false}, stop_b{false};
  std::thread publisher_a([&] { PublishUntil(a->port(), stop_a, 0, 4000, 200); });
  std::thread publisher_b([&] { PublishUntil(b->port(), stop_b, 100000, 4000, 200); });
  std::set<std::string> seen_instances;
  for (int i = 0; i < 240 && seen_instances.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    seen_instances = LedgerInstances(a->port());
  }
  EXPECT_EQ(seen_instances, (std::set<std::string>{"hub-a", "hub-b"})) << "the work was not shared";
  b->Kill(SIGKILL);
  stop_b = true;
  publisher_b.join();
  b.reset();
  stop_a = true;
  publisher_a.join();
  // A goes on alone: its records land on every ingest partition, B's former
  // ones included, so A must take those over.
  const size_t acked_before = Acked();
  std::atomic<bool> never{false};
  PublishUntil(a->port(), never, 200000, 1000, 100);
  EXPECT_GE(Acked(), acked_before + 1000) << "publishing to the survivor";
  ExpectExactlyOnceAndVerifiedLedger(a->port());

  // B restarts from its own data, catches up from the journal, and both
  // processes serve the same ledger: the same signed head, byte for byte.
  b = std::make_unique<HubProcess>();
  ASSERT_TRUE(b->Start(ACCORD_HUB_BINARY, Args("data-b", "hub-b")));
  v1::SignedTreeHead head_a = Head(a->port()), head_b = Head(b->port());
  for (int i = 0; i < 300 && head_b.tree_size() != head_a.tree_size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    head_a = Head(a->port());
    head_b = Head(b->port());
  }
  ASSERT_GT(head_a.tree_size(), 0u);
  EXPECT_EQ(head_b.SerializeAsString(), head_a.SerializeAsString())
      << "sizes " << head_a.tree_size() << " and " << head_b.tree_size();
  ExpectExactlyOnceAndVerifiedLedger(b->port());
  std::cout << Acked() << " records acknowledged; ledger size " << head_a.tree_size() << "\n";

  // One process at a time mirrors the feed topic (a lease): every position
  // once, or twice around a takeover, never two different deliveries.
  std::map<uint64_t, std::string> by_position;
  std::map<uint64_t, int> copies;
  for (int attempt = 0; attempt < 6 && by_position.size() < head_a.tree_size(); ++attempt) {
    by_position.clear();
    copies.clear();
    for (std::string& v : ReadTopicRaw(cluster_.bootstraps(), FeedTopic(), head_a.tree_size(), 15000,
                                       absl::StrCat(prefix_, ".two-hub-feed-", attempt))) {
      v.resize(v.rfind("|accord-position="));
      v1::Delivery d;
      ASSERT_TRUE(d.ParseFromString(v));
      auto [it, fresh] = by_position.emplace(d.position(), d.record().delivery_id());
      EXPECT_EQ(it->second, d.record().delivery_id()) << "position " << d.position();
      ++copies[d.position()];
    }
  }
  EXPECT_EQ(by_position.size(), head_a.tree_size()) << "positions in the feed topic";
  for (const auto& [position, n] : copies) EXPECT_LE(n, 2) << "position " << position;
  EXPECT_EQ(a->Terminate(30), 0);
  EXPECT_EQ(b->Terminate(30), 0);
}

// Three processes share the 3 ingest partitions; the third is SIGKILLed while
// batches are in flight; the group rebalances onto the other two.
TEST_F(KafkaRealHubTest, ThreeHubProcessesRebalanceWhenOneIsKilledMidBatch) {
  ShareKeys();
  std::vector<std::unique_ptr<HubProcess>> hubs;
  for (const char* name : {"hub-a", "hub-b", "hub-c"}) {
    hubs.push_back(std::make_unique<HubProcess>());
    ASSERT_TRUE(hubs.back()->Start(ACCORD_HUB_BINARY, Args(absl::StrCat("data-", name), name)));
  }
  SubmitAgreement(hubs[0]->port());
  for (const auto& h : hubs) WaitAgreementActive(h->port());
  std::atomic<bool> stop{false};
  std::vector<std::thread> publishers;
  for (int i = 0; i < 3; ++i) {
    const int port = hubs[i]->port();
    publishers.emplace_back([&, port, i] { PublishUntil(port, stop, i * 100000, 4000, 100); });
  }
  std::set<std::string> seen;
  for (int i = 0; i < 240 && seen.size() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    seen = LedgerInstances(hubs[0]->port());
  }
  EXPECT_EQ(seen, (std::set<std::string>{"hub-a", "hub-b", "hub-c"})) << "the work was not shared by all three";
  // Mid-batch: its publisher is writing, its policy stage is applying flows.
  hubs[2]->Kill(SIGKILL);
  const size_t before = Acked();
  WaitForAcked(before + 1000);
  stop = true;
  for (auto& t : publishers) t.join();
  EXPECT_GE(Acked(), before + 1000) << "publishing to the two survivors";
  ExpectExactlyOnceAndVerifiedLedger(hubs[0]->port());
  ExpectExactlyOnceAndVerifiedLedger(hubs[1]->port());
  EXPECT_EQ(Head(hubs[0]->port()).SerializeAsString(), Head(hubs[1]->port()).SerializeAsString());
  EXPECT_EQ(hubs[0]->Terminate(30), 0);
  EXPECT_EQ(hubs[1]->Terminate(30), 0);
}

// Kafka deletes ingest records the hub has applied (retention): the feeds, the
// ledger and a restarted hub are unaffected.
TEST_F(KafkaRealHubTest, RetentionDeletingCommittedIngestRecordsLeavesFeedsWhole) {
  auto hub = std::make_unique<HubProcess>();
  ASSERT_TRUE(hub->Start(ACCORD_HUB_BINARY, Args()));
  SubmitAgreement(hub->port());
  std::atomic<bool> never{false};
  PublishUntil(hub->port(), never, 0, 1500, 10);
  ExpectExactlyOnceAndVerifiedLedger(hub->port());  // applied and committed

  const std::string ingest = prefix_ + ".ingest";
  cluster_.SetTopicConfig(ingest, {{"retention.ms", "1000"}, {"segment.ms", "500"}});
  // The next records roll new segments; the old ones age out and are deleted.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  PublishUntil(hub->port(), never, 10000, 300, 10);
  int64_t deleted = 0;
  for (int i = 0; i < 120 && deleted == 0; ++i) {
    deleted = 0;
    for (int p = 0; p < 3; ++p) deleted += cluster_.Watermarks(ingest, p).first;
    if (deleted == 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_GT(deleted, 0) << "retention deleted nothing from " << ingest;
  ExpectExactlyOnceAndVerifiedLedger(hub->port());
  // Restarted, the hub starts from its committed offsets, past the deleted records.
  EXPECT_EQ(hub->Terminate(30), 0);
  hub = std::make_unique<HubProcess>();
  ASSERT_TRUE(hub->Start(ACCORD_HUB_BINARY, Args()));
  PublishUntil(hub->port(), never, 20000, 200, 10);
  ExpectExactlyOnceAndVerifiedLedger(hub->port());
  EXPECT_EQ(hub->Terminate(30), 0);
}

}  // namespace
}  // namespace accord::testing
