// Issue 12 on Kafka hubs: QuarantineService (ListQuarantined /
// ReplayQuarantined) against real Apache Kafka (3 KRaft nodes, the ctest
// fixture kafka_cluster), with real accord-hub processes.
//
// Records reach the quarantine as on the embedded hub's test
// (tests/hub/hub_quarantine_test.cc): ACCEPTED into the ingest topic while no
// agreement covering them is in force when the policy stage processes them.
// Here they are appended by the hub's own KafkaIngestLog (sealed with the
// hub's shared keys, as a Publish would), before any agreement exists. The
// provider lists them (on any hub process), nobody else sees or replays
// them, the agreement is made, and a replay delivers them exactly once; one
// that still does not fit is quarantined again with its new reason. A hub
// SIGKILLed between the replay's two steps (re-appended, not yet marked)
// still ends with the record delivered once.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "accord/hub/kafka/kafka_ingest_log.h"
#include "accord/v1/quarantine_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "hub_fixture.h"
#include "hub_process.h"
#include "mock_cluster.h"  // ReadTopicRaw
#include "real_cluster.h"
#include "real_cluster_hub_test.h"
#include "test_support.h"

namespace accord::testing {
namespace {

v1::Record OfVersion2(v1::Record r) {
  r.set_dataset_version(2);
  return r;
}

class KafkaQuarantineTest : public RealClusterHubTest {
 protected:
  void SetUp() override {
    SetUpCluster("q");
    ShareKeys();  // the test appends with the hub's keys
  }

  std::string QuarantineTopic() const { return prefix_ + ".quarantine"; }

  // Appends `records` to the ingest topic as the hub accepts them (the hub's
  // KafkaIngestLog, its keys; every field sealed), and waits for Kafka's acks.
  void AppendAccepted(const std::vector<v1::Record>& records) {
    std::ifstream in(dir_.path() + "/shared-keys/secrets.bin", std::ios::binary);
    std::stringstream secrets;
    secrets << in.rdbuf();
    ASSERT_EQ(secrets.str().size(), 64u) << "start a hub first: it makes the secrets";
    hub::KafkaConfig config;
    config.brokers = bootstraps_;
    config.topic_prefix = prefix_;
    config.partitions = 3;
    config.group_id = prefix_ + ".test-writer";  // never the hub's policy group
    auto log = hub::KafkaIngestLog::Open(config, secrets.str().substr(32, 32), secrets.str().substr(0, 32),
                                         [](const v1::Record&, const v1::Field&) { return true; });
    ASSERT_TRUE(log.ok()) << log.status();
    absl::Notification done;
    absl::Status stored;
    hub::IngestLog::Batch batch;
    batch.records = records;
    batch.done = [&](absl::Status s, const std::vector<hub::IngestLog::Outcome>&) {
      stored = s;
      done.Notify();
    };
    ASSERT_TRUE((*log)->TryAppend(batch));
    done.WaitForNotification();
    ASSERT_TRUE(stored.ok()) << stored;
  }

  grpc::Status List(int port, const std::string& as, v1::ListQuarantinedResponse* resp, uint32_t limit = 0,
                    const std::string& after = "") {
    auto stub = v1::QuarantineService::NewStub(AgencyChannel(dir_.path(), port, as));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::ListQuarantinedRequest req;
    req.set_limit(limit);
    req.set_after_handle(after);
    return stub->ListQuarantined(&ctx, req, resp);
  }

  // Lists until `as` has `want` records, each reason containing
  // `reason_contains` and no handle in `not_handles` (the policy stage runs
  // asynchronously), or 60 s passed.
  v1::ListQuarantinedResponse WaitForKept(int port, const std::string& as, uint64_t want,
                                          const std::string& reason_contains = "",
                                          const std::set<std::string>& not_handles = {}) {
    v1::ListQuarantinedResponse resp;
    for (int i = 0; i < 300; ++i) {
      resp.Clear();
      grpc::Status s = List(port, as, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      bool fits = true;
      for (const auto& r : resp.records()) {
        fits &= absl::StrContains(r.reason(), reason_contains) && !not_handles.count(r.handle());
      }
      if (resp.total() == want && fits) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return resp;
  }

  grpc::Status Replay(int port, const std::string& as, const std::vector<std::string>& handles,
                      v1::ReplayQuarantinedResponse* resp, int deadline_s = 60) {
    auto stub = v1::QuarantineService::NewStub(AgencyChannel(dir_.path(), port, as));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(deadline_s));
    v1::ReplayQuarantinedRequest req;
    for (const auto& h : handles) req.add_handles(h);
    return stub->ReplayQuarantined(&ctx, req, resp);
  }

  // The analyst's feed from position 1: up to `want` deliveries, waiting at most `wait`.
  std::vector<v1::Delivery> ReadFeed(int port, size_t want, std::chrono::milliseconds wait) {
    auto stub = v1::FeedService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + wait);
    v1::SubscribeRequest req;
    req.set_from_position(1);
    auto reader = stub->Subscribe(&ctx, req);
    std::vector<v1::Delivery> out;
    v1::SubscribeResponse resp;
    while (out.size() < want && reader->Read(&resp)) {
      for (const auto& d : resp.deliveries()) out.push_back(d);
    }
    ctx.TryCancel();
    reader->Finish().IgnoreError();
    return out;
  }

  // Waits until the hubs' policy group has committed every ingest record
  // (each one's outcome is then in the journal), then 2 s for the journal to
  // be applied; false after 120 s.
  bool WaitProcessed() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps_.c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "group.id", (prefix_ + ".policy").c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    const std::string ingest = prefix_ + ".ingest";
    bool all = false;
    for (int attempt = 0; attempt < 240 && !all; ++attempt) {
      rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(3);
      for (int p = 0; p < 3; ++p) rd_kafka_topic_partition_list_add(parts, ingest.c_str(), p);
      all = rd_kafka_committed(rk, parts, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR;
      for (int p = 0; p < 3 && all; ++p) {
        int64_t lo = 0, hi = 0;
        all = rd_kafka_query_watermark_offsets(rk, ingest.c_str(), p, &lo, &hi, 10000) == 0 &&
              (hi == 0 || parts->elems[p].offset >= hi);
      }
      rd_kafka_topic_partition_list_destroy(parts);
      if (!all) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    rd_kafka_destroy(rk);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    return all;
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

  // No personal value of PoliceRecord() in clear anywhere in the quarantine
  // topic (markers included): direct and quasi-identifiers (the postcode) and
  // sensitive values are sealed while in Kafka (policy/field_protection.h).
  void ExpectNoValueInQuarantineTopic(size_t messages) {
    const auto raw = ReadTopicRaw(bootstraps_, QuarantineTopic(), messages, 20000, prefix_ + ".raw");
    EXPECT_GE(raw.size(), messages);
    for (const std::string& m : raw) {
      for (const char* value : {"Smith", "O'Brien", "943 476", "07700", "1990-03-14", "AL1 3XY"}) {
        EXPECT_FALSE(absl::StrContains(m, value)) << "'" << value << "' in clear in the quarantine topic";
      }
    }
  }

};

// The embedded HubQuarantineTest's scenario, with two hub processes sharing
// the cluster: what one lists, the other lists alike; a replay through one
// is seen by the other.
TEST_F(KafkaQuarantineTest, AProviderListsOnlyItsOwnOnAnyProcessAndAReplayDeliversExactlyOnce) {
  auto a = std::make_unique<HubProcess>();
  ASSERT_TRUE(a->Start(ACCORD_HUB_BINARY, Args("data-a", "hub-a")));
  auto b = std::make_unique<HubProcess>();
  ASSERT_TRUE(b->Start(ACCORD_HUB_BINARY, Args("data-b", "hub-b")));
  v1::Record ae = PoliceRecord(900, kAe);
  ae.set_record_id("A900");
  AppendAccepted({PoliceRecord(1), PoliceRecord(2), OfVersion2(PoliceRecord(3)), ae});

  // The provider sees its three, with reasons in words and no values, on either process.
  v1::ListQuarantinedResponse police = WaitForKept(b->port(), kPolice, 3, "no active agreement");
  ASSERT_EQ(police.total(), 3u);
  ASSERT_EQ(police.records_size(), 3);
  EXPECT_EQ(police.quarantined_ever(), 3u);
  std::set<std::string> ids;
  std::string first_reason_of_r3;
  for (const auto& r : police.records()) {
    ids.insert(r.record_id());
    EXPECT_EQ(r.dataset(), "police_incident");
    EXPECT_FALSE(r.handle().empty());
    EXPECT_TRUE(absl::StrContains(r.reason(), "no active agreement")) << r.reason();
    EXPECT_GT(r.quarantined_at().seconds(), 0);
    EXPECT_GT(r.event_time().seconds(), 0);
    for (const char* value : {"Smith", "943 476", "07700", "AL1"}) {
      EXPECT_FALSE(absl::StrContains(r.reason(), value)) << r.reason();
    }
    if (r.record_id() == "R3") first_reason_of_r3 = r.reason();
  }
  EXPECT_EQ(ids, (std::set<std::string>{"R1", "R2", "R3"}));
  // Both processes answer alike (retried: a batch the policy stage re-ran
  // across the group's rebalance may add a copy, listed under its new handle).
  v1::ListQuarantinedResponse on_a, on_b = police;
  for (int i = 0; i < 20; ++i) {
    on_a.Clear();
    ASSERT_TRUE(List(a->port(), kPolice, &on_a).ok());
    if (on_a.SerializeAsString() == on_b.SerializeAsString()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    on_b.Clear();
    ASSERT_TRUE(List(b->port(), kPolice, &on_b).ok());
  }
  EXPECT_EQ(on_a.SerializeAsString(), on_b.SerializeAsString()) << "the processes answer alike";
  ExpectNoValueInQuarantineTopic(4);

  // Nobody else sees them: the recipient sees none, A&E only its own.
  v1::ListQuarantinedResponse other;
  ASSERT_TRUE(List(a->port(), kAnalyst, &other).ok());
  EXPECT_EQ(other.total(), 0u);
  EXPECT_EQ(other.records_size(), 0);
  EXPECT_EQ(other.quarantined_ever(), 0u);
  other.Clear();
  ASSERT_TRUE(List(a->port(), kAe, &other).ok());
  ASSERT_EQ(other.records_size(), 1);
  EXPECT_EQ(other.records(0).record_id(), "A900");
  const std::string ae_handle = other.records(0).handle();

  // Nobody else can replay them either: another's handle is "not found".
  v1::ReplayQuarantinedResponse replay;
  ASSERT_TRUE(Replay(a->port(), kPolice, {ae_handle}, &replay).ok());
  EXPECT_EQ(replay.replayed(), 0u);
  ASSERT_EQ(replay.not_found_size(), 1);
  EXPECT_EQ(replay.not_found(0), ae_handle);
  replay.Clear();
  grpc::Status bad = Replay(a->port(), kPolice, {"not-a-handle"}, &replay);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(bad.error_message(), "accordctl quarantine list")) << bad.error_message();

  // The agreement is made (on A, in force on B too) and the provider
  // replays everything through B.
  SubmitAgreement(a->port());
  WaitAgreementActive(b->port());
  replay.Clear();
  ASSERT_TRUE(Replay(b->port(), kPolice, {}, &replay).ok());
  EXPECT_EQ(replay.replayed(), 3u);
  EXPECT_EQ(replay.not_found_size(), 0);
  EXPECT_EQ(replay.left_for_next_call(), 0u);

  // R1 and R2 arrive exactly once; R3 does not fit the agreement now in
  // force either, and is quarantined again with that reason.
  std::vector<v1::Delivery> feed = ReadFeed(a->port(), 2, std::chrono::seconds(60));
  ASSERT_EQ(feed.size(), 2u);
  police = WaitForKept(a->port(), kPolice, 1, "version 2");
  ASSERT_EQ(police.records_size(), 1);
  EXPECT_EQ(police.records(0).record_id(), "R3");
  EXPECT_TRUE(absl::StrContains(police.records(0).reason(), "version 2")) << police.records(0).reason();
  EXPECT_NE(police.records(0).reason(), first_reason_of_r3);
  EXPECT_EQ(police.quarantined_ever(), 4u);  // R3 twice
  ASSERT_TRUE(WaitProcessed());
  EXPECT_EQ(ReadFeed(a->port(), 3, std::chrono::seconds(3)).size(), 2u) << "a replayed record was delivered twice";
  EXPECT_EQ(ReadFeed(b->port(), 3, std::chrono::seconds(3)).size(), 2u) << "a replayed record was delivered twice";

  // A&E's record is untouched by all this.
  other.Clear();
  ASSERT_TRUE(List(b->port(), kAe, &other).ok());
  EXPECT_EQ(other.records_size(), 1);

  // Replaying a handle again after it was replayed: not found, nothing appended.
  const std::string r3_handle = police.records(0).handle();
  replay.Clear();
  ASSERT_TRUE(Replay(a->port(), kPolice, {r3_handle}, &replay).ok());
  EXPECT_EQ(replay.replayed(), 1u);
  police = WaitForKept(b->port(), kPolice, 1, "version 2", {r3_handle});
  ASSERT_EQ(police.records_size(), 1);
  EXPECT_NE(police.records(0).handle(), r3_handle);  // quarantined again, anew
  EXPECT_EQ(police.quarantined_ever(), 5u);
  replay.Clear();
  ASSERT_TRUE(Replay(b->port(), kPolice, {r3_handle}, &replay).ok());
  EXPECT_EQ(replay.replayed(), 0u);
  ASSERT_EQ(replay.not_found_size(), 1);
  EXPECT_EQ(replay.not_found(0), r3_handle);
  ExpectNoValueInQuarantineTopic(4 + 2 + 4);  // 4 records, R3 again twice, 3 + 1 markers

  EXPECT_EQ(a->Terminate(30), 0);
  EXPECT_EQ(b->Terminate(30), 0);
}

TEST_F(KafkaQuarantineTest, ListingIsPagedAndBounded) {
  HubProcess hub;
  ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, Args()));
  std::vector<v1::Record> records;
  for (int i = 0; i < 5; ++i) records.push_back(PoliceRecord(i));
  AppendAccepted(records);
  ASSERT_EQ(WaitForKept(hub.port(), kPolice, 5).total(), 5u);
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 5; ++page) {
    v1::ListQuarantinedResponse resp;
    ASSERT_TRUE(List(hub.port(), kPolice, &resp, 2, after).ok());
    EXPECT_EQ(resp.total(), 5u);
    if (resp.records_size() == 0) break;
    EXPECT_LE(resp.records_size(), 2);
    for (const auto& r : resp.records()) seen.push_back(r.record_id());
    after = resp.records(resp.records_size() - 1).handle();
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"R0", "R1", "R2", "R3", "R4"}));

  v1::ListQuarantinedResponse resp;
  grpc::Status s = List(hub.port(), kPolice, &resp, 10001);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "at most 10000")) << s.error_message();
  s = List(hub.port(), kPolice, &resp, 0, "12-x");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(hub.Terminate(30), 0);
}

// The replay's two steps are (1) re-append to the ingest topic, (2) mark the
// copy replayed in the quarantine topic. Here (2) cannot complete (the
// quarantine topic refuses writes: fewer in-sync replicas than its
// min.insync.replicas),
// and the hub is SIGKILLed once (1) has delivered the record. Restarted, the
// hub still lists the record (it was never marked); replaying it again
// re-appends it again, and it is in the feed and the ledger exactly once.
TEST_F(KafkaQuarantineTest, AHubSigkilledBetweenReappendAndMarkStillDeliversOnce) {
  auto hub = std::make_unique<HubProcess>();
  ASSERT_TRUE(hub->Start(ACCORD_HUB_BINARY, Args()));
  const v1::Record r1 = PoliceRecord(1);
  AppendAccepted({r1});
  v1::ListQuarantinedResponse police = WaitForKept(hub->port(), kPolice, 1);
  ASSERT_EQ(police.records_size(), 1);
  const std::string handle = police.records(0).handle();
  SubmitAgreement(hub->port());

  // The quarantine topic refuses acks=all writes: min.insync.replicas 3 and
  // one of its followers down (the ingest, journal and feed topics, at the
  // cluster's min.insync.replicas of 2, go on).
  const std::string quarantine = QuarantineTopic();
  int leader = cluster_.Partition(quarantine, 0).leader;
  for (int i = 0; i < 40 && leader < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    leader = cluster_.Partition(quarantine, 0).leader;
  }
  ASSERT_GE(leader, 1);
  const int follower = leader == 1 ? 2 : 1;
  cluster_.SetTopicConfig(quarantine, {{"min.insync.replicas", "3"}});
  cluster_.Kill(follower);
  size_t isr = 3;
  for (int i = 0; i < 240 && isr > 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    isr = cluster_.Partition(quarantine, 0).isr.size();
  }
  ASSERT_EQ(isr, 2u) << "node " << follower << " did not leave the quarantine topic's in-sync replicas";

  grpc::Status first;
  std::thread replaying([&] {
    v1::ReplayQuarantinedResponse resp;
    first = Replay(hub->port(), kPolice, {handle}, &resp, 120);
  });
  const size_t delivered = ReadFeed(hub->port(), 1, std::chrono::seconds(60)).size();
  hub->Kill(SIGKILL);
  replaying.join();
  cluster_.Restart(follower);
  cluster_.SetTopicConfig(quarantine, {{"min.insync.replicas", "2"}});
  ASSERT_EQ(delivered, 1u) << "the re-appended record was not delivered";
  EXPECT_FALSE(first.ok()) << "the replay finished although its marker could not be written";

  hub = std::make_unique<HubProcess>();
  ASSERT_TRUE(hub->Start(ACCORD_HUB_BINARY, Args()));
  police = WaitForKept(hub->port(), kPolice, 1);
  ASSERT_EQ(police.records_size(), 1) << "the unmarked record is listed again";
  EXPECT_EQ(police.records(0).handle(), handle);
  v1::ReplayQuarantinedResponse replay;
  grpc::Status again = Replay(hub->port(), kPolice, {handle}, &replay);
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(replay.replayed(), 1u);
  EXPECT_EQ(WaitForKept(hub->port(), kPolice, 0).total(), 0u);
  ASSERT_TRUE(WaitProcessed());
  {
    std::lock_guard<std::mutex> lock(mu_);
    acked_.insert(r1.fields(0).value().text());
  }
  ExpectExactlyOnceAndVerifiedLedger(hub->port());  // once in the feed, once in the ledger
  replay.Clear();
  ASSERT_TRUE(Replay(hub->port(), kPolice, {handle}, &replay).ok());
  EXPECT_EQ(replay.replayed(), 0u);
  EXPECT_EQ(replay.not_found_size(), 1);
  EXPECT_EQ(hub->Terminate(30), 0);
}

}  // namespace
}  // namespace accord::testing
