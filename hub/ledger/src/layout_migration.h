// Moves a Merkle log stored in the legacy layout (one key per entry, one key
// per tree node) to the tiles.v1 layout (tiles.h), in bounded batches.
// MerkleLog::Open runs it; private to the ledger (tests call it directly to
// interrupt it).
//
// Crash safety: every batch writes its bundles and tiles together with a
// progress key (kMigrationKey) in one atomic WriteBatch; the legacy keys stay
// untouched until the last batch, which deletes them (two range deletions),
// writes the format key and removes the progress key, atomically. A process
// killed at any point leaves a store that the next call resumes from the last
// progress key; readers never see a half-migrated store because Open returns
// only after the migration finished.
//
// Not thread-safe: run it before anything else uses the column families.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "accord/hub/ledger/merkle_log.h"
#include "rocksdb/db.h"

namespace accord::hub::ledger {

struct MigrationOptions {
  // Entries (or, above level 0, hashes) moved per WriteBatch; rounded up to a
  // multiple of 256. Bounds memory and the size of one write (~5 MB of
  // 300-byte entries at the default).
  uint64_t entries_per_batch = 16384;
  // Test hook, called after each batch (not the last one) has been written.
  std::function<void()> after_batch;
};

// Makes sure the log in `cfs` uses the tiles.v1 layout:
//  - format key present and tiles.v1: nothing to do;
//  - format key present and anything else: FailedPrecondition (a newer format);
//  - empty log: writes the format key;
//  - legacy log (or an interrupted migration): migrates it, then writes the
//    format key.
// DataLoss if the legacy log is damaged in a way that loses data (an entry
// or node missing below the newest head's size, entries without a head):
// then nothing of the legacy data is deleted.
absl::Status EnsureTileLayout(rocksdb::DB* db, MerkleLogColumnFamilies cfs,
                              const MigrationOptions& options = {});

// True when the format key says tiles.v1 (false for a legacy or half-migrated
// store); errors are read errors or an unknown format.
absl::StatusOr<bool> HasTileLayout(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* nodes,
                                   const rocksdb::Snapshot* snapshot = nullptr);

}  // namespace accord::hub::ledger
