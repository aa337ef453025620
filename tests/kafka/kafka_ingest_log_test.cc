// KafkaIngestLog against librdkafka's mock cluster (3 brokers on loopback):
// durable acks, consumption and commits, encryption at rest, and faults.
#include "accord/hub/kafka/kafka_ingest_log.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "mock_cluster.h"

namespace accord::testing {
namespace {

using hub::IngestLog;
using hub::KafkaConfig;
using hub::KafkaIngestLog;

v1::Record Person(int n) {
  v1::Record r;
  r.set_provider("herts-police");
  r.set_dataset("police_incident");
  r.set_dataset_version(1);
  r.set_record_id(absl::StrCat("R", n));
  auto add = [&](const char* name, const std::string& text) {
    auto* f = r.add_fields();
    f->set_name(name);
    f->mutable_value()->set_text(text);
  };
  add("victim_name", "John Smith");
  add("victim_nhs", "943 476 5919");
  add("offence", "assault");
  return r;
}

bool Identifier(const v1::Record&, const v1::Field& f) { return f.name() != "offence"; }

// The mock cluster does not serve CreateTopics, so the test plays the
// cluster operator and creates the topic; Open() checks it.
KafkaConfig Config(MockCluster& cluster) {
  cluster.CreateTopic("accord.ingest", 3, 3);
  cluster.CreateTopic("accord.quarantine", 1, 3);
  KafkaConfig c;
  c.brokers = cluster.bootstraps();
  c.partitions = 3;
  c.replication_factor = 3;
  c.linger_ms = 1;
  c.properties["log_level"] = "2";
  c.properties["session.timeout.ms"] = "6000";
  c.properties["heartbeat.interval.ms"] = "500";
  return c;
}

std::unique_ptr<KafkaIngestLog> Open(const KafkaConfig& c) {
  auto log = KafkaIngestLog::Open(c, std::string(32, 'k'), std::string(32, 'm'), &Identifier);
  EXPECT_TRUE(log.ok()) << log.status();
  if (!log.ok()) std::abort();
  return std::move(log).value();
}

struct Appended {
  absl::Status status;
  size_t accepted = 0;
};

Appended Append(IngestLog* log, int from, int to, absl::Duration wait = absl::Seconds(30)) {
  auto result = std::make_shared<Appended>();
  auto done = std::make_shared<absl::Notification>();
  IngestLog::Batch b;
  for (int i = from; i < to; ++i) b.records.push_back(Person(i));
  b.done = [result, done](absl::Status s, const std::vector<IngestLog::Outcome>& o) {
    result->status = s;
    for (auto x : o) result->accepted += x == IngestLog::Outcome::kAccepted;
    done->Notify();
  };
  EXPECT_TRUE(log->TryAppend(b));
  if (!done->WaitForNotificationWithTimeout(wait)) return {absl::DeadlineExceededError("no ack"), 0};
  return *result;
}

// Polls until `want` entries arrived or `timeout`; returns the record ids.
std::vector<std::string> PollAll(IngestLog* log, size_t want, absl::Duration timeout,
                                 std::vector<IngestLog::Entry>* all = nullptr) {
  std::vector<std::string> ids;
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<IngestLog::Entry> entries;
  while (ids.size() < want && absl::Now() < deadline) {
    if (!log->Poll(absl::Milliseconds(200), 1000, &entries).ok()) continue;
    for (auto& e : entries) {
      EXPECT_TRUE(e.unreadable_reason.empty()) << e.unreadable_reason;
      const v1::Record& r = e.record;
      EXPECT_EQ(r.fields(0).value().text(), "John Smith") << "decrypted back for the policy stage";
      EXPECT_EQ(r.fields_size(), 3) << "the sealed record id is taken out again";
      ids.push_back(r.record_id());
    }
    if (all) all->insert(all->end(), entries.begin(), entries.end());
    if (!entries.empty()) {
      EXPECT_TRUE(log->Consumed(entries).ok());
    }
  }
  return ids;
}

TEST(KafkaIngestLogTest, AppendsConsumesCommitsAndResumesInTheGroup) {
  MockCluster cluster;
  KafkaConfig c = Config(cluster);
  {
    auto log = Open(c);
    Appended a = Append(log.get(), 0, 100);
    ASSERT_TRUE(a.status.ok()) << a.status;
    EXPECT_EQ(a.accepted, 100u);
    std::vector<std::string> ids = PollAll(log.get(), 100, absl::Seconds(30));
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 100u);
  }
  // A new process in the same group continues after the committed offsets.
  auto log = Open(c);
  ASSERT_TRUE(Append(log.get(), 100, 110).status.ok());
  std::vector<std::string> ids = PollAll(log.get(), 10, absl::Seconds(30));
  std::vector<IngestLog::Entry> more;
  ASSERT_TRUE(log->Poll(absl::Milliseconds(500), 1000, &more).ok());
  EXPECT_TRUE(more.empty());
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), 10u);
  for (const auto& id : unique) EXPECT_GE(std::stoi(id.substr(1)), 100) << id;
}

TEST(KafkaIngestLogTest, ABrokerAdministratorSeesNoPersonalValue) {
  MockCluster cluster;
  KafkaConfig c = Config(cluster);
  auto log = Open(c);
  // Record ids a provider would never want a broker administrator to read.
  IngestLog::Batch b;
  for (int i = 0; i < 20; ++i) {
    v1::Record r = Person(i);
    r.set_record_id(absl::StrCat("CUSTODY-PLANTED-", 4000 + i));
    b.records.push_back(std::move(r));
  }
  absl::Notification acked;
  absl::Status appended;
  b.done = [&](absl::Status s, const std::vector<IngestLog::Outcome>&) {
    appended = s;
    acked.Notify();
  };
  ASSERT_TRUE(log->TryAppend(b));
  acked.WaitForNotification();
  ASSERT_TRUE(appended.ok()) << appended;
  std::vector<std::string> raw = ReadTopicRaw(cluster.bootstraps(), c.ingest_topic(), 20);
  ASSERT_EQ(raw.size(), 20u);
  for (const std::string& v : raw) {
    EXPECT_FALSE(absl::StrContains(v, "CUSTODY-PLANTED")) << "a record id is in the topic in clear";
    EXPECT_TRUE(absl::StrContains(v, "accord-ref:"));
    EXPECT_FALSE(absl::StrContains(v, "Smith"));
    EXPECT_FALSE(absl::StrContains(v, "5919"));
    EXPECT_TRUE(absl::StrContains(v, "assault")) << "non-personal fields stay readable";
    EXPECT_TRUE(absl::StrContains(v, "accord-key-id=k1"));
  }
  // The policy stage still gets every record id back.
  std::vector<IngestLog::Entry> entries;
  std::set<std::string> ids;
  for (int i = 0; i < 100 && ids.size() < 20; ++i) {
    ASSERT_TRUE(log->Poll(absl::Milliseconds(300), 100, &entries).ok());
    for (const auto& e : entries) {
      ASSERT_TRUE(e.unreadable_reason.empty()) << e.unreadable_reason;
      ids.insert(e.record.record_id());
    }
  }
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_TRUE(ids.count("CUSTODY-PLANTED-4007"));
}

TEST(KafkaIngestLogTest, QuarantinedRecordsAreKeptSealedWithTheirReason) {
  MockCluster cluster;
  KafkaConfig c = Config(cluster);
  auto log = Open(c);
  ASSERT_TRUE(Append(log.get(), 0, 5).status.ok());
  std::vector<IngestLog::Entry> entries;
  for (int i = 0; i < 100 && entries.size() < 5; ++i) {
    std::vector<IngestLog::Entry> more;
    ASSERT_TRUE(log->Poll(absl::Milliseconds(300), 100, &more).ok());
    for (auto& e : more) entries.push_back(std::move(e));
  }
  ASSERT_EQ(entries.size(), 5u);
  // One the policy stage could not treat, one the log could not read.
  IngestLog::Entry unreadable;
  unreadable.partition = 2;
  unreadable.offset = 77;
  unreadable.unreadable_reason = "field 'victim_nhs' does not decrypt";
  unreadable.stored = "stored bytes";
  ASSERT_TRUE(log->Quarantine({{&entries[0], "field 'victim_nhs': not an NHS number"},
                               {&unreadable, unreadable.unreadable_reason}})
                  .ok());
  std::vector<std::string> raw = ReadTopicRaw(cluster.bootstraps(), c.quarantine_topic(), 2);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_TRUE(absl::StrContains(raw[0], "accord-reason=field 'victim_nhs': not an NHS number"));
  EXPECT_TRUE(absl::StrContains(raw[0], absl::StrCat("accord-ingest-position=", entries[0].partition, ":",
                                                     entries[0].offset)));
  EXPECT_TRUE(absl::StrContains(raw[0], "accord-key-id=k1"));
  EXPECT_TRUE(absl::StrContains(raw[0], "assault"));
  EXPECT_FALSE(absl::StrContains(raw[0], "Smith")) << "kept sealed";
  EXPECT_FALSE(absl::StrContains(raw[0], "5919")) << "kept sealed";
  EXPECT_TRUE(absl::StrContains(raw[0], "accord-ref:")) << "record id kept sealed";
  // Kept exactly as the ingest topic holds it (sealed once, at ingest).
  EXPECT_TRUE(absl::StartsWith(raw[0], entries[0].stored + "|accord-key-id=k1|"));
  EXPECT_TRUE(absl::StrContains(raw[1], "stored bytes|"));
  EXPECT_TRUE(absl::StrContains(raw[1], "accord-ingest-position=2:77"));
}

// Poll decodes each record once: the entry holds it parsed and opened for the
// policy stage, and the message exactly as the topic holds it for a
// quarantined copy. Entries passed back are reused.
TEST(KafkaIngestLogTest, PollDecodesOnceAndKeepsTheTopicBytes) {
  MockCluster cluster;
  KafkaConfig c = Config(cluster);
  auto log = Open(c);
  ASSERT_TRUE(Append(log.get(), 0, 6).status.ok());
  std::vector<std::string> raw = ReadTopicRaw(cluster.bootstraps(), c.ingest_topic(), 6);
  ASSERT_EQ(raw.size(), 6u);
  std::set<std::string> values;
  for (const std::string& v : raw) values.insert(v.substr(0, v.find("|accord-key-id=")));
  std::vector<IngestLog::Entry> entries;
  std::set<std::string> ids;
  for (int i = 0; i < 100 && ids.size() < 6; ++i) {
    // At most 2 per poll, into the same vector: its entries are reused.
    ASSERT_TRUE(log->Poll(absl::Milliseconds(300), 2, &entries).ok());
    ASSERT_LE(entries.size(), 2u);
    for (const auto& e : entries) {
      ASSERT_TRUE(e.unreadable_reason.empty()) << e.unreadable_reason;
      ASSERT_EQ(e.record.fields_size(), 3) << "the sealed record id is taken out";
      EXPECT_EQ(e.record.fields(0).value().text(), "John Smith") << "opened";
      EXPECT_EQ(e.record.fields(1).value().text(), "943 476 5919") << "opened";
      EXPECT_TRUE(absl::StartsWith(e.record.record_id(), "R")) << "the record id is restored";
      EXPECT_TRUE(values.count(e.stored)) << "stored is the message as the topic holds it";
      EXPECT_FALSE(absl::StrContains(e.stored, "Smith"));
      ids.insert(e.record.record_id());
    }
  }
  EXPECT_EQ(ids, (std::set<std::string>{"R0", "R1", "R2", "R3", "R4", "R5"}));
}

// A message from before record ids were sealed holds its id in clear: its
// quarantined copy is sealed afresh (fields and id), never kept in clear.
TEST(KafkaIngestLogTest, ARecordWithItsIdInClearIsSealedForTheQuarantine) {
  MockCluster cluster;
  KafkaConfig c = Config(cluster);
  auto log = Open(c);
  {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", cluster.bootstraps().c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    ASSERT_NE(producer, nullptr) << err;
    v1::Record legacy = Person(9);
    legacy.set_record_id("LEGACY-CLEAR-ID-77");
    legacy.mutable_fields(0)->mutable_value()->set_text("Ann Other");  // not sealed either
    const std::string value = legacy.SerializeAsString();
    ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("accord.ingest"), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(rd_kafka_flush(producer, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);
  }
  std::vector<IngestLog::Entry> entries;
  for (int i = 0; i < 100 && entries.empty(); ++i) {
    ASSERT_TRUE(log->Poll(absl::Milliseconds(300), 10, &entries).ok());
  }
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_TRUE(entries[0].unreadable_reason.empty()) << entries[0].unreadable_reason;
  EXPECT_EQ(entries[0].record.record_id(), "LEGACY-CLEAR-ID-77");
  EXPECT_TRUE(entries[0].stored.empty()) << "not kept as the topic holds it";
  ASSERT_TRUE(log->Quarantine({{&entries[0], "field 'victim_nhs': not an NHS number"}}).ok());
  std::vector<std::string> kept = ReadTopicRaw(cluster.bootstraps(), c.quarantine_topic(), 1);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_FALSE(absl::StrContains(kept[0], "LEGACY-CLEAR-ID-77")) << "record id sealed";
  EXPECT_FALSE(absl::StrContains(kept[0], "Ann Other")) << "sealed";
  EXPECT_FALSE(absl::StrContains(kept[0], "5919")) << "sealed";
  EXPECT_TRUE(absl::StrContains(kept[0], "accord-ref:"));
  EXPECT_TRUE(absl::StrContains(kept[0], "accord-key-id=k1"));
}

TEST(KafkaIngestLogTest, OutageFailsWithUnavailableAndAppliesBackPressure) {
  MockCluster cluster;
  KafkaConfig c = Config(cluster);
  c.message_timeout_ms = 2000;
  c.max_inflight_batches = 2;
  auto log = Open(c);
  ASSERT_TRUE(Append(log.get(), 0, 5).status.ok());
  cluster.SetAllBrokers(false);
  // Two batches fill the window; a third is refused at once (back-pressure).
  std::atomic<int> unavailable{0};
  absl::Notification both;
  std::atomic<int> finished{0};
  for (int k = 0; k < 2; ++k) {
    IngestLog::Batch b;
    b.records.push_back(Person(100 + k));
    b.done = [&](absl::Status s, const std::vector<IngestLog::Outcome>&) {
      if (absl::IsUnavailable(s)) unavailable.fetch_add(1);
      if (finished.fetch_add(1) == 1) both.Notify();
    };
    ASSERT_TRUE(log->TryAppend(b));
  }
  IngestLog::Batch refused;
  refused.records.push_back(Person(200));
  refused.done = [](absl::Status, const std::vector<IngestLog::Outcome>&) { FAIL() << "not queued"; };
  EXPECT_FALSE(log->TryAppend(refused));
  ASSERT_TRUE(both.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(unavailable.load(), 2) << "never acked what it could not store";
  // Back up: appends succeed again.
  // Back up: once the producer has reconnected, appends succeed again (a
  // connector retries exactly like this, with backoff).
  cluster.SetAllBrokers(true);
  Appended a;
  for (int attempt = 0; attempt < 10; ++attempt) {
    a = Append(log.get(), 300, 310);
    if (a.status.ok()) break;
    EXPECT_TRUE(absl::IsUnavailable(a.status)) << a.status;
    absl::SleepFor(absl::Seconds(1));
  }
  EXPECT_TRUE(a.status.ok()) << a.status;
}

TEST(KafkaIngestLogTest, TransientProduceErrorsAndALeaderChangeLoseNothing) {
  MockCluster cluster;
  KafkaConfig c = Config(cluster);
  auto log = Open(c);
  rd_kafka_mock_push_request_errors(cluster.get(), kApiProduce, 3,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                    RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  ASSERT_TRUE(Append(log.get(), 0, 50).status.ok());
  rd_kafka_mock_partition_set_leader(cluster.get(), c.ingest_topic().c_str(), 0, 2);
  rd_kafka_mock_partition_set_leader(cluster.get(), c.ingest_topic().c_str(), 1, 3);
  rd_kafka_mock_push_request_errors(cluster.get(), kApiFetch, 2,
                                    RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  ASSERT_TRUE(Append(log.get(), 50, 100).status.ok());
  std::vector<std::string> ids = PollAll(log.get(), 100, absl::Seconds(60));
  // At-least-once: all there (a repeat would be removed by delivery id downstream).
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 100u);
}

}  // namespace
}  // namespace accord::testing
