// KafkaQuarantine (the quarantine topic's reader behind QuarantineService on
// Kafka hubs) against librdkafka's mock cluster: the quarantined copies
// KafkaIngestLog::Quarantine() writes, listed per provider; one record
// quarantined twice listed once under its newest copy and reason; markers
// taking every copy out; paging and the per-call bound. The whole service,
// with hub processes on real brokers: kafka_quarantine_test.cc.
#include "accord/hub/kafka/kafka_quarantine.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "accord/hub/kafka/kafka_ingest_log.h"
#include "gtest/gtest.h"
#include "mock_cluster.h"

namespace accord::testing {
namespace {

using hub::IngestLog;
using hub::KafkaConfig;
using hub::KafkaIngestLog;
using hub::KafkaQuarantine;

v1::Record Person(const std::string& provider, const std::string& id) {
  v1::Record r;
  r.set_provider(provider);
  r.set_dataset("police_incident");
  r.set_dataset_version(1);
  r.set_record_id(id);
  auto* f = r.add_fields();
  f->set_name("victim_name");
  f->mutable_value()->set_text("John Smith");
  return r;
}

TEST(KafkaQuarantineReaderTest, EachProviderSeesItsOwnOnceAndMarkersTakeEveryCopyOut) {
  MockCluster cluster;
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
  const std::string master(32, 'm');
  auto log = KafkaIngestLog::Open(c, std::string(32, 'k'), master, [](const v1::Record&, const v1::Field&) {
    return true;
  });
  ASSERT_TRUE(log.ok()) << log.status();

  // R1 twice (published twice under one id), R2, and A&E's A1.
  absl::Notification appended;
  IngestLog::Batch batch;
  batch.records = {Person("herts-police", "R1"), Person("herts-police", "R2"), Person("nhs-lister-ae", "A1"),
                   Person("herts-police", "R1")};
  batch.done = [&](absl::Status s, const std::vector<IngestLog::Outcome>&) {
    EXPECT_TRUE(s.ok()) << s;
    appended.Notify();
  };
  ASSERT_TRUE((*log)->TryAppend(batch));
  appended.WaitForNotification();
  std::vector<IngestLog::Entry> entries;
  for (int i = 0; i < 100 && entries.size() < 4; ++i) {
    std::vector<IngestLog::Entry> more;
    ASSERT_TRUE((*log)->Poll(absl::Milliseconds(300), 100, &more).ok());
    for (auto& e : more) entries.push_back(std::move(e));
  }
  ASSERT_EQ(entries.size(), 4u);
  // Quarantined in this order: R1, R2, A1, then R1's other copy with a newer reason.
  std::multimap<std::string, const IngestLog::Entry*> by_id;
  for (const auto& e : entries) {
    ASSERT_TRUE(e.unreadable_reason.empty()) << e.unreadable_reason;
    by_id.emplace(e.record.record_id(), &e);
  }
  auto r1 = by_id.equal_range("R1");
  const IngestLog::Entry* r1a = r1.first->second;
  const IngestLog::Entry* r1b = std::next(r1.first)->second;
  IngestLog::Entry unreadable;
  unreadable.partition = 2;
  unreadable.offset = 77;
  unreadable.unreadable_reason = "the ingest message is not an accord.v1.Record";
  unreadable.stored = "\xff\xff not a record";
  ASSERT_TRUE((*log)
                  ->Quarantine({{r1a, "no active agreement (old)"},
                                {by_id.find("R2")->second, "no active agreement"},
                                {by_id.find("A1")->second, "no active agreement"},
                                {&unreadable, unreadable.unreadable_reason},
                                {r1b, "version 2 (new)"}})
                  .ok());
  // The policy stage re-ran a batch (at-least-once): the same position kept twice.
  ASSERT_TRUE((*log)->Quarantine({{r1b, "version 2 (new)"}}).ok());

  auto q = KafkaQuarantine::Open(c, master);
  ASSERT_TRUE(q.ok()) << q.status();
  auto police = (*q)->List("herts-police", 1000, "");
  ASSERT_TRUE(police.ok()) << police.status();
  EXPECT_EQ(police->total(), 2u);
  EXPECT_EQ(police->quarantined_ever(), 3u);
  ASSERT_EQ(police->records_size(), 2);
  EXPECT_EQ(police->records(0).record_id(), "R2");
  EXPECT_EQ(police->records(1).record_id(), "R1");  // once, under its newest copy
  EXPECT_EQ(police->records(1).reason(), "version 2 (new)");
  EXPECT_EQ(police->records(1).dataset(), "police_incident");
  EXPECT_GT(police->records(1).quarantined_at().seconds(), 0);
  const std::string r1_handle = police->records(1).handle();
  EXPECT_EQ(r1_handle.substr(r1_handle.find('-')), "-6");  // the 6th message of the topic

  auto ae = (*q)->List("nhs-lister-ae", 1000, "");
  ASSERT_TRUE(ae.ok());
  ASSERT_EQ(ae->records_size(), 1);
  EXPECT_EQ(ae->records(0).record_id(), "A1");
  auto nobody = (*q)->List("csp-herts-analyst", 1000, "");
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ(nobody->total(), 0u);

  // Paging.
  auto page = (*q)->List("herts-police", 1, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->records_size(), 1);
  EXPECT_EQ(page->total(), 2u);
  page = (*q)->List("herts-police", 1, page->records(0).handle());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->records_size(), 1);
  EXPECT_EQ(page->records(0).handle(), r1_handle);

  // Another's handle is not found; so is a handle whose time does not match.
  auto plan = (*q)->PlanReplay("herts-police", {ae->records(0).handle(), "1-6"}, 10000);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->records.empty());
  EXPECT_EQ(plan->not_found.size(), 2u);
  // At most max_records a call.
  plan = (*q)->PlanReplay("herts-police", {}, 1);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->records.size(), 1u);
  EXPECT_EQ(plan->left_for_next_call, 1u);

  // Replaying R1: its newest copy, opened, and its three copies to mark.
  plan = (*q)->PlanReplay("herts-police", {r1_handle}, 10000);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->records.size(), 1u);
  EXPECT_EQ(plan->records[0].record_id(), "R1");
  EXPECT_EQ(plan->records[0].fields(0).value().text(), "John Smith");  // opened for the policy stage
  EXPECT_EQ(plan->marks.size(), 3u);
  EXPECT_TRUE(plan->not_found.empty());
  ASSERT_TRUE((*q)->MarkReplayed(plan->marks).ok());

  police = (*q)->List("herts-police", 1000, "");
  ASSERT_TRUE(police.ok());
  ASSERT_EQ(police->records_size(), 1);
  EXPECT_EQ(police->records(0).record_id(), "R2");
  EXPECT_EQ(police->quarantined_ever(), 3u);
  plan = (*q)->PlanReplay("herts-police", {r1_handle}, 10000);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->records.empty());
  EXPECT_EQ(plan->not_found, std::vector<std::string>{r1_handle});
  // A fresh reader (another hub process) sees the same.
  auto other = KafkaQuarantine::Open(c, master);
  ASSERT_TRUE(other.ok());
  auto again = (*other)->List("herts-police", 1000, "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), police->SerializeAsString());
}

}  // namespace
}  // namespace accord::testing
