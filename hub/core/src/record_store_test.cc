#include "accord/hub/core/record_store.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "core_test_util.h"
#include "store_test_util.h"
#include "flow_test_data.h"
#include "gtest/gtest.h"
#include "rocksdb/iterator.h"

namespace accord::hub {
namespace {

using testing::TempDir;

using testing::Cleaned;
using testing::Count;
using testing::Day;
using testing::kAgreement;
using testing::kMarker;
using testing::Stage;
using testing::Store;

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

// Raw values in a column family, and whether any shows the marker.
size_t Raw(const Store& s, HubDb::Cf cf, bool* plaintext) {
  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(cf));
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    *plaintext |= it->value().ToString().find(kMarker) != std::string::npos;
  }
  return n;
}

TEST(RecordStoreTest, RecordsAreSealedOnceAndQueryable) {
  TempDir dir;
  Store s(dir.path());
  std::vector<v1::CleanedRecord> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(Cleaned(Day(2026, 11, 1 + i), i));
  Stage(s, batch, 0);
  EXPECT_EQ(Count(s), 5u);
  EXPECT_EQ(Count(s, "AL1 3"), 5u);
  bool plaintext = false;
  EXPECT_EQ(Raw(s, HubDb::kRecords, &plaintext), 5u) << "one index entry per record";
  EXPECT_EQ(Raw(s, HubDb::kRecordsByArea, &plaintext), 0u) << "the area is in the index value";
  // Another area: a query by area returns only its own.
  std::vector<v1::CleanedRecord> other = {Cleaned(Day(2026, 11, 2), 10), Cleaned(Day(2026, 11, 3), 11)};
  for (auto& r : other) r.set_area("AL2 1");
  Stage(s, other, 5);
  EXPECT_EQ(Count(s), 7u);
  EXPECT_EQ(Count(s, "AL1 3"), 5u);
  EXPECT_EQ(Count(s, "AL2 1"), 2u);
  EXPECT_EQ(Count(s, "AL2"), 0u) << "the whole area, not a prefix";
  EXPECT_EQ(Raw(s, HubDb::kFeeds, &plaintext), 2u) << "one feed segment per batch (each of one period)";
  EXPECT_FALSE(plaintext) << "a stored record is readable without its data key";
  // The store keeps no copy of its own: its index values are small refs.
  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(HubDb::kRecords));
  for (it->SeekToFirst(); it->Valid(); it->Next()) EXPECT_LT(it->value().size(), 64u);
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
    EXPECT_EQ(Raw(s, HubDb::kRecords, &plaintext), 3u) << "the erased period's index is compacted away";
    EXPECT_EQ(Raw(s, HubDb::kFeeds, &plaintext), 1u) << "the erased period's ciphertext is compacted away";
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

// The feed's raw values (segments), whether any shows the marker, and the
// delivery ids a reader reads back (entries of erased periods are skipped).
struct FeedScan {
  size_t raw = 0;
  bool plaintext = false;
  std::vector<std::string> opened;
  std::vector<uint64_t> positions;
};

FeedScan ScanFeed(const Store& s, uint64_t after = 0) {
  FeedScan scan;
  scan.raw = Raw(s, HubDb::kFeeds, &scan.plaintext);
  FeedStore::Reader reader = s.feeds->NewReader();
  auto last = reader.Read("csp", after, s.feeds->Head("csp"), 1000, [&](uint64_t position, std::string_view plain) {
    v1::CleanedRecord r;
    EXPECT_TRUE(r.ParseFromArray(plain.data(), static_cast<int>(plain.size())));
    scan.opened.push_back(r.delivery_id());
    scan.positions.push_back(position);
    return true;
  });
  EXPECT_TRUE(last.ok()) << last.status();
  return scan;
}

TEST(FeedStoreTest, EntriesAreSealedAndReadBackAsTheSameBytes) {
  TempDir dir;
  Store s(dir.path());
  std::vector<v1::CleanedRecord> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(Cleaned(Day(2026, 11, 1 + i), i));
  auto appended = Stage(s, batch, 0);
  EXPECT_EQ(appended.positions, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(s.feeds->Head("csp"), 5u);
  FeedScan scan = ScanFeed(s);
  EXPECT_EQ(scan.raw, 1u);
  EXPECT_FALSE(scan.plaintext) << "a feed entry is readable without its data key";
  EXPECT_EQ(scan.opened, (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4"}));
  // From inside the segment, and one at a time.
  EXPECT_EQ(ScanFeed(s, 3).opened, (std::vector<std::string>{"d3", "d4"}));
  FeedStore::Reader reader = s.feeds->NewReader();
  std::string plain;
  ASSERT_TRUE(*reader.Get("csp", 2, &plain));
  EXPECT_EQ(plain, batch[1].SerializeAsString()) << "exactly the bytes sealed";
  EXPECT_FALSE(*reader.Get("csp", 6, &plain)) << "past the head";
  EXPECT_FALSE(*reader.Get("other", 1, &plain)) << "another recipient's feed";
  // At most `max_entries`, and the position covered.
  std::vector<uint64_t> seen;
  auto covered = reader.Read("csp", 0, 5, 2, [&](uint64_t p, std::string_view) {
    seen.push_back(p);
    return true;
  });
  ASSERT_TRUE(covered.ok());
  EXPECT_EQ(*covered, 2u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2}));

  // A second batch continues the positions; after a restart too.
  Stage(s, {Cleaned(Day(2026, 11, 9), 5)}, 5);
  EXPECT_EQ(ScanFeed(s).positions, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(FeedStoreTest, HeadsSurviveARestart) {
  TempDir dir;
  {
    Store s(dir.path());
    Stage(s, {Cleaned(Day(2026, 11, 1), 0), Cleaned(Day(2026, 11, 2), 1)}, 0);
  }
  Store s(dir.path());
  EXPECT_EQ(s.feeds->Head("csp"), 2u);
  auto appended = Stage(s, {Cleaned(Day(2026, 11, 3), 2)}, 2);
  EXPECT_EQ(appended.positions, (std::vector<uint64_t>{3}));
  EXPECT_EQ(ScanFeed(s).opened, (std::vector<std::string>{"d0", "d1", "d2"}));
}

// A batch spanning periods keeps its order; each run of one period is one
// segment.
TEST(FeedStoreTest, OneSegmentPerRunOfOnePeriod) {
  TempDir dir;
  Store s(dir.path());
  std::vector<v1::CleanedRecord> batch = {Cleaned(Day(2026, 10, 1), 0), Cleaned(Day(2026, 10, 2), 1),
                                          Cleaned(Day(2026, 11, 1), 2), Cleaned(Day(2026, 11, 2), 3)};
  rocksdb::WriteBatch wb;
  std::vector<std::string> bytes;
  std::vector<FeedStore::Item> items;
  for (const auto& r : batch) bytes.push_back(r.SerializeAsString());
  for (size_t i = 0; i < batch.size(); ++i) items.push_back({&batch[i], bytes[i]});
  auto appended = s.feeds->Stage(items, &wb);
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(appended->positions, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(appended->keys_written, 3u) << "two segments and one head";
  EXPECT_EQ(wb.Count(), 3u);
  ASSERT_TRUE(s.db->WriteSync(&wb).ok());
  s.feeds->Commit(*appended);
  EXPECT_EQ(ScanFeed(s).opened, (std::vector<std::string>{"d0", "d1", "d2", "d3"}));
  EXPECT_EQ(ScanFeed(s, 1).opened, (std::vector<std::string>{"d1", "d2", "d3"}));
}

struct ReadResult {
  absl::StatusOr<uint64_t> covered;
  std::vector<std::pair<uint64_t, std::string>> entries;
};

ReadResult ReadFeed(const FeedStore& feeds, const std::string& recipient, uint64_t after, uint64_t upto,
                    size_t max) {
  ReadResult out;
  FeedStore::Reader reader = feeds.NewReader();
  out.covered = reader.Read(recipient, after, upto, max, [&](uint64_t position, std::string_view plain) {
    out.entries.emplace_back(position, std::string(plain));
    return true;
  });
  return out;
}

// The newest entries are read from memory; what a reader gets is what
// reading storage gives (a feed store opened afresh holds none in memory):
// the same entries, skips and positions covered, for every window.
TEST(FeedStoreTest, RecentEntriesReadAsStorageDoes) {
  TempDir dir;
  Store s(dir.path());
  // A period erased before its records arrive: they get positions, stored nowhere.
  ASSERT_TRUE(s.keyring->Erase(kAgreement, "2026-09").ok());
  std::vector<v1::CleanedRecord> batch;
  for (int i = 0; i < 6; ++i) batch.push_back(Cleaned(Day(2026, 11, 1 + i), i));
  batch.push_back(Cleaned(Day(2026, 9, 3), 6));
  batch.push_back(Cleaned(Day(2026, 10, 3), 7));
  batch[1].set_recipient("council");
  batch[4].set_recipient("council");
  Stage(s, batch, 0);
  std::vector<v1::CleanedRecord> second;
  for (int i = 8; i < 12; ++i) second.push_back(Cleaned(Day(2026, 11, 10), i));
  Stage(s, second, 8);
  ASSERT_EQ(s.feeds->Head("csp"), 10u);
  auto fresh = FeedStore::Open(s.db.get(), s.keyring.get());
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  for (const std::string recipient : {"csp", "council"}) {
    const uint64_t head = s.feeds->Head(recipient);
    for (uint64_t after = 0; after <= head; ++after) {
      for (uint64_t upto = after; upto <= head; ++upto) {
        for (size_t max : {size_t{1}, size_t{2}, size_t{100}}) {
          ReadResult recent = ReadFeed(*s.feeds, recipient, after, upto, max);
          ReadResult stored = ReadFeed(**fresh, recipient, after, upto, max);
          ASSERT_TRUE(recent.covered.ok()) << recent.covered.status();
          ASSERT_TRUE(stored.covered.ok()) << stored.covered.status();
          EXPECT_EQ(*recent.covered, *stored.covered) << recipient << " " << after << ".." << upto << " max " << max;
          EXPECT_EQ(recent.entries, stored.entries) << recipient << " " << after << ".." << upto << " max " << max;
        }
      }
    }
  }
  ReadResult all = ReadFeed(*s.feeds, "csp", 0, 10, 100);
  EXPECT_EQ(all.entries.size(), 9u) << "ten positions, one stored nowhere";
  EXPECT_EQ(all.entries[0].second, batch[0].SerializeAsString()) << "exactly the bytes sealed";
  // They were served from memory: with the stored segments gone, the store
  // still reads them, and a store opened afresh reads none.
  rocksdb::WriteBatch wb;
  wb.DeleteRange(s.db->cf(HubDb::kFeeds), NameU64Key("csp", 0), NameU64Key("csp", 100));
  ASSERT_TRUE(s.db->WriteSync(&wb).ok());
  EXPECT_EQ(ReadFeed(*s.feeds, "csp", 0, 10, 100).entries, all.entries);
  EXPECT_TRUE(ReadFeed(**fresh, "csp", 0, 10, 100).entries.empty());
}

// An erasure that begins after entries were kept in memory keeps them from
// being served from there: the reader goes to storage, where they are gone.
TEST(FeedStoreTest, AnErasureKeepsRecentEntriesOfItsPeriodFromBeingRead) {
  TempDir dir;
  Store s(dir.path());
  Stage(s, {Cleaned(Day(2026, 10, 1), 0), Cleaned(Day(2026, 11, 1), 1), Cleaned(Day(2026, 10, 2), 2)}, 0);
  EXPECT_EQ(ReadFeed(*s.feeds, "csp", 0, 3, 100).entries.size(), 3u);
  ASSERT_TRUE(s.keyring->Erase(kAgreement, "2026-10").ok());
  ReadResult after = ReadFeed(*s.feeds, "csp", 0, 3, 100);
  ASSERT_TRUE(after.covered.ok()) << after.covered.status();
  EXPECT_EQ(*after.covered, 3u);
  ASSERT_EQ(after.entries.size(), 1u) << "only November's entry is readable";
  EXPECT_EQ(after.entries[0].first, 2u);
}

// Memory holds at most kRecentEntries per recipient; older entries are read
// from storage, and a reader crosses from one to the other in order.
TEST(FeedStoreTest, OlderEntriesThanTheRecentOnesAreReadFromStorage) {
  TempDir dir;
  Store s(dir.path());
  const size_t total = FeedStore::kRecentEntries + 1500;
  uint64_t next = 0;
  while (next < total) {
    std::vector<v1::CleanedRecord> batch;
    for (size_t i = 0; i < 1000 && next < total; ++i, ++next) batch.push_back(Cleaned(Day(2026, 11, 3), next));
    Stage(s, batch, next - batch.size());
  }
  FeedStore::Reader reader = s.feeds->NewReader();
  uint64_t after = 0, expected = 1;
  while (after < total) {
    auto covered = reader.Read("csp", after, total, 700, [&](uint64_t position, std::string_view plain) {
      EXPECT_EQ(position, expected);
      v1::CleanedRecord r;
      EXPECT_TRUE(r.ParseFromArray(plain.data(), static_cast<int>(plain.size())));
      EXPECT_EQ(r.delivery_id(), absl::StrCat("d", position - 1));
      ++expected;
      return true;
    });
    ASSERT_TRUE(covered.ok()) << covered.status();
    ASSERT_GT(*covered, after);
    after = *covered;
  }
  EXPECT_EQ(expected, total + 1);
}

// Each entry is bound to its recipient and position, and authenticated.
TEST(FeedStoreTest, DamagedOrMovedEntriesAreDataLossNamingThePosition) {
  TempDir dir;
  Store s(dir.path());
  std::vector<v1::CleanedRecord> batch;
  for (int i = 0; i < 3; ++i) batch.push_back(Cleaned(Day(2026, 11, 1 + i), i));
  Stage(s, batch, 0);
  // As after a restart: a feed store that holds no recent entries in memory
  // (those are what was written, so damage at rest shows on reading storage).
  s.records.reset();
  s.feeds = std::move(FeedStore::Open(s.db.get(), s.keyring.get())).value();
  const std::string key = NameU64Key("csp", 1);
  const std::string segment = *s.db->Get(HubDb::kFeeds, key);
  auto put = [&](const std::string& k, const std::string& v) {
    rocksdb::WriteBatch wb;
    wb.Put(s.db->cf(HubDb::kFeeds), k, v);
    ASSERT_TRUE(s.db->WriteSync(&wb).ok());
  };
  auto read_all = [&](uint64_t upto) {
    FeedStore::Reader reader = s.feeds->NewReader();
    return reader.Read("csp", 0, upto, 100, [](uint64_t, std::string_view) { return true; });
  };
  // The last entry's tag altered: entries 1 and 2 read, entry 3 does not.
  std::string altered = segment;
  altered.back() ^= 1;
  put(key, altered);
  std::vector<uint64_t> seen;
  FeedStore::Reader reader = s.feeds->NewReader();
  auto r = reader.Read("csp", 0, 3, 100, [&](uint64_t p, std::string_view) {
    seen.push_back(p);
    return true;
  });
  EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "feed entry 3")) << r.status();
  EXPECT_FALSE(absl::StrContains(r.status().message(), kMarker));
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2}));
  // Moved to another position (or recipient), it does not open.
  put(key, segment);
  put(NameU64Key("csp", 11), segment);
  r = reader.Read("csp", 10, 13, 100, [](uint64_t, std::string_view) { return true; });
  EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
  // Truncated, empty, or unsealed (bare CleanedRecord bytes: no longer read).
  put(key, segment.substr(0, segment.size() / 2));
  EXPECT_TRUE(absl::IsDataLoss(read_all(3).status()));
  put(key, "");
  EXPECT_TRUE(absl::IsDataLoss(read_all(3).status()));
  put(key, batch[0].SerializeAsString());
  EXPECT_TRUE(absl::IsDataLoss(read_all(3).status())) << "an unsealed feed entry is never delivered";
}

// Stores written before segments: one sealed entry per key, and the record
// store's own sealed copy. Both still read.
TEST(FeedStoreTest, EntriesAndRecordsStoredBeforeSegmentsStillRead) {
  TempDir dir;
  Store s(dir.path());
  const v1::CleanedRecord r = Cleaned(Day(2026, 11, 1), 0);
  const std::string bytes = r.SerializeAsString();
  const std::string ap = RecordPeriod(r);
  rocksdb::WriteBatch wb;
  const std::string feed_key = NameU64Key("csp", 1);
  std::string entry;
  AppendSealedHeader(kSealedEntry, ap, &entry);
  ASSERT_TRUE(*s.keyring->SealAppend(ap, bytes, feed_key, &entry));
  wb.Put(s.db->cf(HubDb::kFeeds), feed_key, entry);
  std::string record_key = std::string("csp") + '\0' + "violence" + '\0';
  AppendU64(&record_key, (static_cast<uint64_t>(absl::ToUnixMillis(Day(2026, 11, 1)))) ^ (uint64_t{1} << 63));
  AppendU64(&record_key, 0);
  std::string copy;
  AppendSealedHeader(kSealedEntry, ap, &copy);
  ASSERT_TRUE(*s.keyring->SealAppend(ap, bytes, record_key, &copy));
  wb.Put(s.db->cf(HubDb::kRecords), record_key, copy);
  wb.Put(s.db->cf(HubDb::kMeta), "feed_head/csp", EncodeU64(1));
  ASSERT_TRUE(s.db->WriteSync(&wb).ok());

  auto feeds = FeedStore::Open(s.db.get(), s.keyring.get());  // reads the head
  ASSERT_TRUE(feeds.ok());
  EXPECT_EQ((*feeds)->Head("csp"), 1u);
  FeedStore::Reader reader = (*feeds)->NewReader();
  std::vector<std::string> read;
  ASSERT_TRUE(reader.Read("csp", 0, 1, 10, [&](uint64_t, std::string_view plain) {
    read.emplace_back(plain);
    return true;
  }).ok());
  EXPECT_EQ(read, std::vector<std::string>{bytes});
  RecordQuery q;
  q.recipient = "csp";
  q.dataset = "violence";
  auto page = s.records->Query(q);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].SerializeAsString(), bytes);
}

TEST(RecordStoreTest, RetentionErasesFeedEntriesToo) {
  TempDir dir;
  const auto retention = Retention730();
  {
    Store s(dir.path());
    Stage(s, OldAndRecent(), 0);
    // A reader made before the erasure must not keep reading the old month.
    FeedStore::Reader early = s.feeds->NewReader();
    std::string plain;
    ASSERT_TRUE(*early.Get("csp", 1, &plain));

    auto erased = s.records->EraseExpired(retention, Day(2026, 11, 30));
    ASSERT_TRUE(erased.ok()) << erased.status();
    ASSERT_EQ(erased->size(), 1u);
    auto after = early.Get("csp", 1, &plain);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_FALSE(*after) << "an erased period's feed entry still opens";
    FeedScan scan = ScanFeed(s);
    EXPECT_EQ(scan.raw, 1u) << "the erased period's segment is compacted away";
    EXPECT_EQ(scan.opened, (std::vector<std::string>{"d4", "d5", "d6"}));
    // A late record of the erased month takes a position but is stored nowhere.
    auto late = Stage(s, {Cleaned(Day(2024, 1, 20), 99)}, 7);
    EXPECT_EQ(late.positions, (std::vector<uint64_t>{8}));
    EXPECT_EQ(late.stored, (std::vector<bool>{false}));
    EXPECT_EQ(ScanFeed(s).raw, 1u);
  }
  {
    Store s(dir.path());  // after a restart, still erased; the rest still readable
    EXPECT_EQ(ScanFeed(s).opened, (std::vector<std::string>{"d4", "d5", "d6"}));
    auto appended = Stage(s, {Cleaned(Day(2024, 1, 21), 100), Cleaned(Day(2026, 10, 1), 101)}, 8);
    EXPECT_EQ(appended.stored, (std::vector<bool>{false, true}));
    EXPECT_EQ(ScanFeed(s).opened, (std::vector<std::string>{"d4", "d5", "d6", "d101"}));
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
