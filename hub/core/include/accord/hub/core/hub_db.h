// The hub's single RocksDB instance and its column families.
//
// Everything the embedded hub keeps lives in one DB so that one WriteBatch
// makes a whole pipeline step atomic (ingest append + dedupe index; feed
// appends + audit records + ledger entries + the policy offset).
//
//   ingest        offset (8 B BE)                      -> sealed serialized v1::Record
//   dedupe        HMAC(provider, dataset, record_id)   -> offset (8 B BE)
//   feeds         recipient 0x00 first position (8 B BE) -> sealed segment of cleaned records (feed_store.h)
//   meta          text key                             -> value (offsets, feed heads)
//   agreements    id 0x00 version (4 B BE)             -> agreement document (YAML)
//   withdrawals   id 0x00 version 0x00 party           -> withdrawal document (YAML)
//   quarantine    offset (8 B BE)                      -> reason text (no values)
//   records       audit store: indexes into the feeds (record_store.h)
//   ledger_by_party  party 0x00 first ledger index -> the party's indices in one batch (disclosure_index.h)
//   ledger_*      the Merkle disclosure ledger (accord/hub/ledger/merkle_log.h)
//   key_log_*     the agency signing-key log, same layout (key_registry.h)
//
// The raw rocksdb::DB is not part of this header: callers read through the
// typed calls below (Get, GetU64, MultiGet, NewIterator) and write with
// WriteBatches of cf() handles; inside hub/core, hub_db_internal.h gives the
// DB to the components that wrap it (the ledger's MerkleLog).
//
// Thread safety: HubDb is immutable after Open(); rocksdb::DB is thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/hub/core/disk_guard.h"
#include "rocksdb/db.h"

namespace accord::hub {

struct HubDbOptions {
  // Directory of the RocksDB instance. Required.
  std::string path;
  // Block cache for reads, bytes. Default: 128 MiB.
  size_t block_cache_bytes = 128u << 20;
  // Memtable size per column family, bytes. Default: 64 MiB.
  size_t write_buffer_bytes = 64u << 20;
  // All memtables together, bytes (a RocksDB WriteBufferManager): with 14
  // column families the per-family size alone would allow ~1.6 GiB under a
  // sustained write load. Default: 256 MiB; at least write_buffer_bytes.
  size_t memtable_budget_bytes = 256u << 20;
  // Compaction filter of the records and feeds column families
  // (RecordStore's erased periods). Optional; shared with the RecordStore.
  std::shared_ptr<rocksdb::CompactionFilter> records_filter;
  // Free-space watch (disk_guard.h). Optional; when set, Write/WriteSync
  // write nothing below its reserve (ResourceExhausted, a path-free
  // message), and a DB that RocksDB stopped after a storage error is
  // resumed (DB::Resume) at the next write once there is room again.
  std::shared_ptr<DiskGuard> disk_guard;

  absl::Status Validate() const;
};

class HubDb {
 public:
  enum Cf : int {
    kDefault = 0,
    kIngest,
    kDedupe,
    kFeeds,
    kMeta,
    kAgreements,
    kWithdrawals,
    kQuarantine,
    kRecords,
    kRecordsByArea,  // no longer written (the area is in the records index value); old keys stay
    kLedgerEntries,
    kLedgerNodes,
    kLedgerHeads,
    kLedgerByParty,  // party 0 first ledger index (8 B BE) -> indices: disclosures a party made or received
    // The agency signing-key log (KeyRegistry): a MerkleLog like the ledger.
    kKeyLogEntries,
    kKeyLogNodes,
    kKeyLogHeads,
    kCfCount,
  };

  static absl::StatusOr<std::unique_ptr<HubDb>> Open(const HubDbOptions& options);
  ~HubDb();

  // The handle of one column family (for WriteBatch puts and MultiGet).
  rocksdb::ColumnFamilyHandle* cf(Cf which) const { return handles_[which]; }
  // The free-space watch, or null.
  DiskGuard* disk_guard() const { return guard_.get(); }
  // From now on, hold writes below the disk guard's reserve. Until then
  // (while the hub starts: its few small bookkeeping writes) they go ahead,
  // so a hub restarted on a nearly full disk starts, refusing ingest, and
  // serves its feeds. Thread-safe.
  void HoldWritesBelowReserve() { hold_below_reserve_.store(true, std::memory_order_release); }

  // Durable write of `batch` (WAL fsync'd before returning). With a disk
  // guard: ResourceExhausted, nothing written, while the disk is below the
  // guard's reserve.
  absl::Status WriteSync(rocksdb::WriteBatch* batch) const;
  // Write without fsync (survives a process crash, not a power cut).
  absl::Status Write(rocksdb::WriteBatch* batch) const;

  // Point read; NotFound when absent.
  absl::StatusOr<std::string> Get(Cf which, std::string_view key) const;
  // A stored EncodeU64() value: `absent` when the key is missing; DataLoss
  // when the value is not 8 bytes (a position that cannot be trusted: callers
  // that can rebuild what it marks may choose to start over).
  absl::StatusOr<uint64_t> GetU64(Cf which, std::string_view key, uint64_t absent = 0) const;
  // Point reads of several keys at once (rocksdb::DB::MultiGet): one status
  // per key, NotFound when absent; `values` resized to keys.size().
  std::vector<rocksdb::Status> MultiGet(const rocksdb::ReadOptions& options,
                                        const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                                        const std::vector<rocksdb::Slice>& keys,
                                        std::vector<std::string>* values) const;
  // An iterator over `which`; check its status() after the scan. Must be
  // destroyed before this HubDb.
  std::unique_ptr<rocksdb::Iterator> NewIterator(Cf which,
                                                 const rocksdb::ReadOptions& options = rocksdb::ReadOptions()) const;
  // Compacts the whole of `which` (retention: so that erased ciphertext
  // leaves every file). Blocks until done.
  absl::Status CompactAll(Cf which, const rocksdb::CompactRangeOptions& options) const;
  // Flushes the memtable of `which` to a file (tests, tools).
  absl::Status Flush(Cf which) const;

 private:
  // The raw rocksdb::DB, for the few hub/core components that need it
  // (MerkleLog over the ledger's column families): hub_db_internal.h,
  // visible only inside hub/core.
  friend struct HubDbInternal;
  HubDb() = default;
  // Disk guard: may a write go ahead (resuming a stopped DB first)?
  absl::Status Admit() const;
  // After a write: remember whether RocksDB may have stopped.
  absl::Status Failed(absl::Status status) const;

  std::shared_ptr<DiskGuard> guard_;
  std::atomic<bool> hold_below_reserve_{false};
  mutable std::atomic<bool> resume_needed_{false};
  mutable absl::Mutex resume_mu_;
  mutable absl::Time resume_tried_at_ ABSL_GUARDED_BY(resume_mu_) = absl::InfinitePast();
  mutable absl::Time resume_logged_at_ ABSL_GUARDED_BY(resume_mu_) = absl::InfinitePast();
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
  std::shared_ptr<rocksdb::CompactionFilter> records_filter_;  // outlives db_
};

// Big-endian fixed-width encodings used in keys (so byte order = numeric order).
std::string EncodeU64(uint64_t v);
void AppendU64(std::string* out, uint64_t v);
uint64_t DecodeU64(std::string_view bytes);  // requires bytes.size() >= 8
// `name` 0 `n` (8 B BE): the keys of feeds (recipient, position) and of
// ledger_by_party (party, ledger index), so one name's keys are a range.
std::string NameU64Key(std::string_view name, uint64_t n);
// The same key into `*out` (its memory reused: for per-entry keys on hot paths).
void AssignNameU64Key(std::string_view name, uint64_t n, std::string* out);
// The `n` of `key` if it is a NameU64Key of `name` (no other name's key, and
// not a longer one), else false.
bool ParseNameU64Key(std::string_view name, std::string_view key, uint64_t* n);

}  // namespace accord::hub
