// Where the policy stage hands each disclosure so that it becomes part of
// the partnership's depersonalised dataset (the audit store).
//
// The pipeline calls Stage() on its single thread, adding the durable form of
// the cleaned record to the same WriteBatch as the feed append, the ledger
// entry and the ingest offset, so all of them become durable together.
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
  // `serialized` is the cleaned record exactly as sent (its serialized bytes);
  // `record` holds at least its envelope (every field but `fields`, which may
  // be empty); `ledger_index` is the record's entry in the disclosure ledger.
  virtual absl::Status Stage(const v1::CleanedRecord& record, std::string_view serialized,
                             uint64_t ledger_index, rocksdb::WriteBatch* batch) = 0;
  // The value to store as the recipient's feed entry `feed_key` for `record`
  // (the audit store seals it under the record's retention key), into
  // `value`. False when the record must not be kept anywhere, feed included:
  // its period is already past retention. Called before Stage() for each
  // disclosure.
  virtual absl::StatusOr<bool> SealFeedEntry(const v1::CleanedRecord& record, std::string_view serialized,
                                             std::string_view feed_key, std::string* value) = 0;
};

}  // namespace accord::hub
