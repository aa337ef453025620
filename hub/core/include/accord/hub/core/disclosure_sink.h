// Where the policy stage hands each disclosure so that it becomes part of
// the partnership's depersonalised dataset (the audit store).
//
// The pipeline calls Stage() on its single thread, adding the store's index
// of the disclosure to the same WriteBatch as the feed append (the one sealed
// copy, FeedStore), the ledger entry and the ingest offset, so all of them
// become durable together.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "accord/v1/record.pb.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {

class DisclosureSink {
 public:
  virtual ~DisclosureSink() = default;
  // `record` holds at least its envelope (every field but `fields`, which
  // may be empty); `feed_position` is its entry in the recipient's feed
  // (FeedStore), 0 when it was stored nowhere (its period is already past
  // retention); `period` is its data-key period (RecordPeriod, as
  // FeedStore::PendingAppend::periods holds it); `ledger_index` is its entry
  // in the disclosure ledger.
  virtual absl::Status Stage(const v1::CleanedRecord& record, std::string_view period, uint64_t feed_position,
                             uint64_t ledger_index, rocksdb::WriteBatch* batch) = 0;
};

}  // namespace accord::hub
