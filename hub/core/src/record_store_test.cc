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
  auto agreement = policy::ParseAgreement(policy::testdata::LinkageAgreementYaml(kAgreement), "a.yaml");
  ASSERT_TRUE(agreement.agreement) << "test agreement";
  auto shared = std::make_shared<const policy::Agreement>(std::move(*agreement.agreement));
  auto set = policy::PolicySet::Build(
      {policy::ActiveAgreement{shared, policy::Fingerprint(*shared), std::string(32, 'k')}});
  ASSERT_TRUE(set.ok()) << set.status();
  {
    Store s(dir.path());
    std::vector<v1::CleanedRecord> batch;
    for (int i = 0; i < 4; ++i) batch.push_back(Cleaned(Day(2024, 1, 10 + i), i));      // old month
    for (int i = 4; i < 7; ++i) batch.push_back(Cleaned(Day(2026, 10, 10 + i), i));     // recent month
    Stage(s, batch, 0);
    ASSERT_EQ(Count(s), 7u);
    // 2026-11-30: January 2024 ended more than 730 days ago; October 2026 did not.
    auto erased = s.records->EraseExpired(RecordStore::RetentionOf(**set), Day(2026, 11, 30));
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
    auto again = s.records->EraseExpired(RecordStore::RetentionOf(**set), Day(2026, 11, 30));
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
