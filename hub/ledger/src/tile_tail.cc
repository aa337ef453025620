#include "tile_tail.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "keys.h"
#include "tiles.h"

namespace accord::hub::ledger {
namespace {

const std::string& EmptyString() {
  static const std::string empty;
  return empty;
}

}  // namespace

absl::StatusOr<TileTail> TileTail::Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* entries,
                                        rocksdb::ColumnFamilyHandle* nodes, uint64_t size) {
  TileTail tail;
  tail.size_ = size;
  rocksdb::ReadOptions read;
  if (const uint64_t in_bundle = size % kBundleSize; in_bundle != 0) {
    rocksdb::Status s = db->Get(read, entries, BundleKey(size / kBundleSize).slice(), &tail.bundle_);
    if (s.IsNotFound()) return absl::DataLossError("merkle log: the last entry bundle is missing");
    if (!s.ok()) return FromRocksDb(s, "merkle log: read the last entry bundle");
    std::vector<std::string_view> parsed;
    if (absl::Status d = DecodeBundle(tail.bundle_, &parsed); !d.ok()) return d;
    if (parsed.size() != in_bundle) {
      return absl::DataLossError(
          "merkle log: the last entry bundle does not hold the entries the newest head covers");
    }
  }
  for (uint32_t level = 0; HashesAtTileLevel(size, level) > 0; ++level) {
    const uint64_t hashes = HashesAtTileLevel(size, level);
    std::string& tile = tail.tiles_.emplace_back();
    const uint64_t width = hashes % kTileWidth;
    if (width == 0) continue;
    rocksdb::Status s = db->Get(read, nodes, TileKey(level, hashes / kTileWidth).slice(), &tile);
    if (s.IsNotFound()) {
      return absl::DataLossError(absl::StrCat("merkle log: the partial tile of level ", level, " is missing"));
    }
    if (!s.ok()) return FromRocksDb(s, "merkle log: read a partial tile");
    if (tile.size() != width * kHashSize) {
      return absl::DataLossError(absl::StrCat("merkle log: the partial tile of level ", level,
                                              " does not hold the hashes the newest head covers"));
    }
  }
  return tail;
}

const std::string& TileTail::partial_tile(uint32_t tile_level) const {
  return tile_level < tiles_.size() ? tiles_[tile_level] : EmptyString();
}

absl::Status TileTail::Append(absl::Span<const std::string> entries, TreeBuilder* builder,
                              rocksdb::ColumnFamilyHandle* entries_cf,
                              rocksdb::ColumnFamilyHandle* nodes_cf, rocksdb::WriteBatch* batch) {
  if (builder->size() != size_) return absl::InternalError("merkle log: tail and tree disagree");
  // Completed bundles and tiles are put as they fill; partial ones at the end.
  // Keys within a family are then put in increasing order, which keeps
  // RocksDB's memtable inserts cheap.
  std::vector<std::pair<uint64_t, std::string>> full_bundles;
  std::vector<std::vector<std::pair<uint64_t, std::string>>> full_tiles(tiles_.size());
  std::vector<bool> dirty(tiles_.size(), false);
  auto on_node = [&](uint32_t level, uint64_t index, const Hash& hash) {
    if (level % kTileHeight != 0) return;
    const uint32_t tile_level = level / kTileHeight;
    if (tile_level >= tiles_.size()) {
      tiles_.resize(tile_level + 1);
      full_tiles.resize(tile_level + 1);
      dirty.resize(tile_level + 1, false);
    }
    std::string& tile = tiles_[tile_level];
    tile.append(HashView(hash));
    dirty[tile_level] = true;
    if (tile.size() == kTileWidth * kHashSize) {
      full_tiles[tile_level].emplace_back(index / kTileWidth, std::move(tile));
      tile.clear();
      dirty[tile_level] = false;
    }
  };
  for (const std::string& entry : entries) {
    AppendToBundle(entry, &bundle_);
    builder->Append(LeafHash(entry), on_node);
    ++size_;
    if (size_ % kBundleSize == 0) {
      full_bundles.emplace_back(size_ / kBundleSize - 1, std::move(bundle_));
      bundle_.clear();
    }
  }
  rocksdb::Status s;
  for (const auto& [index, bytes] : full_bundles) {
    if (s.ok()) s = batch->Put(entries_cf, BundleKey(index).slice(), bytes);
  }
  if (s.ok() && !bundle_.empty() && !entries.empty()) {
    s = batch->Put(entries_cf, BundleKey(size_ / kBundleSize).slice(), bundle_);
  }
  for (uint32_t level = 0; level < tiles_.size(); ++level) {
    for (const auto& [index, bytes] : full_tiles[level]) {
      if (s.ok()) s = batch->Put(nodes_cf, TileKey(level, index).slice(), bytes);
    }
    if (s.ok() && dirty[level]) {
      s = batch->Put(nodes_cf, TileKey(level, HashesAtTileLevel(size_, level) / kTileWidth).slice(),
                     tiles_[level]);
    }
  }
  return FromRocksDb(s, "merkle log: stage bundles and tiles");
}

}  // namespace accord::hub::ledger
