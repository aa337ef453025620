#include "layout_migration.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl_compat.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/base/status_macros.h"
#include "keys.h"
#include "tiles.h"

namespace accord::hub::ledger {
namespace {

// Progress value: tile level (1) || next tile index (8 BE).
std::string EncodeProgress(uint32_t tile_level, uint64_t next_tile) {
  std::string out(1, static_cast<char>(tile_level));
  out.append(U64Key(next_tile).slice().data(), 8);
  return out;
}

absl::Status Damaged(std::string_view what, uint64_t size) {
  return absl::DataLossError(absl::StrCat(
      "merkle log: cannot migrate to the tile layout: ", AsAbsl(what), " (below the newest head's size ", size,
      "); the store is damaged, nothing was deleted: restore it from a backup"));
}

// The checks the legacy MerkleLog::Open made: the last entry sits at size - 1
// and the stored compact range folds to the newest head's root.
absl::Status CheckLegacyLog(rocksdb::DB* db, MerkleLogColumnFamilies cfs, uint64_t size,
                            const Hash& root) {
  std::unique_ptr<rocksdb::Iterator> entries(db->NewIterator(rocksdb::ReadOptions(), cfs.entries));
  entries->SeekToLast();
  ACCORD_RETURN_IF_ERROR(FromRocksDb(entries->status(), "merkle log: read legacy entries"));
  uint64_t last = 0;
  if (!entries->Valid() || !DecodeU64Key(entries->key(), &last) || last != size - 1) {
    return absl::DataLossError("merkle log: last entry does not match the newest head's size");
  }
  std::vector<Hash> range;
  for (const NodeId& id : RangeNodes(0, size)) {
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cfs.nodes, NodeKey(id.level, id.index).slice(), &value);
    if (s.IsNotFound() || (s.ok() && value.size() != kHashSize)) {
      return absl::DataLossError("merkle log: tree node missing");
    }
    ACCORD_RETURN_IF_ERROR(FromRocksDb(s, "merkle log: read legacy tree node"));
    range.push_back(TileHashAt(value, 0));
  }
  if (FoldRange(range) != root) {
    return absl::DataLossError("merkle log: stored nodes do not match the newest head's root");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> HasTileLayout(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* nodes,
                                   const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string format;
  rocksdb::Status s = db->Get(read, nodes, rocksdb::Slice(kFormatKey.data(), kFormatKey.size()), &format);
  if (s.IsNotFound()) return false;
  ACCORD_RETURN_IF_ERROR(FromRocksDb(s, "merkle log: read the storage format"));
  if (format != kFormatTilesV1) {
    return absl::FailedPreconditionError(
        "merkle log: the ledger is stored in a format this version does not read (written by a newer "
        "hub?); run that version, or restore a backup made by this one");
  }
  return true;
}

absl::Status EnsureTileLayout(rocksdb::DB* db, MerkleLogColumnFamilies cfs, const MigrationOptions& options) {
  ACCORD_ASSIGN_OR_RETURN(bool tiles, HasTileLayout(db, cfs.nodes));
  if (tiles) return absl::OkStatus();
  const rocksdb::Slice format_key(kFormatKey.data(), kFormatKey.size());
  const rocksdb::Slice format_value(kFormatTilesV1.data(), kFormatTilesV1.size());
  const rocksdb::Slice progress_key(kMigrationKey.data(), kMigrationKey.size());
  rocksdb::WriteOptions sync;
  sync.sync = true;

  // The newest head gives the size, in both layouts.
  std::unique_ptr<rocksdb::Iterator> heads(db->NewIterator(rocksdb::ReadOptions(), cfs.heads));
  heads->SeekToLast();
  ACCORD_RETURN_IF_ERROR(FromRocksDb(heads->status(), "merkle log: read heads"));
  if (!heads->Valid()) {
    std::unique_ptr<rocksdb::Iterator> entries(db->NewIterator(rocksdb::ReadOptions(), cfs.entries));
    entries->SeekToFirst();
    ACCORD_RETURN_IF_ERROR(FromRocksDb(entries->status(), "merkle log: read entries"));
    if (entries->Valid()) return absl::DataLossError("merkle log: entries without a tree head");
    return FromRocksDb(db->Put(sync, cfs.nodes, format_key, format_value), "merkle log: write the storage format");
  }
  uint64_t size = 0;
  if (!DecodeU64Key(heads->key(), &size) || size == 0) {
    return absl::DataLossError("merkle log: malformed head key");
  }
  ACCORD_ASSIGN_OR_RETURN(SignedTreeHead latest,
                          ParseSignedTreeHead(std::string_view(heads->value().data(), heads->value().size())));
  if (latest.head.tree_size != size) {
    return absl::DataLossError("merkle log: newest head's size does not match its key");
  }
  heads.reset();

  uint32_t start_level = 0;
  uint64_t start_tile = 0;
  std::string progress;
  rocksdb::Status ps = db->Get(rocksdb::ReadOptions(), cfs.nodes, progress_key, &progress);
  if (ps.ok()) {
    uint64_t next = 0;
    if (progress.size() != 9 || !DecodeU64Key(rocksdb::Slice(progress.data() + 1, 8), &next)) {
      return absl::DataLossError("merkle log: malformed migration progress key");
    }
    start_level = static_cast<uint8_t>(progress[0]);
    start_tile = next;
  } else if (ps.IsNotFound()) {
    // First run: the legacy store must be what the legacy Open accepted.
    ACCORD_RETURN_IF_ERROR(CheckLegacyLog(db, cfs, size, latest.head.root));
  } else {
    return FromRocksDb(ps, "merkle log: read the migration progress");
  }

  const uint64_t per_batch = std::max<uint64_t>(
      kTileWidth, (options.entries_per_batch + kTileWidth - 1) / kTileWidth * kTileWidth);
  rocksdb::ReadOptions scan;
  scan.fill_cache = false;
  scan.readahead_size = 2 << 20;
  for (uint32_t level = start_level; HashesAtTileLevel(size, level) > 0; ++level) {
    const uint64_t hashes = HashesAtTileLevel(size, level);
    const uint64_t tiles = (hashes + kTileWidth - 1) / kTileWidth;
    uint64_t t = level == start_level ? start_tile : 0;
    if (t >= tiles) continue;
    const uint32_t tree_level = level * kTileHeight;
    std::unique_ptr<rocksdb::Iterator> nodes(db->NewIterator(scan, cfs.nodes));
    nodes->Seek(NodeKey(tree_level, t * kTileWidth).slice());
    std::unique_ptr<rocksdb::Iterator> entries;
    if (level == 0) {
      entries.reset(db->NewIterator(scan, cfs.entries));
      entries->Seek(U64Key(t * kTileWidth).slice());
    }
    while (t < tiles) {
      rocksdb::WriteBatch batch;
      for (uint64_t moved = 0; t < tiles && moved < per_batch; ++t) {
        const uint64_t first = t * kTileWidth;
        const uint64_t end = std::min(first + kTileWidth, hashes);
        std::string tile, bundle;
        tile.reserve((end - first) * kHashSize);
        for (uint64_t i = first; i < end; ++i) {
          if (!nodes->Valid() || nodes->key() != NodeKey(tree_level, i).slice() ||
              nodes->value().size() != kHashSize) {
            ACCORD_RETURN_IF_ERROR(FromRocksDb(nodes->status(), "merkle log: read legacy nodes"));
            return Damaged(absl::StrCat("the hash at level ", tree_level, ", index ", i, " is missing"), size);
          }
          tile.append(nodes->value().data(), kHashSize);
          nodes->Next();
          if (level == 0) {
            if (!entries->Valid() || entries->key() != U64Key(i).slice()) {
              ACCORD_RETURN_IF_ERROR(FromRocksDb(entries->status(), "merkle log: read legacy entries"));
              return Damaged(absl::StrCat("entry ", i, " is missing"), size);
            }
            const rocksdb::Slice v = entries->value();
            AppendToBundle(std::string_view(v.data(), v.size()), &bundle);
            entries->Next();
          }
        }
        ACCORD_RETURN_IF_ERROR(FromRocksDb(batch.Put(cfs.nodes, TileKey(level, t).slice(), tile),
                                           "merkle log: stage a migrated tile"));
        if (level == 0) {
          ACCORD_RETURN_IF_ERROR(FromRocksDb(batch.Put(cfs.entries, BundleKey(t).slice(), bundle),
                                             "merkle log: stage a migrated bundle"));
        }
        moved += end - first;
      }
      ACCORD_RETURN_IF_ERROR(FromRocksDb(batch.Put(cfs.nodes, progress_key, EncodeProgress(level, t)),
                                         "merkle log: stage migration progress"));
      ACCORD_RETURN_IF_ERROR(FromRocksDb(db->Write(rocksdb::WriteOptions(), &batch),
                                         "merkle log: write a migration batch"));
      if (options.after_batch) options.after_batch();
    }
  }

  // Last step, atomic: the legacy keys go (every legacy entry key sorts
  // before 'b', every legacy node key before 'm'), the format key comes.
  rocksdb::WriteBatch done;
  rocksdb::Status s = done.DeleteRange(cfs.entries, rocksdb::Slice(), rocksdb::Slice(&kBundlePrefix, 1));
  if (s.ok()) s = done.DeleteRange(cfs.nodes, rocksdb::Slice(), rocksdb::Slice(&kMetaPrefix, 1));
  if (s.ok()) s = done.Put(cfs.nodes, format_key, format_value);
  if (s.ok()) s = done.Delete(cfs.nodes, progress_key);
  if (s.ok()) s = db->Write(sync, &done);
  return FromRocksDb(s, "merkle log: finish the migration to the tile layout");
}

}  // namespace accord::hub::ledger
