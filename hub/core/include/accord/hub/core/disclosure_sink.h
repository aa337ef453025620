// Where the policy stage hands each disclosure so that it becomes part of
// the partnership's depersonalised dataset (the audit store).
//
// The pipeline calls Stage() on its single thread, once per committed batch,
// adding the store's index of the batch's disclosures to the same WriteBatch
// as the feed append (the one sealed copy, FeedStore), the ledger entries and
// the ingest offset, so all of them become durable together.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "accord/v1/record.pb.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {

class DisclosureSink {
 public:
  struct Disclosure {
    // Holds at least its envelope (every field but `fields`, which may be
    // empty). Borrowed for the call.
    const v1::CleanedRecord* record = nullptr;
    // Its data-key period (RecordPeriod, as FeedStore::PendingAppend::periods
    // holds it).
    std::string_view period;
    // Its entry in the recipient's feed (FeedStore); 0 when it was stored
    // nowhere (its period is already past retention).
    uint64_t feed_position = 0;
    // Its entry in the disclosure ledger.
    uint64_t ledger_index = 0;
  };

  virtual ~DisclosureSink() = default;
  // Stages the index of every disclosure of one batch into `batch`.
  virtual absl::Status Stage(absl::Span<const Disclosure> disclosures, rocksdb::WriteBatch* batch) = 0;
};

}  // namespace accord::hub
