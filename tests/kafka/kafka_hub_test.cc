// accord-hub on Kafka (librdkafka's mock cluster, 3 brokers on loopback) end to
// end: publish -> Kafka -> policy -> feed -> ledger -> subscriber, with broker
// faults and a SIGKILLed hub process. After each, no acknowledged record is
// lost, no disclosure is duplicated, and the ledger verifies.
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
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "hub_process.h"
#include "mock_cluster.h"
#include "test_support.h"

namespace accord::testing {
namespace {

std::string CrimeRef(const v1::CleanedRecord& r) {
  for (const auto& f : r.fields()) {
    if (f.name() == "crime_ref") return f.value().text();
  }
  return "";
}

// The analyst's feed mirrored to Kafka (kafka.feed_topics, on by default).
constexpr char kFeedTopic[] = "accord.feed.csp-herts-analyst";

// Runs a shell command and returns its standard output.
std::string RunCommand(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

class KafkaHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakePki(dir_.path());
    cluster_.CreateTopic("accord.ingest", 3, 3);
    cluster_.CreateTopic("accord.journal", 1, 3);
    cluster_.CreateTopic("accord.quarantine", 1, 3);
    cluster_.CreateTopic(kFeedTopic, 1, 3);  // the mock cluster does not serve CreateTopics
    std::ofstream config(dir_.path() + "/hub.yaml");
    config << "log_backend: kafka\n"
           << "kafka:\n"
           << "  brokers: \"" << cluster_.bootstraps() << "\"\n"
           << "  partitions: 3\n"
           << "  replication_factor: 3\n"
           << "  message_timeout_ms: 5000\n"
           << "  properties:\n"
           << "    session.timeout.ms: 6000\n"
           << "    heartbeat.interval.ms: 500\n"
           << "    log_level: 3\n";
  }

  std::vector<std::string> Args(const std::string& data = "data",
                                const std::string& instance = "kafka-hub") const {
    const std::string& d = dir_.path();
    return {"--config", d + "/hub.yaml", "--listen", "127.0.0.1:0", "--data-dir", d + "/" + data,
            "--tls-ca", d + "/pki/ca.crt", "--tls-cert", d + "/pki/hub.crt", "--tls-key",
            d + "/pki/hub.key", "--metrics-listen", "", "--hub-instance", instance};
  }

  // Several processes of one partnership share the ledger key and the secrets.
  void ShareKeys() {
    std::ofstream config(dir_.path() + "/hub.yaml", std::ios::app);
    config << "keys:\n"
           << "  ledger_signing_key: " << dir_.path() << "/shared-keys/ledger.key\n"
           << "  secrets: " << dir_.path() << "/shared-keys/secrets.bin\n";
  }

  void SubmitAgreement(int port) {
    RegisterTestKeys(dir_.path(), port);
    auto stub = v1::AgreementService::NewStub(AgencyChannel(dir_.path(), port, kPolice));
    grpc::ClientContext ctx;
    v1::SubmitAgreementRequest req;
    req.set_document(SignedPoliceAgreement());
    v1::SubmitAgreementResponse resp;
    ASSERT_TRUE(stub->SubmitAgreement(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.agreement().state(), v1::ACTIVE);
  }

  // Publishes batches of 50 (at most ~2,500 records/s, at most kMaxRecords in
  // all) until `stop`; records every acknowledged crime ref. The cap matters:
  // the mock cluster keeps only about 5 MB per partition and deletes older
  // messages, so a hub that falls behind on a loaded machine would otherwise
  // see acknowledged records vanish from the topic (as a real cluster with
  // too short a retention would).
  static constexpr int kMaxRecords = 12000;
  void PublishUntil(int port, const std::atomic<bool>& stop, int first, int max_records = kMaxRecords,
                    int pause_ms = 20) {
    auto stub = v1::IngestService::NewStub(AgencyChannel(dir_.path(), port, kPolice));
    grpc::ClientContext ctx;
    auto stream = stub->Publish(&ctx);
    std::map<uint64_t, std::vector<std::string>> sent;
    std::mutex sent_mu;
    std::thread reader([&] {
      v1::PublishResponse resp;
      while (stream->Read(&resp)) {
        std::lock_guard<std::mutex> lock(sent_mu);
        const auto& refs = sent[resp.sequence()];
        for (int i = 0; i < resp.outcomes_size(); ++i) {
          const auto st = resp.outcomes(i).status();
          if (st == v1::RecordOutcome::ACCEPTED || st == v1::RecordOutcome::DUPLICATE) {
            std::lock_guard<std::mutex> l(mu_);
            acked_.insert(refs[i]);
          } else {
            EXPECT_EQ(resp.outcomes(i).reason(), v1::REJECT_UNAVAILABLE) << resp.outcomes(i).message();
          }
        }
      }
    });
    int next = first;
    for (uint64_t seq = 1; !stop && next - first < max_records; ++seq) {
      v1::PublishRequest req;
      req.set_sequence(seq);
      std::vector<std::string> refs;
      for (int i = 0; i < 50; ++i) {
        v1::Record r = PoliceRecord(next++);
        refs.push_back(r.fields(0).value().text());
        *req.add_records() = std::move(r);
      }
      {
        std::lock_guard<std::mutex> lock(sent_mu);
        sent[seq] = refs;
      }
      if (!stream->Write(req)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
    stream->WritesDone();
    reader.join();
    stream->Finish().IgnoreError();
  }

  size_t Acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }

  // Reads the analyst's feed until every acknowledged record is there (or a
  // timeout) and checks each appears once; then the ledger matches and verifies.
  void ExpectExactlyOnceAndVerifiedLedger(int port) {
    const std::set<std::string> acked = [&] {
      std::lock_guard<std::mutex> lock(mu_);
      return acked_;
    }();
    ASSERT_FALSE(acked.empty());
    auto feed = v1::FeedService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    std::map<std::string, int> seen;
    for (int attempt = 0; attempt < 120; ++attempt) {
      seen.clear();
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
      v1::SubscribeRequest req;
      req.set_from_position(1);
      auto reader = feed->Subscribe(&ctx, req);
      v1::SubscribeResponse resp;
      while (reader->Read(&resp)) {
        uint64_t last = 0;
        for (const auto& d : resp.deliveries()) {
          seen[CrimeRef(d.record())]++;
          last = d.position();
        }
        if (last >= resp.head_position()) break;
      }
      ctx.TryCancel();
      reader->Finish().IgnoreError();
      bool all = true;
      for (const auto& ref : acked) all &= seen.count(ref) > 0;
      if (all) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    for (const auto& ref : acked) EXPECT_EQ(seen[ref], 1) << "acknowledged record " << ref;
    for (const auto& [ref, count] : seen) EXPECT_EQ(count, 1) << "duplicated " << ref;

    auto audit = v1::AuditService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    LedgerExport exported = ExportLedger(audit.get());
    ASSERT_TRUE(exported.status.ok()) << exported.status.error_message();
    EXPECT_EQ(exported.entries.size(), seen.size());
    std::set<std::string> delivery_ids;
    for (const auto& d : exported.entries) {
      EXPECT_TRUE(delivery_ids.insert(d.entry().delivery_id()).second) << "duplicate disclosure";
    }
    auto report = VerifyExport(exported);
    EXPECT_TRUE(report.ok) << report.problem;
  }

  TempDir dir_;
  MockCluster cluster_{3};
  std::mutex mu_;
  std::set<std::string> acked_;
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

TEST_F(KafkaHubTest, SigkilledHubRestartsWithNothingLostOrDuplicated) {
  {
    HubProcess hub;
    ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, Args()));
    SubmitAgreement(hub.port());
    std::atomic<bool> stop{false};
    std::thread publisher([&] { PublishUntil(hub.port(), stop, 0); });
    for (int i = 0; i < 600 && Acked() < 1500; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    hub.Kill(SIGKILL);
    stop = true;
    publisher.join();
  }
  ASSERT_GE(Acked(), 1500u);
  HubProcess again;
  ASSERT_TRUE(again.Start(ACCORD_HUB_BINARY, Args()));
  ExpectExactlyOnceAndVerifiedLedger(again.port());
}

// Two hub processes on one cluster: they share the ingest work through the
// consumer group and build one ledger through the journal. One is SIGKILLed
// mid-stream: the other takes over its partitions with nothing lost; restarted,
// it catches up and both serve the same signed tree head.
TEST_F(KafkaHubTest, TwoHubProcessesShareOneLedgerAndSurviveOneKilled) {
  ShareKeys();
  auto a = std::make_unique<HubProcess>();
  ASSERT_TRUE(a->Start(ACCORD_HUB_BINARY, Args("data-a", "hub-a")));
  auto b = std::make_unique<HubProcess>();
  ASSERT_TRUE(b->Start(ACCORD_HUB_BINARY, Args("data-b", "hub-b")));
  // An agreement submitted to one process is in force on both.
  SubmitAgreement(a->port());
  auto agreement_state = [&](int port) {
    auto stub = v1::AgreementService::NewStub(AgencyChannel(dir_.path(), port, kPolice));
    grpc::ClientContext ctx;
    v1::ListAgreementsRequest req;
    v1::ListAgreementsResponse resp;
    if (!stub->ListAgreements(&ctx, req, &resp).ok() || resp.agreements_size() == 0) {
      return v1::AGREEMENT_STATE_UNSPECIFIED;
    }
    return resp.agreements(0).state();
  };
  for (int i = 0; i < 100 && agreement_state(b->port()) != v1::ACTIVE; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(agreement_state(b->port()), v1::ACTIVE) << "the agreement did not reach the second process";

  // Both publish (about 250 records/s each, at most 2,000: the mock cluster
  // keeps only about 5 MB per partition, feed topic included); wait until
  // both processes have applied flows (the ledger names each), then kill B.
  std::atomic<bool> stop_a{false}, stop_b{false};
  std::thread publisher_a([&] { PublishUntil(a->port(), stop_a, 0, 2000, 200); });
  std::thread publisher_b([&] { PublishUntil(b->port(), stop_b, 100000, 2000, 200); });
  auto instances = [&](int port) {
    auto audit = v1::AuditService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    std::set<std::string> out;
    for (const auto& d : ExportLedger(audit.get()).entries) out.insert(d.entry().hub_instance());
    return out;
  };
  std::set<std::string> seen_instances;
  for (int i = 0; i < 120 && seen_instances.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    seen_instances = instances(a->port());
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
  auto head = [&](int port) {
    auto audit = v1::AuditService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    grpc::ClientContext ctx;
    v1::GetTreeHeadRequest req;
    v1::SignedTreeHead sth;
    EXPECT_TRUE(audit->GetTreeHead(&ctx, req, &sth).ok());
    return sth;
  };
  v1::SignedTreeHead head_a = head(a->port()), head_b = head(b->port());
  for (int i = 0; i < 200 && head_b.tree_size() != head_a.tree_size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    head_a = head(a->port());
    head_b = head(b->port());
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
    for (std::string& v : ReadTopicRaw(cluster_.bootstraps(), kFeedTopic, head_a.tree_size(), 10000,
                                       absl::StrCat("two-hub-feed-", attempt))) {
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
  EXPECT_EQ(a->Terminate(20), 0);
  EXPECT_EQ(b->Terminate(20), 0);
}

// The grpc.health.v1 status byte of the hub: 1 SERVING, 2 NOT_SERVING, 0 on error.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  grpc::Slice empty("");  // HealthCheckRequest{} serializes to no bytes
  grpc::ByteBuffer req(&empty, 1), resp;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &req, &resp, [&](grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(s);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  std::vector<grpc::Slice> slices;
  if (!status.ok() || !resp.Dump(&slices).ok()) return 0;
  std::string body;
  for (const grpc::Slice& sl : slices) body.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  return body.size() == 2 && body[0] == '\x08' ? body[1] : 0;
}

// A process whose next journal entries the topic no longer holds (retention
// shorter than its downtime) cannot build the shared ledger: it says so and
// its gRPC health turns NOT_SERVING, so load balancers route around it.
TEST_F(KafkaHubTest, AProcessThatMissedDeletedJournalEntriesStopsServing) {
  {
    // More than the mock cluster keeps per partition: the first entries go.
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", cluster_.bootstraps().c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    ASSERT_NE(producer, nullptr) << err;
    std::string value(100 * 1024, '\0');
    for (int i = 0; i < 80; ++i) {
      for (char& c : value) c = static_cast<char>(rand());
      ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("accord.journal"), RD_KAFKA_V_PARTITION(0),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
      rd_kafka_poll(producer, 0);
    }
    ASSERT_EQ(rd_kafka_flush(producer, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);
  }
  HubProcess hub;
  ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, Args()));
  auto channel = AgencyChannel(dir_.path(), hub.port(), kAnalyst);
  int health = HealthStatus(channel);
  for (int i = 0; i < 100 && health != 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    health = HealthStatus(channel);
  }
  EXPECT_EQ(health, 2) << "NOT_SERVING expected";
  auto audit = v1::AuditService::NewStub(channel);
  grpc::ClientContext ctx;
  v1::SignedTreeHead sth;
  ASSERT_TRUE(audit->GetTreeHead(&ctx, v1::GetTreeHeadRequest(), &sth).ok());
  EXPECT_EQ(sth.tree_size(), 0u) << "applied a journal with a hole";
}

}  // namespace
}  // namespace accord::testing
