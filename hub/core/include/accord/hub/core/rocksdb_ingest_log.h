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
// At rest: every raw record is sealed (AES-256-GCM under `record_key`, a
// 12-byte random nonce, the 8-byte offset key as associated data) before it
// is put in the WriteBatch, so neither the WAL nor any SST file of the
// ingest column family holds a record (or any identifier in it) in clear,
// and a stored value cannot be moved to another offset. Stored value:
// 0x01 || nonce || ciphertext || tag. Poll() opens them on the consumer's
// thread; a value that does not authenticate becomes an unreadable Entry
// (quarantined by the consumer, kept as stored). Values written before
// sealing (a serialized record, which never starts with 0x01) are still
// read. One keyed cipher context per direction, set up once.
//
// Consumption: one partition, offsets 1, 2, 3... The consumed position is
// the meta key "policy_offset", written by StageConsumed() into the
// consumer's own WriteBatch, so the outcome and the position commit
// atomically (exactly once). The same WriteBatch deletes the consumed raw
// records with one DeleteRange per kDeleteEveryRecords records or
// kDeleteEvery, whichever comes first (and at the first commit after a
// start): a range tombstone per batch would make every read of the log
// (each Poll) rebuild a list of thousands of tombstones.
//
// The live tail: once a group is durable, the writer also moves its records
// (parsed, with their serialized bytes) into a bounded in-memory tail, in
// the same critical section that publishes the new last offset. Poll() takes
// the next records from there when the tail starts at the consumer's
// position, so on the live path a record is neither read back from RocksDB
// nor opened nor parsed again; otherwise (after a restart, or while the
// consumer lags by more than `tail_records`) it reads storage, which holds
// every record, and drops tail records it has passed. Either way Poll()
// returns the same entries. polled_from_tail()/polled_from_storage() count
// both paths.
//
// Quarantine: a record the policy stage quarantines (an accepted record it
// could not process) is not lost with the consumed raw records: Quarantine()
// keeps it, sealed (AES-256-GCM under `quarantine_key`), in the quarantine
// column family under "kept/" + quarantined-at ms + offset (both 8 B BE), with
// an fsync before the consumer commits past it. The reason is the consumer's
// (the same column family, by offset). Kept records leave after
// `quarantine_retention`: SweepQuarantine() (at Open and on the hub's
// retention sweep) deletes older ones, and their reasons. KeptQuarantine() reads them back.
// Each record is kept once: the highest offset kept is written with the kept
// records ("kept_upto" in the same column family), and a retried
// Quarantine() (the consumer retries a batch whose commit failed, also after
// a restart) skips offsets at or below it. Quarantine() also counts, per
// provider, the records ever quarantined ("ever/" + provider; agency ids are
// not personal data), in the same write: QuarantinedEver().
//
// Replay (QuarantineService): a Batch whose `replays` name kept copies
// re-appends their records through the writer thread like any batch, but
// without consulting the dedupe index (publishers cannot set `replays`), and
// deletes the kept copies and their reason in the SAME fsync'd WriteBatch as
// the new raw record. A crash therefore leaves either the kept copy (nothing
// appended) or the new record (nothing kept), never both and never neither;
// the writer thread checks that the first kept copy still exists (so two
// replays of one record, or a replay racing the sweep, append it at most
// once: the later one gets kDuplicate, "no longer kept").
//
// Bounded: at most `max_queued_batches` batches wait, and at most
// `max_backlog_records` stored records wait for the policy stage; TryAppend()
// returns false beyond either and the caller applies back-pressure (the hub
// answers UNAVAILABLE, and publishers retry), so an overloaded hub slows its
// publishers instead of building an ever longer queue.
//
// Disk full: when the HubDb has a disk guard (disk_guard.h) that refuses
// ingest, the writer fails each group without writing anything (Unavailable,
// "the hub's storage is full ... retry later", no path), before RocksDB can
// meet ENOSPC; the guard itself decides when to admit again.
//
// Threading: see ingest_log.h. One writer thread, started by Open().
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/ingest_log.h"
#include "accord/policy/openssl.h"
#include "accord/policy/pseudonymiser.h"
#include "accord/hub/core/record_pool.h"
#include "rocksdb/write_batch.h"

namespace accord::base {
class Clock;  // accord/base/clock.h
}  // namespace accord::base

namespace accord::hub {

struct RocksDbIngestLogOptions {
  // Batches that may wait for the writer. Default: 256.
  size_t max_queued_batches = 256;
  // Stored records not yet consumed by the policy stage before TryAppend()
  // refuses. Default: 16,384 (about a second of policy work on a 2-core
  // machine), the same as tail_records, so that the consumer takes every
  // record from memory: a backlog larger than the tail makes an overloaded
  // hub read each record back from storage, open and parse it again (in the
  // loadgen benchmark, 200,000 against 8,192 cost ~20% more hub CPU per
  // record and ~10 s of delivery latency). > 0. A refused batch is not
  // stored, so a publisher that resends gets DUPLICATE for later batches the
  // hub did store.
  uint64_t max_backlog_records = 16384;
  // Secret (>= 32 bytes) keying the dedupe index so record ids are never
  // stored in clear. Required.
  std::string dedupe_key;
  // Key (exactly 32 bytes) sealing every raw record at rest (the hub derives
  // it from its secret: HKDF "accord.ingest.v1"). Required.
  std::string record_key;
  // Key (exactly 32 bytes) sealing the quarantined records kept. Required.
  std::string quarantine_key;
  // How long quarantined records are kept for investigation. Default: 30
  // days; > 0.
  absl::Duration quarantine_retention = absl::Hours(24 * 30);
  // Records just stored that the writer also hands to Poll() in memory (the
  // live tail), so that the consumer neither reads them back from RocksDB
  // nor opens and parses them again. Poll() reads from storage whatever the
  // tail does not hold (after a restart, or while the consumer lags by more
  // than this); the result is the same either way. Each record held costs
  // about 2.5 KB (decoded and as bytes). Default: 16,384; 0 turns the tail
  // off.
  size_t tail_records = 16384;
  // The clock (borrowed; must outlive the log) of the delete cadence, the
  // quarantined-at times, the sweep at Open() and the error log's rate
  // limit. Default (null): the real clock.
  const base::Clock* clock = nullptr;
  // Where records go once nothing needs them, cleared, for the Publish
  // decoder to parse into (record_pool.h), instead of being destroyed: those
  // Poll()'s consumer has finished with (the ones the entries it refills
  // held) and the writer's, once their batch is acknowledged, of every
  // record not kept in the live tail (when the consumer lags, the tail is
  // full and Poll() reads storage). Borrowed; must outlive the log. Default
  // (null): they are destroyed.
  RecordPool* record_pool = nullptr;

  absl::Status Validate() const;
};

class RocksDbIngestLog final : public IngestLog {
 public:
  // Consumed raw records are deleted in ranges of at least this many records,
  // or at least this often.
  static constexpr uint64_t kDeleteEveryRecords = 16384;
  static constexpr absl::Duration kDeleteEvery = absl::Seconds(1);

  static absl::StatusOr<std::unique_ptr<RocksDbIngestLog>> Open(HubDb* db,
                                                                RocksDbIngestLogOptions options);
  ~RocksDbIngestLog() override;

  bool TryAppend(Batch& batch) override;
  absl::Status Poll(absl::Duration wait, size_t max, std::vector<Entry>* out) override;
  void StageConsumed(const std::vector<Entry>& consumed, rocksdb::WriteBatch* wb) override;
  absl::Status Consumed(const std::vector<Entry>& consumed) override;
  uint64_t backlog() const override;
  bool Full() const override;
  void Stop() override;
  absl::Status Quarantine(const std::vector<QuarantinedEntry>& records) override;

  // A quarantined record kept: where it was in the log, when it was
  // quarantined, and its bytes (a serialized v1::Record: personal data).
  struct KeptRecord {
    uint64_t offset = 0;
    absl::Time quarantined_at;
    std::string record;
    // Its key in the quarantine column family ("kept/" + at ms + offset).
    std::string key;
    // ForEachKept(): false when the stored copy does not open (`record` is
    // then empty).
    bool opened = true;
  };
  // Deletes the kept records quarantined more than quarantine_retention
  // before `now`. Thread-safe.
  absl::Status SweepQuarantine(absl::Time now);
  // Every kept record, oldest first (DataLoss if one does not open).
  // Thread-safe.
  absl::StatusOr<std::vector<KeptRecord>> KeptQuarantine() const;
  // Visits the kept records oldest first, opening one at a time (memory
  // stays bounded by one record), until `visit` returns false. A copy that
  // does not open is visited with opened = false. Thread-safe.
  absl::Status ForEachKept(const std::function<bool(KeptRecord&)>& visit) const;
  // Why the record at `offset` was quarantined (NotFound: no reason kept).
  absl::StatusOr<std::string> KeptReason(uint64_t offset) const;
  // How many of `provider`'s records were ever quarantined here.
  absl::StatusOr<uint64_t> QuarantinedEver(const std::string& provider) const;
  // The key of the kept copy of `offset` quarantined at `at_ms`.
  static std::string KeptKeyOf(uint64_t at_ms, uint64_t offset);
  // Decodes a kept key (InvalidArgument if it is not one).
  static absl::Status DecodeKeptKey(std::string_view key, uint64_t* at_ms, uint64_t* offset);

  // Offset of the last record appended (0 = none).
  uint64_t last_offset() const;
  // Offset of the last record consumed (0 = none).
  uint64_t consumed_offset() const;
  // How many records Poll() has returned from the live tail and how many it
  // read back from storage, since Open(). Thread-safe.
  uint64_t polled_from_tail() const;
  uint64_t polled_from_storage() const;

 private:
  static constexpr size_t kMaxGroupBatches = 64;
  static constexpr size_t kMaxGroupRecords = 8192;

  RocksDbIngestLog(HubDb* db, RocksDbIngestLogOptions options);
  void Run();
  bool FullLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriteGroup(std::vector<Batch>& group);
  // Gives the records of an answered group to options_.record_pool.
  void Recycle(std::vector<Batch>& group);
  // Writer thread, after `accepted` (batch, record index) were stored from
  // `first_offset` on: moves them into the live tail while it has room and
  // stays contiguous. `own_plain` holds the bytes of records whose batch
  // had no serialized copies, in order.
  void AppendToTailLocked(std::vector<Batch>& group, const std::vector<std::pair<size_t, size_t>>& accepted,
                          std::vector<std::string>& own_plain, uint64_t first_offset)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writer thread: sealed_ = the stored form of `plain` at `offset_key`.
  absl::Status Seal(std::string_view plain, std::string_view offset_key);

  HubDb* const db_;
  const RocksDbIngestLogOptions options_;
  const base::Clock* const clock_;  // options_.clock or the real clock

  mutable absl::Mutex mu_;
  std::deque<Batch> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t last_offset_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t consumed_ ABSL_GUARDED_BY(mu_) = 0;
  // The live tail: records the writer stored, with contiguous offsets,
  // decoded as Poll() would decode them; at most options_.tail_records.
  struct TailRecord {
    uint64_t offset = 0;
    v1::Record record;
    std::string plain;  // its serialized bytes (Entry::stored)
  };
  std::deque<TailRecord> tail_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> polled_from_tail_{0};
  std::atomic<uint64_t> polled_from_storage_{0};

  // Poll()'s thread: the last offset returned.
  uint64_t polled_ = 0;
  // Poll()'s thread: the consumer's finished records, on their way to
  // options_.record_pool (given outside mu_).
  std::vector<v1::Record> finished_;
  // StageConsumed()/Consumed()'s thread: raw records up to deleted_upto_
  // are deleted (as of deleted_at_); staged_delete_upto_ is what the last
  // StageConsumed() deletes if its batch commits.
  uint64_t deleted_upto_ = 0;
  absl::Time deleted_at_ = absl::InfinitePast();
  uint64_t staged_delete_upto_ = 0;

  // Writer-thread state.
  uint64_t next_offset_ = 1;
  // Rate limit of the storage-error log (a full disk fails every group).
  class EveryTenSeconds {
   public:
    // How many events to report now (0: stay quiet; the count carries on).
    int64_t Count(absl::Time now) {
      ++pending_;
      if (now < next_) return 0;
      next_ = now + absl::Seconds(10);
      return std::exchange(pending_, 0);
    }

   private:
    absl::Time next_ = absl::InfinitePast();
    int64_t pending_ = 0;
  };
  EveryTenSeconds storage_errors_;
  std::unique_ptr<policy::AesGcmSealer> sealer_;  // under options_.record_key
  policy::RandomPool nonces_;
  std::string sealed_;  // scratch: one sealed value
  // Scratch reused by WriteGroup: the group's WriteBatch (cleared, capacity
  // kept) and its dedupe index puts (key into that group's `keys`, offset).
  rocksdb::WriteBatch group_batch_;
  std::vector<std::pair<std::string_view, uint64_t>> dedupe_puts_;
  // The writer's finished records, on their way to options_.record_pool.
  std::vector<v1::Record> recycled_;
  // Poll()'s thread: opens what the writer sealed.
  std::unique_ptr<policy::AesGcmOpener> opener_;
  // Quarantine()'s thread (the consumer's): nonces for sealing kept records,
  // and the highest offset kept (durably) so far.
  policy::RandomPool quarantine_nonces_;
  uint64_t kept_upto_ = 0;
  // Keyed digests of (provider, dataset, record_id) for the dedupe index.
  std::unique_ptr<policy::Pseudonymiser> hasher_;
  std::thread thread_;
};

}  // namespace accord::hub
