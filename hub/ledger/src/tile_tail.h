// TileTail: the writer's copy of the right edge of a tiles.v1 log (tiles.h):
// the partial entry bundle and the partial tile of each tile level. Every
// append rewrites exactly these (plus the full bundles and tiles it
// completes), so the writer keeps them in memory instead of reading them back.
// Private to the ledger. A value type; not thread-safe (MerkleLog shares
// immutable copies between its writer and pending appends).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "accord/hub/ledger/merkle.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace accord::hub::ledger {

class TileTail {
 public:
  TileTail() = default;

  // Reads the partial bundle and partial tiles of a tiles.v1 log of `size`
  // leaves. DataLoss when one is missing or does not hold exactly the
  // entries/hashes a log of that size has.
  static absl::StatusOr<TileTail> Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* entries,
                                       rocksdb::ColumnFamilyHandle* nodes, uint64_t size);

  // Appends `entries` to `builder` (which must be at size()) and to this
  // tail, and puts into `batch` every bundle and tile the append completes or
  // changes, in key order per column family: for n entries from index s,
  // (s + n - 1) / 256 - s / 256 + 1 bundles and as many level-0 tiles, and
  // per higher tile level the tiles that receive a hash.
  absl::Status Append(absl::Span<const std::string> entries, TreeBuilder* builder,
                      rocksdb::ColumnFamilyHandle* entries_cf, rocksdb::ColumnFamilyHandle* nodes_cf,
                      rocksdb::WriteBatch* batch);

  uint64_t size() const { return size_; }
  // The partial tile of `tile_level` (possibly empty), as stored.
  const std::string& partial_tile(uint32_t tile_level) const;

 private:
  uint64_t size_ = 0;
  std::string bundle_;              // entries [size_ - size_ % 256, size_), encoded
  std::vector<std::string> tiles_;  // tiles_[L]: the partial tile of tile level L
};

}  // namespace accord::hub::ledger
