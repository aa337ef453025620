// The partnership's depersonalised dataset: every cleaned record disclosed,
// kept for analysis services to query by dataset, time range and area.
//
// Keys make every query a range scan:
//   records          recipient 0 dataset 0 event_ms (8 B BE) ledger_index (8 B BE) -> sealed CleanedRecord
//   records_by_area  recipient 0 dataset 0 area 0 event_ms ledger_index           -> (empty)
// Callers only ever see records of which they are the recipient.
//
// Retention by crypto-shredding: each record is sealed (AES-256-GCM, the key
// bound to the record's key as associated data) under a data key of its
// agreement and event month ("2026-10"). Data keys are random, stored in the
// meta column family wrapped under a key-encryption key derived from the
// hub's secret. ErasePeriod() destroys a period's key: its records can no
// longer be read (queries skip them), and a compaction filter drops their
// ciphertext at the next compaction (ErasePeriod runs one). The ledger
// entries that refer to them are untouched and still verify.
//
// Recipients' feeds are sealed the same way (SealFeedEntry(), with the feed
// entry's key as associated data), so erasing a period removes it from the
// feeds too: FeedEntryOpener then skips its entries, and the same compaction
// filter (installed on the feeds column family) drops them. A record whose
// period is already erased when it arrives is neither stored nor fed.
// EraseExpired() applies each agreement's retention_days to whole months:
// a month is erased once its last day is more than retention_days ago.
//
// Threading: Stage() and SealFeedEntry() are called by the single policy
// (commit) thread; Query(), NewFeedOpener(), ErasePeriod() and EraseExpired()
// are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/hub/core/disclosure_sink.h"
#include "accord/hub/core/hub_db.h"
#include "accord/policy/policy_set.h"
#include "rocksdb/compaction_filter.h"

namespace accord::hub {

struct RecordQuery {
  std::string recipient;  // the caller; required
  std::string dataset;    // required
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();  // exclusive
  std::string area;       // optional
  size_t page_size = 500;
  std::string page_token; // opaque; from the previous page
};

struct RecordPage {
  std::vector<v1::CleanedRecord> records;
  std::string next_page_token;  // empty at the end
};

// The compaction filter of the records and feeds column families: drops
// values sealed under an erased period. Create one per HubDb, pass it to
// HubDbOptions and to RecordStore::Open. Thread-safe.
class ErasedRecordsFilter : public rocksdb::CompactionFilter {
 public:
  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string* new_value,
              bool* value_changed) const override;
  const char* Name() const override { return "accord.ErasedRecordsFilter"; }
  void MarkErased(const std::string& agreement_period);
  bool IsErased(const std::string& agreement_period) const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> erased_ ABSL_GUARDED_BY(mu_);
};

// Reads feed entries written with RecordStore::SealFeedEntry(). It caches a
// keyed AES-GCM context per period, so keep one per reading stream or thread.
// Thread safety: one thread at a time per object; it must not outlive the
// RecordStore that made it.
class FeedEntryOpener {
 public:
  ~FeedEntryOpener();
  FeedEntryOpener(FeedEntryOpener&&) noexcept;
  FeedEntryOpener& operator=(FeedEntryOpener&&) noexcept;

  // The serialized CleanedRecord of feed entry (`key`, `value`), into
  // `plain`. False when its period was erased (retention): skip the entry.
  // DataLoss for a damaged entry. Entries stored before feeds were sealed
  // (bare CleanedRecord bytes) come back as they are.
  absl::StatusOr<bool> Open(std::string_view key, std::string_view value, std::string* plain);

  struct State;

 private:
  friend class RecordStore;
  explicit FeedEntryOpener(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class RecordStore : public DisclosureSink {
 public:
  // `key_secret` (>= 32 bytes) derives the key-encryption key. `db` must
  // have been opened with HubDbOptions::records_filter = `filter`.
  static absl::StatusOr<std::unique_ptr<RecordStore>> Open(HubDb* db, const std::string& key_secret,
                                                           std::shared_ptr<ErasedRecordsFilter> filter);
  ~RecordStore() override;

  absl::Status Stage(const v1::CleanedRecord& record, std::string_view serialized,
                     uint64_t ledger_index, rocksdb::WriteBatch* batch) override;
  absl::StatusOr<bool> SealFeedEntry(const v1::CleanedRecord& record, std::string_view serialized,
                                     std::string_view feed_key, std::string* value) override;
  absl::StatusOr<RecordPage> Query(const RecordQuery& q) const;
  FeedEntryOpener NewFeedOpener() const;

  // Destroys the data key of (agreement, "YYYY-MM"), durably, then compacts
  // the records away. OK if it was already erased or never existed.
  absl::Status ErasePeriod(const std::string& agreement_id, const std::string& period);
  // Erases every period past its agreement's retention at `now`.
  // `retention_days`: agreement id -> days (the hub passes the terms of every
  // agreement that was in force: active, expired or withdrawn, so data of an
  // ended agreement still leaves on time). Agreements absent keep their data.
  // Returns the periods erased ("agreement/YYYY-MM").
  absl::StatusOr<std::vector<std::string>> EraseExpired(
      const absl::flat_hash_map<std::string, uint32_t>& retention_days, absl::Time now);
  // The retention of each agreement in `policy` (a convenience for tests).
  static absl::flat_hash_map<std::string, uint32_t> RetentionOf(const policy::PolicySet& policy);

  struct Impl;

 private:
  explicit RecordStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::hub
