// RocksDbIngestLog: the embedded default IngestLog (ingest_log.h), in the
// hub's RocksDB.
//
// Appends: group commit. Publish reactors hand batches to TryAppend(); one
// writer thread drains up to kMaxGroupBatches of them, checks the keyed
// dedupe index, and writes every new record plus its dedupe key in ONE
// fsync'd WriteBatch. Only then does it call each batch's `done`, so nothing
// is acknowledged before it is durable. A record id seen before (same
// provider and dataset) is reported kDuplicate and stored once.
//
// Consumption: one partition, offsets 1, 2, 3... The consumed position is
// the meta key "policy_offset", written by StageConsumed() into the
// consumer's own WriteBatch together with a DeleteRange of the raw records,
// so the outcome and the position commit atomically (exactly once).
//
// Bounded: at most `max_queued_batches` batches wait, and at most
// `max_backlog_records` stored records wait for the policy stage; TryAppend()
// returns false beyond either and the caller applies back-pressure (the hub
// answers UNAVAILABLE, and publishers retry), so an overloaded hub slows its
// publishers instead of building an ever longer queue.
//
// Threading: see ingest_log.h. One writer thread, started by Open().
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
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/ingest_log.h"
#include "accord/policy/pseudonymiser.h"

namespace accord::hub {

struct RocksDbIngestLogOptions {
  // Batches that may wait for the writer. Default: 256.
  size_t max_queued_batches = 256;
  // Stored records not yet consumed by the policy stage before TryAppend()
  // refuses. Default: 200,000 (about 20 s of policy work on a 2-core
  // machine: bursts are absorbed on disk, sustained overload is refused);
  // > 0. A refused batch is not stored, so a publisher that resends gets
  // DUPLICATE for later batches the hub did store.
  uint64_t max_backlog_records = 200000;
  // Secret (>= 32 bytes) keying the dedupe index so record ids are never
  // stored in clear. Required.
  std::string dedupe_key;

  absl::Status Validate() const;
};

class RocksDbIngestLog final : public IngestLog {
 public:
  static absl::StatusOr<std::unique_ptr<RocksDbIngestLog>> Open(HubDb* db,
                                                                RocksDbIngestLogOptions options);
  ~RocksDbIngestLog() override;

  bool TryAppend(Batch& batch) override;
  absl::Status Poll(absl::Duration wait, size_t max, std::vector<Entry>* out) override;
  void StageConsumed(const std::vector<Entry>& consumed, rocksdb::WriteBatch* wb) override;
  absl::Status Consumed(const std::vector<Entry>& consumed) override;
  uint64_t backlog() const override;
  void Stop() override;

  // Offset of the last record appended (0 = none).
  uint64_t last_offset() const;
  // Offset of the last record consumed (0 = none).
  uint64_t consumed_offset() const;

 private:
  static constexpr size_t kMaxGroupBatches = 64;
  static constexpr size_t kMaxGroupRecords = 8192;

  RocksDbIngestLog(HubDb* db, RocksDbIngestLogOptions options);
  void Run();
  void WriteGroup(std::vector<Batch>& group);

  HubDb* const db_;
  const RocksDbIngestLogOptions options_;

  mutable absl::Mutex mu_;
  std::deque<Batch> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t last_offset_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t consumed_ ABSL_GUARDED_BY(mu_) = 0;

  // Consumer-thread state: the last offset returned by Poll().
  uint64_t polled_ = 0;

  // Writer-thread state.
  uint64_t next_offset_ = 1;
  // Keyed digests of (provider, dataset, record_id) for the dedupe index.
  std::unique_ptr<policy::Pseudonymiser> hasher_;
  std::thread thread_;
};

}  // namespace accord::hub
