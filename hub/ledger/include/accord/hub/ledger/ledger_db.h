// Opening a RocksDB instance that holds the Merkle log's column families.
// The hub opens its own DB with all its column families; this helper is for
// tests, benchmarks and tools that only need the ledger.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "accord/hub/ledger/merkle_log.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace accord::hub::ledger {

// Column family options tuned for each ledger family (hashes do not
// compress, so ledger_nodes has compression off). `name` is one of
// MerkleLogColumnFamilyNames().
rocksdb::ColumnFamilyOptions MerkleLogColumnFamilyOptions(const std::string& name);

// An open DB with the default family and the three ledger families. Members
// are destroyed in reverse order: the handles before the DB, as RocksDB needs.
struct LedgerDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<std::unique_ptr<rocksdb::ColumnFamilyHandle>> handles;
  MerkleLogColumnFamilies cfs;
};

// Opens (creating if missing) the DB at `path` with the ledger families.
absl::StatusOr<std::unique_ptr<LedgerDb>> OpenLedgerDbForTest(const std::string& path);

}  // namespace accord::hub::ledger
