// Test helpers for the record and feed stores: a HubDb with its keyring,
// feed store and record store, records of one test agreement, and staging
// as the committer does.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "accord/hub/core/feed_store.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/period_keyring.h"
#include "accord/hub/core/record_store.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"

namespace accord::hub::testing {

inline constexpr char kAgreement[] = "isa-test-linkage";  // retention_days: 730
inline constexpr char kMarker[] = "VISIBLE-ONLY-IF-UNSEALED";

struct Store {
  std::shared_ptr<ErasedRecordsFilter> filter = std::make_shared<ErasedRecordsFilter>();
  std::unique_ptr<HubDb> db;
  std::unique_ptr<PeriodKeyring> keyring;
  std::unique_ptr<FeedStore> feeds;
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
    keyring = std::move(PeriodKeyring::Open(db.get(), std::string(64, 's'), filter)).value();
    feeds = std::move(FeedStore::Open(db.get(), keyring.get())).value();
    auto store = RecordStore::Open(db.get(), keyring.get(), feeds.get());
    EXPECT_TRUE(store.ok()) << store.status();
    records = std::move(store).value();
  }
};

inline v1::CleanedRecord Cleaned(absl::Time event, int n) {
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

inline absl::Time Day(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}

// As the committer does: one batch appended to the feeds, indexed by the
// store, written and committed. Returns the feed append.
inline FeedStore::PendingAppend Stage(Store& s, const std::vector<v1::CleanedRecord>& records, uint64_t first_index) {
  rocksdb::WriteBatch wb;
  std::vector<std::string> bytes;
  for (const auto& r : records) bytes.push_back(r.SerializeAsString());
  std::vector<FeedStore::Item> items;
  for (size_t i = 0; i < records.size(); ++i) items.push_back({&records[i], bytes[i]});
  auto appended = s.feeds->Stage(items, &wb);
  EXPECT_TRUE(appended.ok()) << appended.status();
  if (!appended.ok()) return {};
  std::vector<DisclosureSink::Disclosure> staged;
  for (size_t i = 0; i < records.size(); ++i) {
    staged.push_back({&records[i], appended->periods[i], appended->stored[i] ? appended->positions[i] : 0,
                      first_index + i});
  }
  EXPECT_TRUE(s.records->Stage(staged, &wb).ok());
  EXPECT_TRUE(s.db->WriteSync(&wb).ok());
  s.feeds->Commit(*appended);
  return *appended;
}

inline size_t Count(const Store& s, const std::string& area = "") {
  RecordQuery q;
  q.recipient = "csp";
  q.dataset = "violence";
  q.area = area;
  auto page = s.records->Query(q);
  EXPECT_TRUE(page.ok()) << page.status();
  return page.ok() ? page->records.size() : 0;
}

}  // namespace accord::hub::testing
