// Durable, de-duplicating append of accepted records to the ingest log.
//
// Group commit: Publish reactors hand batches to TrySubmit(); one writer
// thread drains up to kMaxGroupBatches of them, checks the dedupe index,
// and writes every new record plus its dedupe key in ONE fsync'd WriteBatch.
// Only then does it call each batch's `done`, so nothing is acknowledged
// before it is durable.
//
// Bounded: at most `max_queued_batches` batches wait; TrySubmit() returns
// false beyond that and the caller applies back-pressure (it simply does not
// read more from its stream until earlier batches complete).
//
// Threading: TrySubmit() is thread-safe. `done` runs on the writer thread and
// must not block. Stop() drains the queue, failing waiting batches with
// UNAVAILABLE, and joins the thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "accord/hub/core/hub_db.h"
#include "accord/policy/pseudonymiser.h"
#include "accord/v1/record.pb.h"

namespace accord::hub {

struct IngestWriterOptions {
  // Batches that may wait for the writer. Default: 256.
  size_t max_queued_batches = 256;
  // Secret (>= 32 bytes) keying the dedupe index so record ids are never
  // stored in clear. Required.
  std::string dedupe_key;

  absl::Status Validate() const;
};

class IngestWriter {
 public:
  enum class Outcome : uint8_t { kAccepted, kDuplicate };

  struct Batch {
    // Validated records, owned by the batch until `done` runs.
    std::vector<v1::Record> records;
    // Called once, on the writer thread: OK with one outcome per record, or
    // the error that stopped the write (nothing of the batch is stored then).
    std::function<void(absl::Status, const std::vector<Outcome>&)> done;
  };

  static absl::StatusOr<std::unique_ptr<IngestWriter>> Start(HubDb* db,
                                                             IngestWriterOptions options);
  ~IngestWriter();

  // Queues `batch`; false (and `batch` untouched) if the queue is full or the
  // writer is stopping.
  bool TrySubmit(Batch& batch);

  // Called on the writer thread after each durable write, with the last
  // ingest offset written. Set before the first TrySubmit().
  void SetOnAppended(std::function<void(uint64_t last_offset)> cb) { on_appended_ = std::move(cb); }

  // Offset of the last record appended (0 = none).
  uint64_t last_offset() const;

  void Stop();

 private:
  static constexpr size_t kMaxGroupBatches = 64;
  static constexpr size_t kMaxGroupRecords = 8192;

  IngestWriter(HubDb* db, IngestWriterOptions options);
  void Run();
  void WriteGroup(std::vector<Batch>& group);

  HubDb* const db_;
  const IngestWriterOptions options_;
  std::function<void(uint64_t)> on_appended_;

  mutable absl::Mutex mu_;
  std::deque<Batch> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t last_offset_ ABSL_GUARDED_BY(mu_) = 0;

  // Writer-thread state.
  uint64_t next_offset_ = 1;
  // Keyed digests of (provider, dataset, record_id) for the dedupe index.
  std::unique_ptr<policy::Pseudonymiser> hasher_;
  std::thread thread_;
};

}  // namespace accord::hub
