#include "accord/hub/ledger/stored_nodes.h"

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "keys.h"
#include "tiles.h"

namespace accord::hub::ledger {

StoredNodeCheck::StoredNodeCheck(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* nodes)
    : db_(db), nodes_(nodes) {}

StoredNodeCheck::~StoredNodeCheck() = default;

absl::Status StoredNodeCheck::Stored(uint32_t tile_level, uint64_t index, Hash* out) {
  if (tile_level >= tiles_.size()) tiles_.resize(tile_level + 1);
  Tile& tile = tiles_[tile_level];
  const uint64_t tile_index = index / kTileWidth;
  const uint64_t at = index % kTileWidth;
  // Re-read when the tile changes, or when a partial tile read earlier has
  // grown since (the writer appends while an export runs).
  if (tile.index != tile_index || tile.bytes.size() < (at + 1) * kHashSize) {
    rocksdb::ReadOptions read;
    read.fill_cache = false;
    tile.index = tile_index;
    rocksdb::Status s = db_->Get(read, nodes_, TileKey(tile_level, tile_index).slice(), &tile.bytes);
    if (s.IsNotFound()) {
      tile.bytes.clear();
    } else if (!s.ok()) {
      tile.index = UINT64_MAX;
      return FromRocksDb(s, "reading stored Merkle tiles");
    }
  }
  if (tile.bytes.size() < (at + 1) * kHashSize || tile.bytes.size() % kHashSize != 0) {
    const char* what = tile_level == 0 ? "leaf hash" : "Merkle node";
    return absl::DataLossError(absl::StrCat("the stored ", what, " at level ", tile_level * kTileHeight,
                                            ", index ", index, " (tile ", tile_level, "/", tile_index,
                                            ") is missing or malformed"));
  }
  *out = TileHashAt(tile.bytes, at);
  return absl::OkStatus();
}

absl::Status StoredNodeCheck::Next() { return Check(nullptr); }

absl::Status StoredNodeCheck::Next(std::string_view entry) { return Check(&entry); }

absl::Status StoredNodeCheck::Check(const std::string_view* entry) {
  if (!failed_.ok()) return failed_;
  Hash leaf;
  absl::Status status = Stored(0, builder_.size(), &leaf);
  if (status.ok() && entry != nullptr && LeafHash(*entry) != leaf) {
    status = absl::DataLossError(absl::StrCat("the stored leaf hash of entry ", builder_.size(), " (tile 0/",
                                              builder_.size() / kTileWidth,
                                              ") does not match the entry: proofs through it would be wrong"));
  }
  if (status.ok()) {
    Hash stored;
    builder_.Append(leaf, [&](uint32_t level, uint64_t index, const Hash& hash) {
      if (level == 0 || level % kTileHeight != 0 || !status.ok()) return;
      const uint32_t tile_level = level / kTileHeight;
      status = Stored(tile_level, index, &stored);
      if (status.ok() && stored != hash) {
        status = absl::DataLossError(absl::StrCat(
            "the stored Merkle node at level ", level, ", index ", index, " (tile ", tile_level, "/",
            index / kTileWidth, ") does not match the stored hashes below it (tile ", tile_level - 1, "/",
            index, "): proofs through them would be wrong"));
      }
    });
  }
  failed_ = status;
  return status;
}

}  // namespace accord::hub::ledger
