#include "accord/hub/core/policy_stage.h"

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "accord/hub/core/feed_store.h"
#include "accord/hub/core/forwarding_ingest_log.h"
#include "accord/hub/core/ledger_store.h"
#include "accord/hub/core/period_keyring.h"
#include "accord/hub/core/rocksdb_ingest_log.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/policy_set.h"
#include "accord/policy/redactor.h"
#include "core_test_util.h"
#include "flow_test_data.h"
#include "gtest/gtest.h"
#include "rocksdb/iterator.h"

namespace accord::hub {
namespace {

using testing::OpenDb;
using testing::TempDir;

// Records what the stage staged into the audit store.
class CountingSink final : public DisclosureSink {
 public:
  absl::Status Stage(absl::Span<const Disclosure> disclosures, rocksdb::WriteBatch* batch) override {
    absl::MutexLock lock(&mu_);
    for (const Disclosure& d : disclosures) indices_.push_back(d.ledger_index);
    return absl::OkStatus();
  }
  std::vector<uint64_t> indices() const {
    absl::MutexLock lock(&mu_);
    return indices_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<uint64_t> indices_ ABSL_GUARDED_BY(mu_);
};

std::shared_ptr<const policy::PolicySet> LinkagePolicy() {
  auto parsed = policy::ParseAgreement(policy::testdata::LinkageAgreementYaml(), "test.yaml");
  if (!parsed.ok()) std::abort();
  auto agreement = std::make_shared<const policy::Agreement>(std::move(*parsed.agreement));
  auto set = policy::PolicySet::Build(
      {policy::ActiveAgreement{agreement, policy::Fingerprint(*agreement), std::string(32, 'k')}});
  if (!set.ok()) std::abort();
  return *set;
}

// Forwards to the embedded log and records what the stage quarantines.
class RecordingLog final : public ForwardingIngestLog {
 public:
  explicit RecordingLog(IngestLog* inner) : ForwardingIngestLog(inner) {}
  absl::Status Quarantine(const std::vector<QuarantinedEntry>& records) override {
    {
      absl::MutexLock lock(&mu_);
      for (const auto& q : records) quarantined_.emplace_back(q.entry->offset, q.reason);
    }
    return ForwardingIngestLog::Quarantine(records);
  }
  std::vector<std::pair<uint64_t, std::string>> quarantined() const {
    absl::MutexLock lock(&mu_);
    return quarantined_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::pair<uint64_t, std::string>> quarantined_ ABSL_GUARDED_BY(mu_);
};

// A hub pipeline without gRPC: ingest log -> policy stage -> feeds + ledger.
class Pipeline {
 public:
  Pipeline(const std::string& dir, size_t workers, bool dedupe_deliveries = false) {
    db_ = OpenDb(dir);
    RocksDbIngestLogOptions log_options;
    log_options.dedupe_key = std::string(32, 'd');
    log_options.quarantine_key = std::string(32, 'q');
    log_options.record_key = std::string(32, 'r');
    log_ = std::move(RocksDbIngestLog::Open(db_.get(), log_options)).value();
    recording_ = std::make_unique<RecordingLog>(log_.get());
    static const std::string pem = *ledger::GenerateSigningKeyPem();
    signer_ = std::move(ledger::TreeHeadSigner::FromPrivatePem(pem)).value();
    ledger_ = std::move(OpenDisclosureLedger(db_.get(), signer_.get())).value();
    keyring_ = std::move(PeriodKeyring::Open(db_.get(), std::string(32, 'k'),
                                             std::make_shared<ErasedRecordsFilter>()))
                   .value();
    feed_store_ = std::move(FeedStore::Open(db_.get(), keyring_.get())).value();
    PolicyStageOptions options;
    options.hub_instance = "test";
    options.workers = workers;
    options.max_batch = 64;  // several batches per test
    auto policy = LinkagePolicy();
    committer_ = std::move(OutcomeCommitter::Open(db_.get(), ledger_.get(), feed_store_.get(), &sink_, &feeds_,
                                                  dedupe_deliveries, &commit_stats_))
                     .value();
    stage_ = std::move(PolicyStage::Start(recording_.get(), committer_.get(), [policy] { return policy; },
                                          std::move(policy::Redactor::Create()).value(), options))
                 .value();
  }
  ~Pipeline() {
    log_->Stop();
    stage_->Stop();
  }

  void Publish(int from, int to) {
    IngestLog::Batch batch;
    for (int i = from; i < to; ++i) {
      batch.records.push_back(policy::testdata::TypicalRecord(i % 2 ? "herts-police" : "nhs-lister-ae", i));
    }
    absl::Notification done;
    batch.done = [&](absl::Status s, const std::vector<IngestLog::Outcome>&) {
      EXPECT_TRUE(s.ok()) << s;
      done.Notify();
    };
    ASSERT_TRUE(log_->TryAppend(batch));
    done.WaitForNotification();
  }

  // Waits until the stage consumed everything appended.
  void Drain() {
    for (int i = 0; i < 3000 && log_->backlog() > 0; ++i) absl::SleepFor(absl::Milliseconds(10));
    ASSERT_EQ(log_->backlog(), 0u);
  }

  // Waits until the stage has polled the log `n` times and found nothing.
  void AwaitEmptyPolls(uint64_t n) {
    for (int i = 0; i < 3000 && stage_->empty_polls() < n; ++i) absl::SleepFor(absl::Milliseconds(10));
    ASSERT_GE(stage_->empty_polls(), n);
  }

  // The recipient's feed, in position order (positions 1, 2, 3, ...).
  std::vector<std::string> Feed(const std::string& recipient) {
    std::vector<std::string> out;
    FeedStore::Reader reader = feed_store_->NewReader();
    auto read = reader.Read(recipient, 0, feed_store_->Head(recipient), SIZE_MAX,
                            [&](uint64_t position, std::string_view plain) {
                              EXPECT_EQ(position, out.size() + 1);
                              out.emplace_back(plain);
                              return true;
                            });
    EXPECT_TRUE(read.ok()) << read.status();
    return out;
  }

  HubDb* db() { return db_.get(); }
  RocksDbIngestLog* log() { return log_.get(); }
  const RecordingLog& recording() const { return *recording_; }
  ledger::MerkleLog* ledger() { return ledger_.get(); }
  const CountingSink& sink() const { return sink_; }
  const PolicyStage& stage() const { return *stage_; }
  // What the committer (the stage's sink) counted.
  const PipelineStats& commit_stats() const { return commit_stats_; }

 private:
  std::unique_ptr<HubDb> db_;
  std::unique_ptr<RocksDbIngestLog> log_;
  std::unique_ptr<RecordingLog> recording_;
  std::unique_ptr<ledger::TreeHeadSigner> signer_;
  std::unique_ptr<ledger::MerkleLog> ledger_;
  std::unique_ptr<PeriodKeyring> keyring_;
  std::unique_ptr<FeedStore> feed_store_;
  CountingSink sink_;
  FeedNotifier feeds_;
  PipelineStats commit_stats_;
  std::unique_ptr<OutcomeCommitter> committer_;
  std::unique_ptr<PolicyStage> stage_;
};

TEST(PolicyStageTest, ParallelWorkersProduceExactlyTheSerialOutputInOrder) {
  TempDir serial_dir, parallel_dir;
  std::vector<std::string> serial_feed, parallel_feed;
  {
    Pipeline p(serial_dir.path(), 1);
    p.Publish(0, 150);
    p.Publish(150, 300);
    p.Drain();
    serial_feed = p.Feed("csp-herts-analyst");
    EXPECT_EQ(p.ledger()->size(), serial_feed.size());
  }
  {
    Pipeline p(parallel_dir.path(), 3);
    p.Publish(0, 150);
    p.Publish(150, 300);
    p.Drain();
    parallel_feed = p.Feed("csp-herts-analyst");
    EXPECT_EQ(p.ledger()->size(), parallel_feed.size());
    // The audit store got every disclosure with consecutive ledger indices.
    auto indices = p.sink().indices();
    ASSERT_EQ(indices.size(), parallel_feed.size());
    for (size_t i = 0; i < indices.size(); ++i) EXPECT_EQ(indices[i], i);
    EXPECT_EQ(p.stage().stats().records.load(), 300u);
  }
  ASSERT_EQ(serial_feed.size(), 300u);  // one flow per provider, one recipient
  EXPECT_EQ(serial_feed, parallel_feed);
}

TEST(PolicyStageTest, UnreadableRecordIsQuarantinedWithoutValuesAndTheRestFlow) {
  TempDir dir;
  {
    // Offsets 1..3 in the ingest log: a good record, garbage, a good record.
    auto db = OpenDb(dir.path());
    rocksdb::WriteBatch wb;
    std::string good1, good3;
    policy::testdata::TypicalRecord("herts-police", 1).SerializeToString(&good1);
    policy::testdata::TypicalRecord("herts-police", 3).SerializeToString(&good3);
    wb.Put(db->cf(HubDb::kIngest), EncodeU64(1), good1);
    wb.Put(db->cf(HubDb::kIngest), EncodeU64(2), std::string("\xff\xff\xff not a record"));
    wb.Put(db->cf(HubDb::kIngest), EncodeU64(3), good3);
    wb.Put(db->cf(HubDb::kMeta), "ingest_last", EncodeU64(3));
    ASSERT_TRUE(db->WriteSync(&wb).ok());
  }
  Pipeline p(dir.path(), 2);
  p.Drain();
  EXPECT_EQ(p.Feed("csp-herts-analyst").size(), 2u);
  EXPECT_EQ(p.commit_stats().quarantined.load(), 1u);
  auto reason = p.db()->Get(HubDb::kQuarantine, EncodeU64(2));
  ASSERT_TRUE(reason.ok()) << reason.status();
  EXPECT_EQ(*reason, "stored record does not parse");
  // The log was given the record to keep, and keeps it sealed: an accepted
  // record is never lost with the consumed raw records.
  EXPECT_EQ(p.recording().quarantined(),
            (std::vector<std::pair<uint64_t, std::string>>{{2, "stored record does not parse"}}));
  auto kept = p.log()->KeptQuarantine();
  ASSERT_TRUE(kept.ok()) << kept.status();
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].offset, 2u);
  EXPECT_EQ((*kept)[0].record, "\xff\xff\xff not a record");
  {
    std::unique_ptr<rocksdb::Iterator> q(
        p.db()->NewIterator(HubDb::kQuarantine));
    for (q->SeekToFirst(); q->Valid(); q->Next()) {
      EXPECT_EQ(q->value().ToString().find("not a record"), std::string::npos) << "kept in clear";
    }
  }
  // The raw records, the garbage included, are gone once processed.
  std::unique_ptr<rocksdb::Iterator> it(
      p.db()->NewIterator(HubDb::kIngest));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
}

TEST(PolicyStageTest, RestartNeverReprocessesWhatWasCommitted) {
  TempDir dir;
  uint64_t ledger_size = 0;
  {
    Pipeline p(dir.path(), 2);
    p.Publish(0, 100);
    p.Drain();
    ledger_size = p.ledger()->size();
    EXPECT_EQ(ledger_size, 100u);
  }
  {
    Pipeline p(dir.path(), 2);
    // Two polls found nothing: a stage that wrongly resumed before its
    // committed position would have been handed those records, and applied
    // the flows to them, before the first.
    p.AwaitEmptyPolls(2);
    EXPECT_EQ(p.stage().stats().records.load(), 0u);
    EXPECT_EQ(p.ledger()->size(), ledger_size);
    p.Publish(100, 120);
    p.Drain();
    EXPECT_EQ(p.ledger()->size(), 120u);
    EXPECT_EQ(p.Feed("csp-herts-analyst").size(), 120u);
  }
}

// With an at-least-once log, the same record may be delivered twice (in one
// batch or after a restart): each disclosure still appears exactly once.
TEST(PolicyStageTest, RedeliveredRecordsAreDisclosedOnceWithDeliveryDedupe) {
  TempDir dir;
  std::string same;
  policy::testdata::TypicalRecord("herts-police", 7).SerializeToString(&same);
  auto write_raw = [&](uint64_t from, uint64_t to) {
    auto db = OpenDb(dir.path());
    rocksdb::WriteBatch wb;
    for (uint64_t o = from; o <= to; ++o) wb.Put(db->cf(HubDb::kIngest), EncodeU64(o), same);
    wb.Put(db->cf(HubDb::kMeta), "ingest_last", EncodeU64(to));
    ASSERT_TRUE(db->WriteSync(&wb).ok());
  };
  write_raw(1, 3);  // three deliveries of one record in one batch
  {
    Pipeline p(dir.path(), 2, /*dedupe_deliveries=*/true);
    p.Drain();
    EXPECT_EQ(p.Feed("csp-herts-analyst").size(), 1u);
    EXPECT_EQ(p.ledger()->size(), 1u);
    EXPECT_EQ(p.commit_stats().duplicates_skipped.load(), 2u);
  }
  write_raw(4, 4);  // and again after a restart
  {
    Pipeline p(dir.path(), 2, /*dedupe_deliveries=*/true);
    p.Drain();
    EXPECT_EQ(p.Feed("csp-herts-analyst").size(), 1u);
    EXPECT_EQ(p.ledger()->size(), 1u);
    EXPECT_EQ(p.commit_stats().duplicates_skipped.load(), 1u);
  }
}

}  // namespace
}  // namespace accord::hub
