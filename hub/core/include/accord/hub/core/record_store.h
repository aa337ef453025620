// The partnership's depersonalised dataset: every cleaned record disclosed,
// kept for analysis services to query by dataset, time range and area.
//
// The store keeps no copy of its own: its keys index the recipient's feed
// entry (FeedStore), the one sealed copy of each disclosure. ONE key per
// disclosure, so every query is a range scan of a dataset's time range:
//   records  recipient 0 dataset 0 event_ms (8 B BE) ledger_index (8 B BE)
//            -> header(kRecordRef, period) | feed position (8 B BE) | area
// A query by area filters on the area in the value, without opening other
// areas' records. Stores written before hold a sealed copy there instead
// (kSealedEntry, the record's key as associated data), and keys in the
// records_by_area column family that nothing reads any more; Query() reads
// both kinds of value. Callers only ever see records of which they are the
// recipient.
//
// Retention by crypto-shredding (PeriodKeyring): erasing a period destroys
// its data key, so its feed entries can no longer be read (queries skip
// them), and the compaction filter drops its feed segments and index values.
// The ledger entries that refer to them are untouched and still verify.
// EraseExpired() applies each agreement's retention_days to whole months:
// a month is erased once its last day is more than retention_days ago.
//
// Threading: Stage() is called by the single policy (commit) thread;
// Query(), ErasePeriod() and EraseExpired() are thread-safe.
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
#include "accord/hub/core/feed_store.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/period_keyring.h"
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

class RecordStore : public DisclosureSink {
 public:
  // Borrowed pointers must outlive the store. `feeds` must use `keyring`.
  static absl::StatusOr<std::unique_ptr<RecordStore>> Open(HubDb* db, PeriodKeyring* keyring, FeedStore* feeds);
  ~RecordStore() override;

  // Puts the batch's index keys in key order: each memtable insert then
  // starts from the previous one's place in the skip list (the keys sort by
  // recipient and event time, so a batch's keys are scattered over the
  // memtable in arrival order).
  absl::Status Stage(absl::Span<const Disclosure> disclosures, rocksdb::WriteBatch* batch) override;
  absl::StatusOr<RecordPage> Query(const RecordQuery& q) const;

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

 private:
  RecordStore(HubDb* db, PeriodKeyring* keyring, FeedStore* feeds) : db_(db), keyring_(keyring), feeds_(feeds) {}
  HubDb* const db_;
  PeriodKeyring* const keyring_;
  FeedStore* const feeds_;
  // Stage()'s scratch (its single thread), reused from batch to batch.
  struct IndexPut {
    std::string key;
    std::string value;
  };
  std::vector<IndexPut> puts_;
  std::vector<const IndexPut*> order_;
};

}  // namespace accord::hub
