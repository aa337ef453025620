#include "accord/hub/core/rocksdb_ingest_log.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/synchronization/notification.h"
#include "accord/base/clock.h"
#include "core_test_util.h"
#include "gtest/gtest.h"
#include "rocksdb/iterator.h"

namespace accord::hub {
namespace {

using testing::OpenDb;
using testing::TempDir;

v1::Record MakeRecord(const std::string& provider, const std::string& id) {
  v1::Record r;
  r.set_provider(provider);
  r.set_dataset("incidents");
  r.set_dataset_version(1);
  r.set_record_id(id);
  return r;
}

struct AppendResult {
  absl::Status status;
  std::vector<IngestLog::Outcome> outcomes;
};

// Appends `records` and waits for the durable outcome. `with_bytes`: the
// batch also carries each record serialized (as Publish hands them over).
AppendResult Append(IngestLog* log, std::vector<v1::Record> records, bool with_bytes = false) {
  AppendResult result;
  absl::Notification done;
  IngestLog::Batch batch;
  batch.records = std::move(records);
  if (with_bytes) {
    for (const v1::Record& r : batch.records) batch.serialized.push_back(r.SerializeAsString());
  }
  batch.done = [&](absl::Status s, const std::vector<IngestLog::Outcome>& o) {
    result.status = s;
    result.outcomes = o;
    done.Notify();
  };
  EXPECT_TRUE(log->TryAppend(batch));
  done.WaitForNotification();
  return result;
}

std::unique_ptr<RocksDbIngestLog> OpenLog(HubDb* db, size_t tail_records = RocksDbIngestLogOptions().tail_records,
                                          const base::Clock* clock = nullptr, RecordPool* pool = nullptr) {
  RocksDbIngestLogOptions options;
  options.tail_records = tail_records;
  options.clock = clock;
  options.record_pool = pool;
  options.dedupe_key = std::string(32, 'd');
  options.quarantine_key = std::string(32, 'q');
  options.record_key = std::string(32, 'r');
  auto log = RocksDbIngestLog::Open(db, options);
  EXPECT_TRUE(log.ok()) << log.status();
  return std::move(log).value();
}

TEST(RocksDbIngestLogTest, OptionsAreValidated) {
  RocksDbIngestLogOptions options;
  EXPECT_FALSE(options.Validate().ok());  // no dedupe key
  options.dedupe_key = std::string(31, 'd');
  options.quarantine_key = std::string(32, 'q');
  options.record_key = std::string(32, 'r');
  EXPECT_FALSE(options.Validate().ok());
  options.dedupe_key = std::string(32, 'd');
  EXPECT_TRUE(options.Validate().ok());
  options.quarantine_key = std::string(31, 'q');
  EXPECT_FALSE(options.Validate().ok());
  options.record_key = std::string(16, 'r');
  EXPECT_FALSE(options.Validate().ok());
  options.quarantine_key = std::string(32, 'q');
  options.record_key = std::string(32, 'r');
  options.quarantine_retention = absl::ZeroDuration();
  EXPECT_FALSE(options.Validate().ok());
  options.quarantine_retention = absl::Hours(1);
  options.max_queued_batches = 0;
  EXPECT_FALSE(options.Validate().ok());
  options.max_queued_batches = 1;
  options.max_backlog_records = 0;
  EXPECT_FALSE(options.Validate().ok());
}

// Appends one record, consumes it and quarantines it, then closes the log.
void QuarantineOne(HubDb* db, const std::string& id) {
  auto log = OpenLog(db);
  ASSERT_TRUE(Append(log.get(), {MakeRecord("police", id)}).status.ok());
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 1, &entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_TRUE(log->Quarantine({{&entries[0], "why"}}).ok());
  // Consumed as the policy stage does: the position commits with the outcome.
  rocksdb::WriteBatch wb;
  log->StageConsumed(entries, &wb);
  ASSERT_TRUE(db->WriteSync(&wb).ok());
  ASSERT_TRUE(log->Consumed(entries).ok());
}

TEST(RocksDbIngestLogTest, QuarantinedRecordsAreKeptSealedUntilTheirRetention) {
  TempDir dir;
  const absl::Time start = absl::Now();
  {
    auto db = OpenDb(dir.path());
    auto log = OpenLog(db.get());
    v1::Record secret = MakeRecord("police", "a");
    secret.add_fields()->mutable_value()->set_text("Jane Smith 07700 900123");
    ASSERT_TRUE(Append(log.get(), {secret, MakeRecord("police", "b")}).status.ok());
    std::vector<IngestLog::Entry> entries;
    ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 2, &entries).ok());
    ASSERT_EQ(entries.size(), 2u);
    ASSERT_TRUE(log->Quarantine({{&entries[0], "field 'x': not processable"}}).ok());
    rocksdb::WriteBatch wb;
    log->StageConsumed(entries, &wb);
    ASSERT_TRUE(db->WriteSync(&wb).ok());
    ASSERT_TRUE(log->Consumed(entries).ok());

    auto kept = log->KeptQuarantine();
    ASSERT_TRUE(kept.ok()) << kept.status();
    ASSERT_EQ(kept->size(), 1u);
    EXPECT_EQ((*kept)[0].offset, entries[0].offset);
    EXPECT_EQ((*kept)[0].record, entries[0].stored) << "the bytes Poll opened, sealed again under the quarantine key";
    v1::Record kept_record;
    ASSERT_TRUE(kept_record.ParseFromString((*kept)[0].record));
    EXPECT_EQ(kept_record.SerializeAsString(), entries[0].record.SerializeAsString());
    EXPECT_GE((*kept)[0].quarantined_at, start - absl::Seconds(1));
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(HubDb::kQuarantine));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      EXPECT_EQ(it->value().ToString().find("Jane"), std::string::npos) << "a kept record is in clear";
    }
    // Still there within the 30 days, gone after them.
    ASSERT_TRUE(log->SweepQuarantine(absl::Now() + absl::Hours(24 * 29)).ok());
    EXPECT_EQ(log->KeptQuarantine()->size(), 1u);
  }
  {
    auto db = OpenDb(dir.path());
    auto log = OpenLog(db.get());  // kept across a restart
    EXPECT_EQ(log->KeptQuarantine()->size(), 1u);
    ASSERT_TRUE(log->SweepQuarantine(absl::Now() + absl::Hours(24 * 31)).ok());
    EXPECT_TRUE(log->KeptQuarantine()->empty());
  }
  {
    // A shorter retention at the next start sweeps at once.
    auto db = OpenDb(dir.path());
    QuarantineOne(db.get(), "c");
    // Reopened 20 ms later by its clock.
    base::ManualClock later(absl::Now() + absl::Milliseconds(20));
    RocksDbIngestLogOptions options;
    options.clock = &later;
    options.dedupe_key = std::string(32, 'd');
    options.quarantine_key = std::string(32, 'q');
    options.record_key = std::string(32, 'r');
    options.quarantine_retention = absl::Milliseconds(10);
    auto reopened = RocksDbIngestLog::Open(db.get(), options);
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    EXPECT_TRUE((*reopened)->KeptQuarantine()->empty());
  }
  {
    // Under another key, kept records do not open (and say so).
    auto db = OpenDb(dir.path());
    QuarantineOne(db.get(), "d");
    RocksDbIngestLogOptions options;
    options.dedupe_key = std::string(32, 'd');
    options.quarantine_key = std::string(32, 'x');
    options.record_key = std::string(32, 'r');
    auto other = RocksDbIngestLog::Open(db.get(), options);
    ASSERT_TRUE(other.ok()) << other.status();
    EXPECT_TRUE(absl::IsDataLoss((*other)->KeptQuarantine().status()));
  }
}

TEST(RocksDbIngestLogTest, BacklogLimitRefusesUntilThePolicyStageCatchesUp) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  RocksDbIngestLogOptions options;
  options.dedupe_key = std::string(32, 'd');
  options.quarantine_key = std::string(32, 'q');
  options.record_key = std::string(32, 'r');
  options.max_backlog_records = 3;
  auto log = RocksDbIngestLog::Open(db.get(), options);
  ASSERT_TRUE(log.ok()) << log.status();
  auto r = Append(log->get(), {MakeRecord("police", "a"), MakeRecord("police", "b"),
                               MakeRecord("police", "c")});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ((*log)->backlog(), 3u);
  EXPECT_TRUE((*log)->Full()) << "the hint a Publish stream refuses a batch unread on";
  IngestLog::Batch refused;
  refused.records.push_back(MakeRecord("police", "d"));
  refused.done = [](absl::Status, const std::vector<IngestLog::Outcome>&) { ADD_FAILURE() << "refused batch ran"; };
  EXPECT_FALSE((*log)->TryAppend(refused));
  EXPECT_EQ(refused.records.size(), 1u) << "a refused batch stays with the caller";
  // The policy stage consumes two: room again.
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE((*log)->Poll(absl::ZeroDuration(), 2, &entries).ok());
  rocksdb::WriteBatch wb;
  (*log)->StageConsumed(entries, &wb);
  ASSERT_TRUE(db->WriteSync(&wb).ok());
  ASSERT_TRUE((*log)->Consumed(entries).ok());
  EXPECT_FALSE((*log)->Full());
  r = Append(log->get(), {MakeRecord("police", "d")});
  EXPECT_TRUE(r.status.ok());
  (*log)->Stop();
}

TEST(RocksDbIngestLogTest, AppendsDeduplicatesPollsAndConsumesAcrossRestarts) {
  TempDir dir;
  {
    auto db = OpenDb(dir.path());
    auto log = OpenLog(db.get());
    auto r = Append(log.get(), {MakeRecord("police", "a"), MakeRecord("police", "b"),
                                MakeRecord("police", "a"), MakeRecord("health", "a")});
    ASSERT_TRUE(r.status.ok()) << r.status;
    using O = IngestLog::Outcome;
    EXPECT_EQ(r.outcomes, (std::vector<O>{O::kAccepted, O::kAccepted, O::kDuplicate, O::kAccepted}));
    EXPECT_EQ(log->last_offset(), 3u);
    EXPECT_EQ(log->backlog(), 3u);

    std::vector<IngestLog::Entry> entries;
    ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 2, &entries).ok());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].offset, 1u);
    EXPECT_EQ(entries[1].offset, 2u);
    EXPECT_EQ(entries[1].record.record_id(), "b") << "decoded by Poll";
    // Consume the first two atomically with an "outcome".
    rocksdb::WriteBatch wb;
    log->StageConsumed(entries, &wb);
    ASSERT_TRUE(db->WriteSync(&wb).ok());
    ASSERT_TRUE(log->Consumed(entries).ok());
    EXPECT_EQ(log->backlog(), 1u);
    // The raw records of consumed offsets are gone.
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(HubDb::kIngest));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(DecodeU64(it->key().ToStringView()), 3u);
    log->Stop();
  }
  {
    // After a restart: the same ids are still duplicates, and polling resumes
    // after the consumed position.
    auto db = OpenDb(dir.path());
    auto log = OpenLog(db.get());
    EXPECT_EQ(log->last_offset(), 3u);
    EXPECT_EQ(log->consumed_offset(), 2u);
    auto r = Append(log.get(), {MakeRecord("police", "b"), MakeRecord("police", "c")});
    ASSERT_TRUE(r.status.ok());
    EXPECT_EQ(r.outcomes[0], IngestLog::Outcome::kDuplicate);
    EXPECT_EQ(r.outcomes[1], IngestLog::Outcome::kAccepted);
    std::vector<IngestLog::Entry> entries;
    ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 100, &entries).ok());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].offset, 3u);
    EXPECT_EQ(entries[1].offset, 4u);
    // Polling again continues after what was polled.
    ASSERT_TRUE(log->Poll(absl::Milliseconds(10), 100, &entries).ok());
    EXPECT_TRUE(entries.empty());
  }
}

TEST(RocksDbIngestLogTest, UnconsumedRecordsArePolledAgainAfterRestart) {
  TempDir dir;
  {
    auto db = OpenDb(dir.path());
    auto log = OpenLog(db.get());
    ASSERT_TRUE(Append(log.get(), {MakeRecord("police", "a"), MakeRecord("police", "b")}).status.ok());
    std::vector<IngestLog::Entry> entries;
    ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 10, &entries).ok());
    EXPECT_EQ(entries.size(), 2u);
    // Crash before the outcome is written: nothing consumed.
  }
  auto db = OpenDb(dir.path());
  auto log = OpenLog(db.get());
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 10, &entries).ok());
  EXPECT_EQ(entries.size(), 2u);
}

TEST(RocksDbIngestLogTest, PollWakesWhenRecordsArrive) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  auto log = OpenLog(db.get());
  std::thread appender([&] {
    absl::SleepFor(absl::Milliseconds(50));
    Append(log.get(), {MakeRecord("police", "late")});
  });
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::Seconds(30), 10, &entries).ok());
  appender.join();
  EXPECT_EQ(entries.size(), 1u);
}

TEST(RocksDbIngestLogTest, FullQueueRefusesAndStopFailsWhatWaits) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  RocksDbIngestLogOptions options;
  options.dedupe_key = std::string(32, 'd');
  options.quarantine_key = std::string(32, 'q');
  options.record_key = std::string(32, 'r');
  options.max_queued_batches = 1;
  auto log = RocksDbIngestLog::Open(db.get(), options);
  ASSERT_TRUE(log.ok());
  // Flood: some TryAppend calls must be refused (bounded queue), and every
  // accepted batch completes exactly once, OK or UNAVAILABLE.
  std::atomic<int> completed{0}, refused{0};
  int accepted = 0;
  for (int i = 0; i < 200; ++i) {
    IngestLog::Batch b;
    for (int k = 0; k < 50; ++k) b.records.push_back(MakeRecord("police", std::to_string(i * 50 + k)));
    b.done = [&](absl::Status, const std::vector<IngestLog::Outcome>&) { completed.fetch_add(1); };
    if ((*log)->TryAppend(b)) {
      ++accepted;
    } else {
      refused.fetch_add(1);
      EXPECT_EQ(b.records.size(), 50u) << "a refused batch is left untouched";
    }
  }
  (*log)->Stop();
  EXPECT_GT(refused.load(), 0);
  EXPECT_EQ(completed.load(), accepted);
  IngestLog::Batch late;
  late.records.push_back(MakeRecord("police", "late"));
  late.done = [](absl::Status, const std::vector<IngestLog::Outcome>&) {};
  EXPECT_FALSE((*log)->TryAppend(late));
}

// Every file under `dir` (WAL, SST, MANIFEST, OPTIONS...) that contains `needle`.
std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) hits.push_back(e.path().string());
  }
  return hits;
}

TEST(RocksDbIngestLogTest, RawRecordsAreSealedBeforeTheyReachRocksDb) {
  TempDir dir;
  const std::string kName = "Zebedee Quixotic-Planted";
  const std::string kId = "PLANTED-RECORD-ID-48151623";
  {
    auto db = OpenDb(dir.path());
    auto log = OpenLog(db.get());
    v1::Record r = MakeRecord("police", kId);
    r.add_fields()->mutable_value()->set_text(kName);
    ASSERT_TRUE(Append(log.get(), {r}).status.ok());
    // Also through the bytes-as-received path the Publish reactor uses.
    v1::Record r2 = MakeRecord("police", kId + "-2");
    r2.add_fields()->mutable_value()->set_text(kName);
    ASSERT_TRUE(Append(log.get(), {r2}, /*with_bytes=*/true).status.ok());
    // The WAL (the records are not flushed yet) holds no plaintext.
    EXPECT_TRUE(FilesContaining(dir.path(), kName).empty());
    EXPECT_TRUE(FilesContaining(dir.path(), kId).empty());
    // Nor any SST after a flush.
    ASSERT_TRUE(db->Flush(HubDb::kIngest).ok());
    EXPECT_TRUE(FilesContaining(dir.path(), kName).empty());
    EXPECT_TRUE(FilesContaining(dir.path(), kId).empty());
    // The consumer reads them back as they were sent.
    std::vector<IngestLog::Entry> entries;
    ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 10, &entries).ok());
    ASSERT_EQ(entries.size(), 2u);
    const v1::Record& back = entries[0].record;
    EXPECT_EQ(back.record_id(), kId);
    EXPECT_EQ(back.fields(0).value().text(), kName);
    EXPECT_EQ(entries[1].record.SerializeAsString(), r2.SerializeAsString());
    EXPECT_EQ(entries[1].stored, r2.SerializeAsString()) << "the opened bytes, kept for a quarantine";
    log->Stop();
  }
  // Closed (the WAL and the memtables are in SST files now): still nothing in clear.
  EXPECT_TRUE(FilesContaining(dir.path(), kName).empty());
  EXPECT_TRUE(FilesContaining(dir.path(), kId).empty());
}

TEST(RocksDbIngestLogTest, ASealedRecordOpensOnlyAtItsOffsetAndUnderItsKey) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  {
    auto log = OpenLog(db.get());
    ASSERT_TRUE(Append(log.get(), {MakeRecord("police", "a"), MakeRecord("police", "b")}).status.ok());
    log->Stop();
  }
  // Swap the two stored values: each is bound to its offset.
  auto first = db->Get(HubDb::kIngest, EncodeU64(1));
  auto second = db->Get(HubDb::kIngest, EncodeU64(2));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ((*first)[0], '\x01');
  rocksdb::WriteBatch wb;
  wb.Put(db->cf(HubDb::kIngest), EncodeU64(1), *second);
  wb.Put(db->cf(HubDb::kIngest), EncodeU64(2), *first);
  // And a record stored before sealing existed, in clear, at offset 3.
  wb.Put(db->cf(HubDb::kIngest), EncodeU64(3), MakeRecord("police", "legacy").SerializeAsString());
  wb.Put(db->cf(HubDb::kMeta), "ingest_last", EncodeU64(3));
  ASSERT_TRUE(db->WriteSync(&wb).ok());
  auto log = OpenLog(db.get());
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 10, &entries).ok());
  ASSERT_EQ(entries.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(entries[i].record.ByteSizeLong(), 0u);
    EXPECT_NE(entries[i].unreadable_reason.find("does not authenticate"), std::string::npos);
    EXPECT_FALSE(entries[i].stored.empty()) << "kept as stored, for the quarantine";
  }
  EXPECT_TRUE(entries[2].unreadable_reason.empty());
  EXPECT_EQ(entries[2].record.record_id(), "legacy");
  log->Stop();
  // Under another key nothing opens.
  RocksDbIngestLogOptions other;
  other.dedupe_key = std::string(32, 'd');
  other.quarantine_key = std::string(32, 'q');
  other.record_key = std::string(32, 'X');
  wb.Clear();
  wb.Put(db->cf(HubDb::kIngest), EncodeU64(1), *first);
  ASSERT_TRUE(db->WriteSync(&wb).ok());
  auto wrong = RocksDbIngestLog::Open(db.get(), other);
  ASSERT_TRUE(wrong.ok());
  ASSERT_TRUE((*wrong)->Poll(absl::ZeroDuration(), 1, &entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_FALSE(entries[0].unreadable_reason.empty());
  (*wrong)->Stop();
}

// The offsets of the raw records still stored.
std::vector<uint64_t> StoredOffsets(HubDb* db) {
  std::vector<uint64_t> out;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(HubDb::kIngest));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(DecodeU64(it->key().ToStringView()));
  return out;
}

// Polls one record and consumes it with its own WriteBatch.
void ConsumeOne(HubDb* db, RocksDbIngestLog* log) {
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 1, &entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  rocksdb::WriteBatch wb;
  log->StageConsumed(entries, &wb);
  ASSERT_TRUE(db->WriteSync(&wb).ok());
  ASSERT_TRUE(log->Consumed(entries).ok());
}

// Poll decodes each record once (opened and parsed) into the entries it is
// given, reusing them: nothing of an earlier batch's records is left in a
// reused entry. A stored record that does not parse is unreadable, kept as
// opened for the quarantine.
TEST(RocksDbIngestLogTest, PollDecodesOnceIntoReusedEntries) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  auto log = OpenLog(db.get());
  v1::Record big = MakeRecord("police", "a");
  for (int i = 0; i < 5; ++i) {
    auto* f = big.add_fields();
    f->set_name("f");
    f->mutable_value()->set_text("value");
  }
  ASSERT_TRUE(Append(log.get(), {big, MakeRecord("police", "b"), MakeRecord("police", "c")}).status.ok());
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 2, &entries).ok());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].record.record_id(), "a");
  EXPECT_EQ(entries[0].record.fields_size(), 5);
  EXPECT_EQ(entries[1].record.record_id(), "b");
  EXPECT_EQ(entries[0].stored, big.SerializeAsString());
  ASSERT_TRUE(log->Consumed(entries).ok());
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 2, &entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].offset, 3u);
  EXPECT_EQ(entries[0].record.record_id(), "c");
  EXPECT_EQ(entries[0].record.fields_size(), 0) << "nothing of the reused entry's record is left";
  EXPECT_EQ(entries[0].record.SerializeAsString(), MakeRecord("police", "c").SerializeAsString());
  ASSERT_TRUE(log->Consumed(entries).ok());
  log->Stop();
  // A value from before sealing that is not a record.
  rocksdb::WriteBatch wb;
  wb.Put(db->cf(HubDb::kIngest), EncodeU64(4), std::string("\x02\xff\xff garbage"));
  wb.Put(db->cf(HubDb::kMeta), "ingest_last", EncodeU64(4));
  wb.Put(db->cf(HubDb::kMeta), "policy_offset", EncodeU64(3));
  ASSERT_TRUE(db->WriteSync(&wb).ok());
  auto reopened = OpenLog(db.get());
  ASSERT_TRUE(reopened->Poll(absl::ZeroDuration(), 2, &entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].unreadable_reason, "stored record does not parse");
  EXPECT_EQ(entries[0].stored, std::string("\x02\xff\xff garbage"));
  reopened->Stop();
}

// The writer hands what it stored to Poll() in memory while the tail has
// room; the rest comes from storage; either way Poll() returns the same.
TEST(RocksDbIngestLogTest, TheLiveTailHandsOverWhatWasStoredAndStorageServesTheRest) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  auto log = OpenLog(db.get(), /*tail_records=*/3);
  std::vector<v1::Record> sent;
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    v1::Record r = MakeRecord("police", id);
    auto* f = r.add_fields();
    f->set_name("narrative");
    f->mutable_value()->set_text(std::string("text of ") + id);
    sent.push_back(r);
  }
  ASSERT_TRUE(Append(log.get(), sent, /*with_bytes=*/true).status.ok());

  auto expect_sent = [&](const std::vector<IngestLog::Entry>& entries) {
    for (const IngestLog::Entry& e : entries) {
      ASSERT_GE(e.offset, 1u);
      ASSERT_LE(e.offset, sent.size());
      const v1::Record& want = sent[e.offset - 1];
      EXPECT_TRUE(e.unreadable_reason.empty()) << e.unreadable_reason;
      EXPECT_EQ(e.record.SerializeAsString(), want.SerializeAsString()) << "offset " << e.offset;
      EXPECT_EQ(e.stored, want.SerializeAsString()) << "offset " << e.offset;
    }
  };
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 100, &entries).ok());
  ASSERT_EQ(entries.size(), 3u) << "the tail held the first three";
  EXPECT_EQ(entries[0].offset, 1u);
  expect_sent(entries);
  EXPECT_EQ(log->polled_from_tail(), 3u);
  EXPECT_EQ(log->polled_from_storage(), 0u);
  ASSERT_TRUE(log->Consumed(entries).ok());
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 100, &entries).ok());
  ASSERT_EQ(entries.size(), 2u) << "the tail was full: the rest comes from storage";
  EXPECT_EQ(entries[0].offset, 4u);
  expect_sent(entries);
  EXPECT_EQ(log->polled_from_storage(), 2u);
  ASSERT_TRUE(log->Consumed(entries).ok());

  // Drained, the tail starts again with the next record stored.
  v1::Record f = MakeRecord("police", "f");
  sent.push_back(f);
  ASSERT_TRUE(Append(log.get(), {f}).status.ok());
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 100, &entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].offset, 6u);
  expect_sent(entries);  // serialized by the log itself: no bytes came with it
  EXPECT_EQ(log->polled_from_tail(), 4u);
  ASSERT_TRUE(log->Consumed(entries).ok());
  log->Stop();

  // Off: everything from storage, the same records.
  auto db2 = OpenDb((std::filesystem::path(dir.path()) / "off").string());
  auto off = OpenLog(db2.get(), /*tail_records=*/0);
  ASSERT_TRUE(Append(off.get(), {sent[0], sent[1]}).status.ok());
  ASSERT_TRUE(off->Poll(absl::ZeroDuration(), 100, &entries).ok());
  ASSERT_EQ(entries.size(), 2u);
  expect_sent(entries);
  EXPECT_EQ(off->polled_from_tail(), 0u);
  EXPECT_EQ(off->polled_from_storage(), 2u);
  off->Stop();
}

// With a RecordPool, Poll() gives the records its reused entries held (the
// consumer is done with them) to the pool, cleared, instead of destroying
// them; what it returns is the same.
TEST(RocksDbIngestLogTest, PollGivesTheRecordsItsEntriesHeldToThePool) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  RecordPool pool(16);
  auto log = OpenLog(db.get(), RocksDbIngestLogOptions().tail_records, nullptr, &pool);
  std::vector<v1::Record> sent;
  for (const char* id : {"a", "b", "c", "d"}) {
    v1::Record r = MakeRecord("police", id);
    r.mutable_event_time()->set_seconds(1700000000);
    auto* f = r.add_fields();
    f->set_name("narrative");
    f->mutable_value()->set_text(std::string("text of ") + id);
    sent.push_back(r);
  }
  ASSERT_TRUE(Append(log.get(), {sent[0], sent[1]}, /*with_bytes=*/true).status.ok());
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 100, &entries).ok());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(pool.size(), 0u) << "the entries held no record yet";
  ASSERT_TRUE(log->Consumed(entries).ok());
  ASSERT_TRUE(Append(log.get(), {sent[2], sent[3]}, /*with_bytes=*/true).status.ok());
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 100, &entries).ok());
  ASSERT_EQ(entries.size(), 2u);
  for (const IngestLog::Entry& e : entries) {
    EXPECT_EQ(e.record.SerializeAsString(), sent[e.offset - 1].SerializeAsString()) << "offset " << e.offset;
    EXPECT_EQ(e.stored, sent[e.offset - 1].SerializeAsString()) << "offset " << e.offset;
  }
  EXPECT_EQ(log->polled_from_tail(), 4u);
  ASSERT_EQ(pool.size(), 2u) << "a and b, which the entries held";
  std::vector<v1::Record> taken;
  pool.Take(2, &taken);
  for (const v1::Record& r : taken) {
    EXPECT_EQ(r.ByteSizeLong(), 0u) << "cleared";
    EXPECT_FALSE(r.has_event_time());
  }
  ASSERT_TRUE(log->Consumed(entries).ok());
  log->Stop();
}

// Records the live tail does not take (it is off here, or full while the
// consumer lags) go to the pool once their batch is answered, instead of
// being destroyed by the writer; the log still returns them from storage.
TEST(RocksDbIngestLogTest, TheWriterGivesRecordsTheTailDoesNotTakeToThePool) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  RecordPool pool(16);
  auto log = OpenLog(db.get(), /*tail_records=*/0, nullptr, &pool);
  std::vector<v1::Record> sent;
  for (const char* id : {"a", "b", "c"}) {
    v1::Record r = MakeRecord("police", id);
    auto* f = r.add_fields();
    f->set_name("narrative");
    f->mutable_value()->set_text(std::string("text of ") + id);
    sent.push_back(r);
  }
  ASSERT_TRUE(Append(log.get(), {sent[0], sent[1]}, /*with_bytes=*/true).status.ok());
  // The writer recycles a group after answering it and before taking the
  // next: once the next batch is answered, the first batch's records are in.
  ASSERT_TRUE(Append(log.get(), {sent[2]}, /*with_bytes=*/true).status.ok());
  EXPECT_GE(pool.size(), 2u);
  std::vector<v1::Record> taken;
  pool.Take(2, &taken);
  ASSERT_EQ(taken.size(), 2u);
  for (const v1::Record& r : taken) EXPECT_EQ(r.ByteSizeLong(), 0u) << "cleared";
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 100, &entries).ok());
  ASSERT_EQ(entries.size(), 3u);
  for (const IngestLog::Entry& e : entries) {
    EXPECT_EQ(e.record.SerializeAsString(), sent[e.offset - 1].SerializeAsString()) << "offset " << e.offset;
  }
  EXPECT_EQ(log->polled_from_storage(), 3u);
  ASSERT_TRUE(log->Consumed(entries).ok());
  log->Stop();
}

TEST(RocksDbIngestLogTest, ConsumedRawRecordsAreDeletedInRangesAtLeastEverySecond) {
  TempDir dir;
  base::ManualClock clock(absl::FromUnixSeconds(1764763200));
  {
    auto db = OpenDb(dir.path());
    auto log = OpenLog(db.get(), RocksDbIngestLogOptions().tail_records, &clock);
    ASSERT_TRUE(Append(log.get(), {MakeRecord("police", "a"), MakeRecord("police", "b"),
                                   MakeRecord("police", "c"), MakeRecord("police", "d")})
                    .status.ok());
    ConsumeOne(db.get(), log.get());  // the first commit after a start deletes
    EXPECT_EQ(StoredOffsets(db.get()), (std::vector<uint64_t>{2, 3, 4}));
    ConsumeOne(db.get(), log.get());  // within the second: kept for the next range
    EXPECT_EQ(StoredOffsets(db.get()), (std::vector<uint64_t>{2, 3, 4}));
    clock.Advance(RocksDbIngestLog::kDeleteEvery + absl::Milliseconds(100));
    ConsumeOne(db.get(), log.get());
    EXPECT_EQ(StoredOffsets(db.get()), (std::vector<uint64_t>{4}));
    ConsumeOne(db.get(), log.get());  // offset 4: consumed, not yet deleted
    EXPECT_EQ(StoredOffsets(db.get()), (std::vector<uint64_t>{4}));
    log->Stop();
  }
  {
    // What was consumed but not yet deleted before a stop goes with the
    // first commit after the restart.
    auto db = OpenDb(dir.path());
    auto log = OpenLog(db.get());
    ASSERT_TRUE(Append(log.get(), {MakeRecord("police", "e")}).status.ok());
    EXPECT_EQ(StoredOffsets(db.get()), (std::vector<uint64_t>{4, 5}));
    ConsumeOne(db.get(), log.get());
    EXPECT_TRUE(StoredOffsets(db.get()).empty());
  }
}

TEST(RocksDbIngestLogTest, ACorruptStoredPositionIsDataLossNotAGuess) {
  for (const char* key : {"ingest_last", "policy_offset"}) {
    TempDir dir;
    {
      auto db = OpenDb(dir.path());
      rocksdb::WriteBatch wb;
      wb.Put(db->cf(HubDb::kMeta), key, "abc");  // 3 bytes, not a u64
      ASSERT_TRUE(db->WriteSync(&wb).ok());
    }
    auto db = OpenDb(dir.path());
    RocksDbIngestLogOptions options;
    options.dedupe_key = std::string(32, 'k');
    options.quarantine_key = std::string(32, 'q');
    options.record_key = std::string(32, 'r');
    auto log = RocksDbIngestLog::Open(db.get(), options);
    ASSERT_FALSE(log.ok()) << key;
    EXPECT_TRUE(absl::IsDataLoss(log.status())) << log.status();
    EXPECT_NE(log.status().message().find(key), std::string_view::npos) << log.status();
  }
}

}  // namespace
}  // namespace accord::hub

namespace accord::hub {
namespace {

// Replays `kept` (one record each) as QuarantineService does; waits for the outcome.
AppendResult Replay(IngestLog* log, const std::vector<RocksDbIngestLog::KeptRecord>& kept) {
  AppendResult result;
  absl::Notification done;
  IngestLog::Batch batch;
  for (const auto& k : kept) {
    v1::Record r;
    EXPECT_TRUE(r.ParseFromString(k.record));
    batch.records.push_back(r);
    batch.serialized.push_back(k.record);
    batch.replays.push_back({k.offset, {k.key}});
  }
  batch.done = [&](absl::Status s, const std::vector<IngestLog::Outcome>& o) {
    result.status = s;
    result.outcomes = o;
    done.Notify();
  };
  EXPECT_TRUE(log->TryAppend(batch));
  done.WaitForNotification();
  return result;
}

// A kept record is re-appended once, without the dedupe check that a
// publisher's copy of the same id still gets, and leaves the kept set in the
// same write as it enters the log (its reason too). A second replay of the
// same kept copy, in the same batch or later, appends nothing.
TEST(RocksDbIngestLogTest, AReplayReappendsAKeptRecordOnceAndRemovesItInTheSameWrite) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  auto log = OpenLog(db.get());
  ASSERT_TRUE(Append(log.get(), {MakeRecord("police", "a"), MakeRecord("police", "b")}).status.ok());
  std::vector<IngestLog::Entry> entries;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 2, &entries).ok());
  ASSERT_EQ(entries.size(), 2u);
  ASSERT_TRUE(log->Quarantine({{&entries[0], "no flow"}}).ok());
  {
    rocksdb::WriteBatch wb;  // the committer's reason
    wb.Put(db->cf(HubDb::kQuarantine), EncodeU64(entries[0].offset), "no flow");
    ASSERT_TRUE(db->WriteSync(&wb).ok());
  }
  ASSERT_TRUE(log->Consumed(entries).ok());
  auto kept = log->KeptQuarantine();
  ASSERT_TRUE(kept.ok() && kept->size() == 1u);
  EXPECT_EQ(*log->KeptReason(entries[0].offset), "no flow");
  EXPECT_EQ(*log->QuarantinedEver("police"), 1u);

  // A publisher sending "a" again is still a duplicate.
  AppendResult again = Append(log.get(), {MakeRecord("police", "a")});
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.outcomes, std::vector<IngestLog::Outcome>{IngestLog::Outcome::kDuplicate});

  // Replayed twice in one batch: appended once.
  AppendResult replayed = Replay(log.get(), {(*kept)[0], (*kept)[0]});
  ASSERT_TRUE(replayed.status.ok()) << replayed.status;
  EXPECT_EQ(replayed.outcomes,
            (std::vector<IngestLog::Outcome>{IngestLog::Outcome::kAccepted, IngestLog::Outcome::kDuplicate}));
  EXPECT_TRUE(log->KeptQuarantine()->empty());
  EXPECT_TRUE(absl::IsNotFound(log->KeptReason(entries[0].offset).status()));
  std::vector<IngestLog::Entry> next;
  ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 10, &next).ok());
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].stored, (*kept)[0].record);
  EXPECT_EQ(next[0].record.record_id(), "a");
  EXPECT_GT(next[0].offset, entries[1].offset);

  // And again later: no longer kept, nothing appended.
  replayed = Replay(log.get(), {(*kept)[0]});
  ASSERT_TRUE(replayed.status.ok());
  EXPECT_EQ(replayed.outcomes, std::vector<IngestLog::Outcome>{IngestLog::Outcome::kDuplicate});
  EXPECT_EQ(log->last_offset(), next[0].offset);
  // The replayed record is a duplicate for publishers too.
  again = Append(log.get(), {MakeRecord("police", "a")});
  EXPECT_EQ(again.outcomes, std::vector<IngestLog::Outcome>{IngestLog::Outcome::kDuplicate});
}

// The consumer retries a batch whose commit failed (also after a restart):
// its quarantined records are kept, and counted, once.
TEST(RocksDbIngestLogTest, ARetriedQuarantineKeepsAndCountsEachRecordOnceAndTheSweepTakesTheReasons) {
  TempDir dir;
  auto db = OpenDb(dir.path());
  std::vector<IngestLog::Entry> entries;
  base::ManualClock clock(absl::Now());
  {
    auto log = OpenLog(db.get(), RocksDbIngestLogOptions().tail_records, &clock);
    ASSERT_TRUE(Append(log.get(), {MakeRecord("police", "a"), MakeRecord("nhs", "b")}).status.ok());
    ASSERT_TRUE(log->Poll(absl::ZeroDuration(), 2, &entries).ok());
    ASSERT_EQ(entries.size(), 2u);
    ASSERT_TRUE(log->Quarantine({{&entries[0], "x"}, {&entries[1], "y"}}).ok());
    clock.Advance(absl::Milliseconds(2));  // a later attempt has another quarantined-at time
    ASSERT_TRUE(log->Quarantine({{&entries[0], "x"}, {&entries[1], "y"}}).ok());
  }
  auto log = OpenLog(db.get(), RocksDbIngestLogOptions().tail_records, &clock);  // restarted before the commit: the same batch again
  ASSERT_TRUE(log->Quarantine({{&entries[0], "x"}, {&entries[1], "y"}}).ok());
  EXPECT_EQ(log->KeptQuarantine()->size(), 2u);
  EXPECT_EQ(*log->QuarantinedEver("police"), 1u);
  EXPECT_EQ(*log->QuarantinedEver("nhs"), 1u);
  EXPECT_EQ(*log->QuarantinedEver("someone-else"), 0u);
  size_t visited = 0;
  ASSERT_TRUE(log->ForEachKept([&](RocksDbIngestLog::KeptRecord& k) {
                   EXPECT_TRUE(k.opened);
                   uint64_t at_ms = 0, offset = 0;
                   EXPECT_TRUE(RocksDbIngestLog::DecodeKeptKey(k.key, &at_ms, &offset).ok());
                   EXPECT_EQ(offset, k.offset);
                   return ++visited < 1;  // stops when asked
                 })
                  .ok());
  EXPECT_EQ(visited, 1u);

  // Past retention, the kept copies and their reasons leave together; the
  // per-provider counts stay.
  rocksdb::WriteBatch wb;
  for (const auto& e : entries) wb.Put(db->cf(HubDb::kQuarantine), EncodeU64(e.offset), "why");
  ASSERT_TRUE(db->WriteSync(&wb).ok());
  ASSERT_TRUE(log->SweepQuarantine(absl::Now() + absl::Hours(24 * 31)).ok());
  EXPECT_TRUE(log->KeptQuarantine()->empty());
  for (const auto& e : entries) EXPECT_TRUE(absl::IsNotFound(log->KeptReason(e.offset).status()));
  EXPECT_EQ(*log->QuarantinedEver("police"), 1u);
}

}  // namespace
}  // namespace accord::hub
