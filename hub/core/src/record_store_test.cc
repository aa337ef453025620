#include "accord/hub/core/record_store.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "core_test_util.h"
#include "flow_test_data.h"
#include "gtest/gtest.h"
#include "rocksdb/iterator.h"

namespace accord::hub {
namespace {

using testing::TempDir;

constexpr char kAgreement[] = "isa-test-linkage";  // retention_days: 730
constexpr char kMarker[] = "VISIBLE-ONLY-IF-UNSEALED";

struct Store {
  std::shared_ptr<ErasedRecordsFilter> filter = std::make_shared<ErasedRecordsFilter>();
  std::unique_ptr<HubDb> db;
  std::unique_ptr<RecordStore> records;

  explicit Store(const std::string& dir) {
    HubDbOptions options;
    options.path = dir + "/db";
    options.block_cache_bytes = 8u << 20;
    options.write_buffer_bytes = 4u << 20;
    options.memtable_budget_bytes = 16u << 20;
    options.records_filter = filter;
    auto opened = HubDb::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status();
    db = std::move(opened).value();
    auto store = RecordStore::Open(db.get(), std::string(64, 's'), filter);
    EXPECT_TRUE(store.ok()) << store.status();
    records = std::move(store).value();
  }
};

v1::CleanedRecord Cleaned(absl::Time event, int n) {
  v1::CleanedRecord r;
  r.set_agreement_id(kAgreement);
  r.set_recipient("csp");
  r.set_dataset("violence");
  r.set_area("AL1 3");
  r.set_delivery_id(absl::StrCat("d", n));
  r.mutable_event_time()->set_seconds(absl::ToUnixSeconds(event));
  auto* f = r.add_fields();
  f->set_name("note");
  f->mutable_value()->set_text(kMarker);
  return r;
}

absl::Time Day(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}

// The retention terms of the test agreement (730 days).
absl::flat_hash_map<std::string, uint32_t> Retention730() {
  auto agreement = policy::ParseAgreement(policy::testdata::LinkageAgreementYaml(kAgreement), "a.yaml");
  EXPECT_TRUE(agreement.agreement) << "test agreement";
  if (!agreement.agreement) return {};
  auto shared = std::make_shared<const policy::Agreement>(std::move(*agreement.agreement));
  auto set = policy::PolicySet::Build(
      {policy::ActiveAgreement{shared, policy::Fingerprint(*shared), std::string(32, 'k')}});
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? RecordStore::RetentionOf(**set) : absl::flat_hash_map<std::string, uint32_t>{};
}

// d0..d3 in January 2024 (past 730 days on 2026-11-30), d4..d6 in October 2026.
std::vector<v1::CleanedRecord> OldAndRecent() {
  std::vector<v1::CleanedRecord> batch;
  for (int i = 0; i < 4; ++i) batch.push_back(Cleaned(Day(2024, 1, 10 + i), i));
  for (int i = 4; i < 7; ++i) batch.push_back(Cleaned(Day(2026, 10, 10 + i), i));
  return batch;
}

void Stage(Store& s, const std::vector<v1::CleanedRecord>& records, uint64_t first_index) {
  rocksdb::WriteBatch wb;
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_TRUE(s.records->Stage(records[i], records[i].SerializeAsString(), first_index + i, &wb).ok());
  }
  ASSERT_TRUE(s.db->WriteSync(&wb).ok());
}

size_t Count(const Store& s, const std::string& area = "") {
  RecordQuery q;
  q.recipient = "csp";
  q.dataset = "violence";
  q.area = area;
  auto page = s.records->Query(q);
  EXPECT_TRUE(page.ok()) << page.status();
  return page.ok() ? page->records.size() : 0;
}

// Raw values in the records column family, and whether any shows the marker.
size_t RawRecords(const Store& s, bool* plaintext) {
  std::unique_ptr<rocksdb::Iterator> it(
      s.db->db()->NewIterator(rocksdb::ReadOptions(), s.db->cf(HubDb::kRecords)));
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    *plaintext |= it->value().ToString().find(kMarker) != std::string::npos;
  }
  return n;
}

TEST(RecordStoreTest, RecordsAreSealedAndQueryable) {
  TempDir dir;
  Store s(dir.path());
  std::vector<v1::CleanedRecord> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(Cleaned(Day(2026, 11, 1 + i), i));
  Stage(s, batch, 0);
  EXPECT_EQ(Count(s), 5u);
  EXPECT_EQ(Count(s, "AL1 3"), 5u);
  bool plaintext = false;
  EXPECT_EQ(RawRecords(s, &plaintext), 5u);
  EXPECT_FALSE(plaintext) << "a stored record is readable without its data key";
}

TEST(RecordStoreTest, RetentionDestroysThePeriodKeyAndCompactsItsRecordsAway) {
  TempDir dir;
  const auto retention = Retention730();
  {
    Store s(dir.path());
    const std::vector<v1::CleanedRecord> batch = OldAndRecent();
    Stage(s, batch, 0);
    ASSERT_EQ(Count(s), 7u);
    // 2026-11-30: January 2024 ended more than 730 days ago; October 2026 did not.
    auto erased = s.records->EraseExpired(retention, Day(2026, 11, 30));
    ASSERT_TRUE(erased.ok()) << erased.status();
    EXPECT_EQ(*erased, std::vector<std::string>{absl::StrCat(kAgreement, "/2024-01")});
    EXPECT_EQ(Count(s), 3u);
    EXPECT_EQ(Count(s, "AL1 3"), 3u);
    bool plaintext = false;
    EXPECT_EQ(RawRecords(s, &plaintext), 3u) << "the erased period's ciphertext is compacted away";
    // Nothing for the erased month is stored again.
    Stage(s, {Cleaned(Day(2024, 1, 20), 99)}, 100);
    EXPECT_EQ(Count(s), 3u);
    // A second sweep finds nothing more.
    auto again = s.records->EraseExpired(retention, Day(2026, 11, 30));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->empty());
  }
  {
    Store s(dir.path());  // after a restart, still erased; the rest still readable
    EXPECT_EQ(Count(s), 3u);
    Stage(s, {Cleaned(Day(2024, 1, 21), 100)}, 200);
    EXPECT_EQ(Count(s), 3u);
  }
}

// Feed entries as the committer writes them: key = recipient's feed position.
void Feed(Store& s, const std::vector<v1::CleanedRecord>& records, uint64_t first_position,
          size_t* sealed_count = nullptr) {
  rocksdb::WriteBatch wb;
  size_t sealed = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const std::string key = NameU64Key("csp", first_position + i);
    std::string value;
    auto ok = s.records->SealFeedEntry(records[i], records[i].SerializeAsString(), key, &value);
    ASSERT_TRUE(ok.ok()) << ok.status();
    if (!*ok) continue;
    ++sealed;
    wb.Put(s.db->cf(HubDb::kFeeds), key, value);
  }
  ASSERT_TRUE(s.db->WriteSync(&wb).ok());
  if (sealed_count != nullptr) *sealed_count = sealed;
}

// The feed's raw entries: how many, whether any shows the marker, and how
// many an opener reads back (the rest are skipped as erased).
struct FeedScan {
  size_t raw = 0;
  bool plaintext = false;
  std::vector<std::string> opened;  // delivery ids
};

FeedScan ScanFeed(const Store& s) {
  FeedScan scan;
  FeedEntryOpener opener = s.records->NewFeedOpener();
  std::unique_ptr<rocksdb::Iterator> it(s.db->db()->NewIterator(rocksdb::ReadOptions(), s.db->cf(HubDb::kFeeds)));
  std::string plain;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++scan.raw;
    scan.plaintext |= it->value().ToString().find(kMarker) != std::string::npos;
    auto opened = opener.Open(it->key().ToStringView(), it->value().ToStringView(), &plain);
    EXPECT_TRUE(opened.ok()) << opened.status();
    if (!opened.ok() || !*opened) continue;
    v1::CleanedRecord r;
    EXPECT_TRUE(r.ParseFromString(plain));
    scan.opened.push_back(r.delivery_id());
  }
  return scan;
}

TEST(RecordStoreTest, FeedEntriesAreSealedAndOpenToTheSameBytes) {
  TempDir dir;
  Store s(dir.path());
  std::vector<v1::CleanedRecord> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(Cleaned(Day(2026, 11, 1 + i), i));
  Feed(s, batch, 1);
  FeedScan scan = ScanFeed(s);
  EXPECT_EQ(scan.raw, 5u);
  EXPECT_FALSE(scan.plaintext) << "a feed entry is readable without its data key";
  EXPECT_EQ(scan.opened, (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4"}));

  FeedEntryOpener opener = s.records->NewFeedOpener();
  const std::string key = NameU64Key("csp", 1);
  auto value = s.db->Get(HubDb::kFeeds, key);
  ASSERT_TRUE(value.ok());
  std::string plain;
  ASSERT_TRUE(*opener.Open(key, *value, &plain));
  EXPECT_EQ(plain, batch[0].SerializeAsString()) << "exactly the bytes sealed";
  // Bound to its position: moved to another key, or altered, it does not open.
  EXPECT_TRUE(absl::IsDataLoss(opener.Open(NameU64Key("csp", 2), *value, &plain).status()));
  std::string altered = *value;
  altered.back() ^= 1;
  EXPECT_TRUE(absl::IsDataLoss(opener.Open(key, altered, &plain).status()));
  EXPECT_TRUE(absl::IsDataLoss(opener.Open(key, std::string(1, '\x01'), &plain).status()));
  EXPECT_TRUE(absl::IsDataLoss(opener.Open(key, "", &plain).status()));
  // Entries stored before feeds were sealed are bare CleanedRecords.
  const std::string legacy = batch[1].SerializeAsString();
  ASSERT_TRUE(*opener.Open(key, legacy, &plain));
  EXPECT_EQ(plain, legacy);
}

TEST(RecordStoreTest, RetentionErasesFeedEntriesToo) {
  TempDir dir;
  const auto retention = Retention730();
  {
    Store s(dir.path());
    const std::vector<v1::CleanedRecord> batch = OldAndRecent();
    Feed(s, batch, 1);
    // An opener made before the erasure must not keep reading the old month.
    FeedEntryOpener early = s.records->NewFeedOpener();
    std::string plain;
    const std::string first = NameU64Key("csp", 1);
    auto first_value = s.db->Get(HubDb::kFeeds, first);
    ASSERT_TRUE(first_value.ok());
    ASSERT_TRUE(*early.Open(first, *first_value, &plain));

    auto erased = s.records->EraseExpired(retention, Day(2026, 11, 30));
    ASSERT_TRUE(erased.ok()) << erased.status();
    ASSERT_EQ(erased->size(), 1u);
    auto after = early.Open(first, *first_value, &plain);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_FALSE(*after) << "an erased period's feed entry still opens";
    FeedScan scan = ScanFeed(s);
    EXPECT_EQ(scan.raw, 3u) << "the erased period's feed entries are compacted away";
    EXPECT_EQ(scan.opened, (std::vector<std::string>{"d4", "d5", "d6"}));
    // A late record of the erased month is not fed.
    size_t sealed = 99;
    Feed(s, {Cleaned(Day(2024, 1, 20), 99)}, 8, &sealed);
    EXPECT_EQ(sealed, 0u);
  }
  {
    Store s(dir.path());  // after a restart, still erased; the rest still readable
    EXPECT_EQ(ScanFeed(s).opened, (std::vector<std::string>{"d4", "d5", "d6"}));
    size_t sealed = 99;
    Feed(s, {Cleaned(Day(2024, 1, 21), 100), Cleaned(Day(2026, 10, 1), 101)}, 9, &sealed);
    EXPECT_EQ(sealed, 1u);
  }
}

TEST(RecordStoreTest, UnknownAgreementsKeepTheirRecords) {
  TempDir dir;
  Store s(dir.path());
  Stage(s, {Cleaned(Day(2020, 1, 1), 0)}, 0);
  auto erased = s.records->EraseExpired(RecordStore::RetentionOf(*policy::PolicySet::Empty()), Day(2026, 11, 30));
  ASSERT_TRUE(erased.ok());
  EXPECT_TRUE(erased->empty());
  EXPECT_EQ(Count(s), 1u);
}

}  // namespace
}  // namespace accord::hub
