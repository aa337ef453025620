// StoredNodeCheck: recomputes every interior node of the Merkle tree the log
// stores (ledger_nodes, levels >= 1) from the stored leaf hashes (level 0),
// leaf by leaf, and compares each with the stored node as soon as it is
// complete. Inclusion and consistency proofs are read from these nodes, so a
// damaged node makes every proof through it wrong while the entries and
// signed heads still verify; this check finds it.
//
// Reads each level in key order with one iterator per level (no point reads,
// memory O(levels)). Nodes of indexes below the log's committed size never
// change, so no snapshot is needed while the writer appends.
//
// Thread safety: one thread at a time per object.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "accord/hub/ledger/merkle.h"
#include "rocksdb/db.h"

namespace accord::hub::ledger {

class StoredNodeCheck {
 public:
  // `db` and `nodes` (the ledger_nodes column family) are not owned and must
  // outlive this object.
  StoredNodeCheck(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* nodes);
  ~StoredNodeCheck();

  // Takes the stored leaf hash of entry size() and checks every interior
  // node it completes. DataLoss naming the node (level, index) when a stored
  // leaf or node is missing or differs from the recomputed one; the check
  // then stays failed. Never a hash or entry in the message.
  absl::Status Next();

  // Leaves taken so far.
  uint64_t size() const { return builder_.size(); }

 private:
  absl::Status Compare(uint32_t level, uint64_t index, const Hash* recomputed, Hash* stored);

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const nodes_;
  TreeBuilder builder_;
  std::vector<std::unique_ptr<rocksdb::Iterator>> levels_;
  absl::Status failed_;
};

}  // namespace accord::hub::ledger
