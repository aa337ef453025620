// The partnership's depersonalised dataset: every cleaned record disclosed,
// kept for analysis services to query by dataset, time range and area.
//
// Keys make every query a range scan:
//   records          recipient 0 dataset 0 event_ms (8 B BE) ledger_index (8 B BE) -> CleanedRecord
//   records_by_area  recipient 0 dataset 0 area 0 event_ms ledger_index           -> (empty)
// Callers only ever see records of which they are the recipient.
//
// Threading: Stage() is called by the single policy thread; Query() is
// thread-safe (RocksDB iterators).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/hub/core/disclosure_sink.h"
#include "accord/hub/core/hub_db.h"

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
  explicit RecordStore(HubDb* db) : db_(db) {}
  absl::Status Stage(const v1::CleanedRecord& record, uint64_t ledger_index,
                     rocksdb::WriteBatch* batch) override;
  absl::StatusOr<RecordPage> Query(const RecordQuery& q) const;

 private:
  HubDb* const db_;
};

}  // namespace accord::hub
