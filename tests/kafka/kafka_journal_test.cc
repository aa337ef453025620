// KafkaJournal against librdkafka's mock cluster (3 brokers on loopback): hub
// processes ("replicas", each with its own RocksDB) append to one journal and
// all apply it, ending with identical feeds and byte-identical ledgers.
#include "accord/hub/kafka/kafka_journal.h"

#include <openssl/rand.h>

#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "accord/base/clock.h"
#include "accord/hub/core/feed_notifier.h"
#include "accord/hub/core/feed_store.h"
#include "accord/hub/core/ledger_store.h"
#include "accord/hub/core/period_keyring.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/v1/audit_service.pb.h"
#include "gtest/gtest.h"
#include "journal_proposals.h"
#include "mock_cluster.h"

namespace accord::testing {
namespace {

using hub::HubDb;
using hub::KafkaJournal;
using hub::StageOutcome;

class NullSink final : public hub::DisclosureSink {
 public:
  absl::Status Stage(absl::Span<const Disclosure>, rocksdb::WriteBatch*) override {
    return absl::OkStatus();
  }
};

const std::string& SigningPem() {
  static const std::string pem = *hub::ledger::GenerateSigningKeyPem();
  return pem;
}

// One hub process's state: its own RocksDB, ledger and journal reader.
class Replica {
 public:
  Replica(const std::string& dir, const hub::KafkaConfig& config, const std::string& instance) {
    hub::HubDbOptions options;
    options.path = dir + "/db";
    options.block_cache_bytes = 8u << 20;
    options.write_buffer_bytes = 4u << 20;
    db_ = std::move(HubDb::Open(options)).value();
    signer_ = std::move(hub::ledger::TreeHeadSigner::FromPrivatePem(SigningPem())).value();
    ledger_ = std::move(hub::OpenDisclosureLedger(db_.get(), signer_.get())).value();
    keyring_ = std::move(hub::PeriodKeyring::Open(db_.get(), std::string(32, 'k'),
                                                  std::make_shared<hub::ErasedRecordsFilter>()))
                   .value();
    feed_store_ = std::move(hub::FeedStore::Open(db_.get(), keyring_.get())).value();
    committer_ = std::move(hub::OutcomeCommitter::Open(db_.get(), ledger_.get(), feed_store_.get(), &sink_, &feeds_,
                                                       /*dedupe_deliveries=*/true, &stats_))
                     .value();
    auto journal = KafkaJournal::Open(config, instance, db_.get(), committer_.get(),
                                      [this](const v1::AgreementEvent& e) {
                                        absl::MutexLock lock(&mu_);
                                        agreements_.push_back(e.document());
                                      });
    EXPECT_TRUE(journal.ok()) << journal.status();
    if (!journal.ok()) std::abort();
    journal_ = std::move(journal).value();
  }
  ~Replica() { journal_->Stop(); }

  KafkaJournal& journal() { return *journal_; }
  hub::ledger::MerkleLog& ledger() { return *ledger_; }
  hub::FeedNotifier& feeds() { return feeds_; }
  std::vector<std::string> agreements() {
    absl::MutexLock lock(&mu_);
    return agreements_;
  }

  // Waits until this replica has applied `entries` journal entries.
  bool WaitApplied(uint64_t entries) {
    for (int i = 0; i < 300 && journal_->next_offset() < entries; ++i) absl::SleepFor(absl::Milliseconds(50));
    return journal_->next_offset() >= entries;
  }

 private:
  std::unique_ptr<HubDb> db_;
  std::unique_ptr<hub::ledger::TreeHeadSigner> signer_;
  std::unique_ptr<hub::ledger::MerkleLog> ledger_;
  std::unique_ptr<hub::PeriodKeyring> keyring_;
  std::unique_ptr<hub::FeedStore> feed_store_;
  NullSink sink_;
  hub::FeedNotifier feeds_;
  hub::PipelineStats stats_;
  std::unique_ptr<hub::OutcomeCommitter> committer_;
  std::unique_ptr<KafkaJournal> journal_;
  absl::Mutex mu_;
  std::vector<std::string> agreements_ ABSL_GUARDED_BY(mu_);
};

// An outcome of `n` disclosures with delivery ids <prefix>0.., alternating
// between two recipients; `pad` random hex characters per record (barely compressible).
StageOutcome Outcome(const std::string& prefix, int n, size_t pad = 0) {
  StageOutcome o;
  o.decided_at = absl::FromUnixMillis(1790000000000) + absl::Seconds(n);
  for (int i = 0; i < n; ++i) {
    StageOutcome::Disclosure& d = o.disclosures.emplace_back();
    d.record.set_provider("herts-police");
    d.record.set_recipient(i % 2 ? "csp-analyst" : "csp-probation");
    d.record.set_agreement_id("isa-1");
    d.record.set_dataset("police_incident");
    d.record.set_delivery_id(absl::StrCat(prefix, i));
    auto* f = d.record.add_fields();
    f->set_name("pad");
    std::string bytes(pad / 2, '\0');
    if (pad > 0) RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    f->mutable_value()->set_text(absl::BytesToHexString(bytes));
    d.record.SerializeToString(&d.serialized);
    v1::LedgerEntry entry;
    entry.set_provider("herts-police");
    entry.set_recipient(d.record.recipient());
    entry.set_delivery_id(d.record.delivery_id());
    entry.SerializeToString(&d.ledger_entry);
  }
  o.quarantined.push_back({1, static_cast<uint64_t>(n), "field 'x' does not parse"});
  return o;
}

hub::KafkaConfig Config(MockCluster& cluster) {
  cluster.CreateTopic("accord.journal", 1, 3);  // the mock cluster does not serve CreateTopics
  hub::KafkaConfig c;
  c.brokers = cluster.bootstraps();
  c.partitions = 1;
  c.replication_factor = 3;
  c.linger_ms = 1;
  c.message_timeout_ms = 10000;
  c.properties["log_level"] = "2";
  return c;
}

class KafkaJournalTest : public ::testing::Test {
 protected:
  std::string Dir(const std::string& name) {
    const std::string d = dir_ + "/" + name;
    std::filesystem::create_directories(d);
    return d;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  MockCluster cluster_{3};
  hub::KafkaConfig config_ = Config(cluster_);
  std::string dir_ = [] {
    std::string t = (std::filesystem::temp_directory_path() / "accord-journal-XXXXXX").string();
    return std::string(mkdtemp(t.data()));
  }();
};

TEST_F(KafkaJournalTest, ReplicasApplyTheSameEntriesToByteIdenticalLedgers) {
  Replica a(Dir("a"), config_, "hub-a");
  Replica b(Dir("b"), config_, "hub-b");
  v1::AgreementEvent event;
  event.set_kind(v1::AgreementEvent::AGREEMENT);
  event.set_document("id: isa-1\n");
  absl::Notification shared;
  a.journal().AppendAgreement(event, [&](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    shared.Notify();
  });
  shared.WaitForNotification();
  // Both append; "x" outcomes overlap (at-least-once re-processing after a
  // takeover), so 5 of their deliveries are duplicates.
  ASSERT_TRUE(a.journal().AppendOutcome(Outcome("a", 40)).ok());
  ASSERT_TRUE(b.journal().AppendOutcome(Outcome("b", 30)).ok());
  ASSERT_TRUE(a.journal().AppendOutcome(Outcome("x", 10)).ok());
  ASSERT_TRUE(b.journal().AppendOutcome(Outcome("x", 15)).ok());
  // Larger than one message: split, each part one ledger append.
  StageOutcome big = Outcome("big", 400, 2000);
  ASSERT_TRUE(b.journal().AppendOutcome(big).ok());
  const size_t parts = hub::ToJournal(big, KafkaJournal::kMaxMessageBytes).size();
  ASSERT_GE(parts, 2u);
  const uint64_t entries = 1 + 4 + parts;

  ASSERT_TRUE(a.WaitApplied(entries));
  ASSERT_TRUE(b.WaitApplied(entries));
  EXPECT_EQ(a.ledger().size(), 40u + 30 + 15 + 400);
  EXPECT_EQ(hub::ledger::SerializeSignedTreeHead(a.ledger().LatestHead()),
            hub::ledger::SerializeSignedTreeHead(b.ledger().LatestHead()));
  for (uint64_t size = 1; size <= a.ledger().size(); ++size) {
    auto ha = a.ledger().HeadAt(size);
    auto hb = b.ledger().HeadAt(size);
    ASSERT_EQ(ha.ok(), hb.ok()) << size;
    if (ha.ok()) {
      EXPECT_EQ(SerializeSignedTreeHead(*ha), SerializeSignedTreeHead(*hb)) << size;
    }
  }
  EXPECT_EQ(a.feeds().Heads(), b.feeds().Heads());
  EXPECT_EQ(a.agreements(), std::vector<std::string>{"id: isa-1\n"});
  EXPECT_EQ(b.agreements(), a.agreements());
  EXPECT_EQ(a.journal().lag(), 0u);
  EXPECT_TRUE(a.journal().healthy());
}

TEST_F(KafkaJournalTest, ARestartedReplicaResumesWithoutApplyingAnythingTwice) {
  std::string head;
  {
    Replica a(Dir("a"), config_, "hub-a");
    ASSERT_TRUE(a.journal().AppendOutcome(Outcome("a", 20)).ok());
    ASSERT_TRUE(a.WaitApplied(1));
    head = hub::ledger::SerializeSignedTreeHead(a.ledger().LatestHead());
  }
  {
    // Another process appends while this one is down.
    Replica b(Dir("b"), config_, "hub-b");
    ASSERT_TRUE(b.journal().AppendOutcome(Outcome("b", 5)).ok());
    ASSERT_TRUE(b.WaitApplied(2));
  }
  Replica again(Dir("a"), config_, "hub-a");
  EXPECT_EQ(again.journal().next_offset(), 1u);
  ASSERT_TRUE(again.WaitApplied(2));
  EXPECT_EQ(again.ledger().size(), 25u);
  auto first = again.ledger().HeadAt(20);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(hub::ledger::SerializeSignedTreeHead(*first), head);
}

TEST_F(KafkaJournalTest, AReplicaThatMissedDeletedEntriesStopsInsteadOfSkippingThem) {
  {
    Replica a(Dir("a"), config_, "hub-a");
    // More than the mock cluster keeps per partition (about 5 MB): the oldest
    // entries are deleted, as a too-short retention would.
    for (int i = 0; i < 16; ++i) {
      ASSERT_TRUE(a.journal().AppendOutcome(Outcome(absl::StrCat("o", i, "-"), 200, 2000)).ok());
    }
  }
  Replica late(Dir("late"), config_, "hub-late");
  for (int i = 0; i < 200 && late.journal().healthy(); ++i) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(late.journal().healthy());
  EXPECT_EQ(late.ledger().size(), 0u) << "applied a journal with a hole";
}

// `o` in the journal form written before disclosures carried their envelope
// (format 1 without PolicyOutcome.Disclosure.envelope), as JournalEntry bytes.
std::string OldFormatEntry(const StageOutcome& o, const std::string& instance) {
  v1::JournalEntry entry;
  entry.set_format(1);
  entry.set_hub_instance(instance);
  v1::PolicyOutcome* out = entry.mutable_outcome();
  out->mutable_decided_at()->set_seconds(absl::ToUnixSeconds(o.decided_at));
  for (const auto& d : o.disclosures) {
    auto* j = out->add_disclosures();
    j->set_cleaned_record(d.serialized);
    j->set_ledger_entry(d.ledger_entry);
  }
  for (const auto& q : o.quarantined) {
    auto* j = out->add_quarantined();
    j->set_partition(q.partition);
    j->set_offset(q.offset);
    j->set_reason(q.reason);
  }
  return entry.SerializeAsString();
}

// A journal holding entries of both forms (a process of the earlier version
// appended some) is applied whole by every replica.
TEST_F(KafkaJournalTest, ReplicasApplyEntriesWrittenBeforeEnvelopesToo) {
  Replica a(Dir("a"), config_, "hub-a");
  {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", cluster_.bootstraps().c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    ASSERT_NE(producer, nullptr) << err;
    const std::string old = OldFormatEntry(Outcome("old", 20), "hub-old");
    ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("accord.journal"), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_VALUE(const_cast<char*>(old.data()), old.size()), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(rd_kafka_flush(producer, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);
  }
  ASSERT_TRUE(a.WaitApplied(1));
  ASSERT_TRUE(a.journal().AppendOutcome(Outcome("new", 10)).ok());
  ASSERT_TRUE(a.WaitApplied(2));
  EXPECT_EQ(a.ledger().size(), 30u) << "both forms applied";
  const auto heads = a.feeds().Heads();
  EXPECT_EQ(heads.size(), 2u) << "both recipients fed";
  // A second replica, from the start, reaches the same ledger.
  Replica b(Dir("b"), config_, "hub-b");
  ASSERT_TRUE(b.WaitApplied(2));
  EXPECT_EQ(hub::ledger::SerializeSignedTreeHead(a.ledger().LatestHead()),
            hub::ledger::SerializeSignedTreeHead(b.ledger().LatestHead()));
  EXPECT_EQ(a.feeds().Heads(), b.feeds().Heads());
}

// Each disclosure carries its envelope (every member but the values); a
// replica reads that and never parses the values: a cleaned record whose
// bytes do not even parse still routes by its envelope, its bytes passed on
// untouched.
TEST(JournalFormTest, ADisclosureIsReadFromItsEnvelopeWithoutParsingItsValues) {
  StageOutcome o = Outcome("e", 3, 40);
  o.disclosures[0].record.set_dataset_version(2);
  o.disclosures[0].record.set_record_ref("ref-0");
  o.disclosures[0].record.set_area("AL1 3");
  o.disclosures[0].record.mutable_event_time()->set_seconds(1795000000);
  auto parts = hub::ToJournal(o, 1 << 20);
  ASSERT_EQ(parts.size(), 1u);
  for (int i = 0; i < 3; ++i) {
    const auto& j = parts[0].disclosures(i);
    ASSERT_TRUE(j.has_envelope());
    EXPECT_EQ(j.envelope().fields_size(), 0) << "no values in the envelope";
    v1::CleanedRecord expected = o.disclosures[i].record;
    expected.clear_fields();
    EXPECT_EQ(j.envelope().SerializeAsString(), expected.SerializeAsString());
  }
  // The values' bytes are garbage: the envelope alone is read.
  parts[0].mutable_disclosures(1)->set_cleaned_record("\xff\xff values never parsed");
  auto back = hub::FromJournal(parts[0]);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->disclosures.size(), 3u);
  EXPECT_EQ(back->disclosures[1].serialized, "\xff\xff values never parsed");
  EXPECT_EQ(back->disclosures[1].record.delivery_id(), "e1");
  EXPECT_EQ(back->disclosures[1].record.recipient(), "csp-analyst");
  EXPECT_EQ(back->disclosures[0].record.area(), "AL1 3");
  EXPECT_EQ(back->disclosures[0].record.record_ref(), "ref-0");
  EXPECT_EQ(back->disclosures[0].record.dataset_version(), 2u);
  EXPECT_EQ(back->disclosures[0].record.event_time().seconds(), 1795000000);
  EXPECT_EQ(back->disclosures[0].record.fields_size(), 0);
  EXPECT_EQ(back->disclosures[0].serialized, o.disclosures[0].serialized);
  EXPECT_EQ(back->disclosures[2].ledger_entry, o.disclosures[2].ledger_entry);
  // An envelope that holds values, or lacks its recipient, is refused.
  v1::PolicyOutcome with_values = parts[0];
  *with_values.mutable_disclosures(0)->mutable_envelope()->add_fields() = o.disclosures[0].record.fields(0);
  EXPECT_EQ(hub::FromJournal(with_values).status().code(), absl::StatusCode::kDataLoss);
  v1::PolicyOutcome no_recipient = parts[0];
  no_recipient.mutable_disclosures(2)->mutable_envelope()->clear_recipient();
  EXPECT_EQ(hub::FromJournal(no_recipient).status().code(), absl::StatusCode::kDataLoss);
}

// Entries written before envelopes existed: the cleaned record is parsed whole.
TEST(JournalFormTest, ReadsEntriesWrittenBeforeEnvelopes) {
  StageOutcome o = Outcome("old", 4, 40);
  v1::JournalEntry entry;
  ASSERT_TRUE(entry.ParseFromString(OldFormatEntry(o, "hub-old")));
  EXPECT_EQ(entry.format(), 1u);
  ASSERT_FALSE(entry.outcome().disclosures(0).has_envelope());
  auto back = hub::FromJournal(entry.outcome());
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->disclosures.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(back->disclosures[i].serialized, o.disclosures[i].serialized);
    EXPECT_EQ(back->disclosures[i].record.SerializeAsString(), o.disclosures[i].record.SerializeAsString());
  }
  EXPECT_EQ(back->quarantined.size(), 1u);
  // An old-form disclosure whose bytes do not parse is still refused.
  v1::PolicyOutcome bad = entry.outcome();
  bad.mutable_disclosures(3)->set_cleaned_record("\xff\xff not a record");
  EXPECT_EQ(hub::FromJournal(bad).status().code(), absl::StatusCode::kDataLoss);
  // And today's form reads back the same envelope, for the same commit.
  auto parts = hub::ToJournal(o, 1 << 20);
  auto now = hub::FromJournal(parts[0]);
  ASSERT_TRUE(now.ok());
  for (int i = 0; i < 4; ++i) {
    v1::CleanedRecord envelope = back->disclosures[i].record;
    envelope.clear_fields();
    EXPECT_EQ(now->disclosures[i].record.SerializeAsString(), envelope.SerializeAsString());
    EXPECT_EQ(now->disclosures[i].serialized, back->disclosures[i].serialized);
  }
}

// A change whose append fails while every broker is down is appended again
// (JournalProposals' retry, after its backoff on the proposals' clock) once
// they are back, and applied once.
TEST_F(KafkaJournalTest, AnAgreementAppendThatFailedIsRetriedAfterItsBackoff) {
  config_.message_timeout_ms = 1000;
  Replica a(Dir("a"), config_, "hub-a");
  base::ManualClock clock;
  hub::JournalProposals proposals("hub-a", &clock);
  absl::Notification answered;
  absl::Status answer;
  cluster_.SetAllBrokers(false);
  v1::AgreementEvent event;
  event.set_kind(v1::AgreementEvent::AGREEMENT);
  event.set_document("id: isa-retried\n");
  proposals.Propose(&a.journal(), event, [&](const hub::AppliedChange& c) {
    answer = c.status;
    answered.Notify();
  }, absl::Hours(1));
  // The failure arrives after message_timeout_ms (librdkafka's real time);
  // the retry is due only after the backoff on the proposals' clock. With
  // the brokers still down, the first retry fails too.
  auto retry_once = [&] {
    for (int i = 0; i < 400; ++i) {
      absl::SleepFor(absl::Milliseconds(50));  // waits for librdkafka's thread, not for time to pass
      clock.Advance(hub::JournalProposals::kFirstRetry);
      if (proposals.RetryDue() > 0) return true;
    }
    return false;
  };
  ASSERT_TRUE(retry_once()) << "the failed append was not retried";
  EXPECT_EQ(proposals.retries(), 1u);
  EXPECT_TRUE(a.agreements().empty());
  // Back up: a later retry is stored and applied.
  cluster_.SetAllBrokers(true);
  std::vector<std::string> applied;
  for (int i = 0; i < 400 && applied.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    clock.Advance(hub::JournalProposals::kFirstRetry);
    proposals.RetryDue();
    applied = a.agreements();
  }
  ASSERT_FALSE(applied.empty()) << "never applied after " << proposals.retries() << " retries";
  EXPECT_GE(proposals.retries(), 2u);
  for (const std::string& doc : applied) EXPECT_EQ(doc, "id: isa-retried\n");
  EXPECT_FALSE(answered.HasBeenNotified());  // answered when applied, by the hub (Resolve)
  proposals.FailAll(absl::CancelledError("test over"));
  EXPECT_TRUE(answered.HasBeenNotified());
}

TEST(JournalFormTest, SplitsAndRestoresOutcomes) {
  StageOutcome o = Outcome("d", 100, 100);
  auto parts = hub::ToJournal(o, 5000);
  ASSERT_GT(parts.size(), 1u);
  size_t disclosures = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i].quarantined_size(), i == 0 ? 1 : 0);
    auto back = hub::FromJournal(parts[i]);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->decided_at, o.decided_at);
    for (const auto& d : back->disclosures) {
      EXPECT_EQ(d.serialized, o.disclosures[disclosures].serialized);
      EXPECT_EQ(d.ledger_entry, o.disclosures[disclosures].ledger_entry);
      EXPECT_EQ(d.record.delivery_id(), o.disclosures[disclosures].record.delivery_id());
      ++disclosures;
    }
  }
  EXPECT_EQ(disclosures, 100u);
  EXPECT_TRUE(hub::ToJournal(StageOutcome{}, 5000).empty());
  v1::PolicyOutcome bad;
  bad.add_disclosures()->set_cleaned_record("\xff\xff not a record");
  EXPECT_EQ(hub::FromJournal(bad).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace accord::testing
