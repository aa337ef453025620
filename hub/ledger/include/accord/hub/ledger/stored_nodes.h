// StoredNodeCheck: recomputes every stored interior hash of the Merkle tree
// the log keeps (ledger_nodes: the hashes of tree levels 8, 16, ... in tiles
// of level >= 1) from the stored leaf hashes (level-0 tiles), leaf by leaf,
// and compares each with the stored one as soon as its subtree is complete.
// Inclusion and consistency proofs are read from these tiles, so a damaged
// hash makes every proof through it wrong while the entries and signed heads
// still verify; this check finds it. A damaged leaf hash in a full level-0
// tile shows as a mismatch of the level-8 hash above it. (The leaves of the
// partial level-0 tile have no stored hash above them yet: MerkleLog::Open
// checks them against the newest signed root, and VerifyStoredLog against
// the entries.)
//
// Reads one tile per level at a time (one point read per 256 hashes, memory
// O(levels * 8 KB)). Hashes of indexes below the log's committed size never
// change, so no snapshot is needed while the writer appends. Needs the
// tiles.v1 layout, which MerkleLog::Open guarantees.
//
// Thread safety: one thread at a time per object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
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

  // Takes the stored leaf hash of entry size() and checks every stored hash
  // it completes. DataLoss naming the node (level, index) and its tile when a
  // stored leaf or hash is missing or differs from the recomputed one; the
  // check then stays failed. Never a hash or entry in the message.
  absl::Status Next();
  // The same, and the stored leaf hash must be LeafHash(`entry`), the entry
  // at index size(): this also catches a damaged leaf of the partial level-0
  // tile, which no stored hash above covers yet.
  absl::Status Next(std::string_view entry);

  // Leaves taken so far.
  uint64_t size() const { return builder_.size(); }

 private:
  struct Tile {
    uint64_t index = UINT64_MAX;
    std::string bytes;
  };
  absl::Status Check(const std::string_view* entry);
  // The stored hash of tree level 8 * tile_level, index `index`, into `out`.
  absl::Status Stored(uint32_t tile_level, uint64_t index, Hash* out);

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const nodes_;
  TreeBuilder builder_;
  std::vector<Tile> tiles_;  // the tile last read, per tile level
  absl::Status failed_;
};

}  // namespace accord::hub::ledger
