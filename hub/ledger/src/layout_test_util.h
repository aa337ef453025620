// Test-only helpers for the two storage layouts (header-only):
//  - reading and tampering with entries and hashes of a tiles.v1 store, as an
//    attacker or a failing disk would (bypassing MerkleLog);
//  - LegacyLayoutWriter: the pre-tiles MerkleLog::Stage, kept verbatim in
//    effect (one key per entry in ledger_entries, one key per perfect subtree
//    in ledger_nodes, level by level, one signed head per batch), to build
//    legacy stores that the migration and compatibility tests start from.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/tree_head.h"
#include "keys.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "tiles.h"

namespace accord::hub::ledger::testing {

// ---- tiles.v1 tampering ----

inline std::vector<std::string> BundleEntries(rocksdb::DB* db, const MerkleLogColumnFamilies& cfs,
                                              uint64_t bundle) {
  std::string value;
  std::vector<std::string> out;
  if (!db->Get(rocksdb::ReadOptions(), cfs.entries, BundleKey(bundle).slice(), &value).ok()) return out;
  std::vector<std::string_view> views;
  if (!DecodeBundle(value, &views).ok()) return out;
  for (std::string_view v : views) out.emplace_back(v);
  return out;
}

inline bool PutBundle(rocksdb::DB* db, const MerkleLogColumnFamilies& cfs, uint64_t bundle,
                      const std::vector<std::string>& entries) {
  std::string value;
  for (const std::string& e : entries) AppendToBundle(e, &value);
  return db->Put(rocksdb::WriteOptions(), cfs.entries, BundleKey(bundle).slice(), value).ok();
}

inline std::string StoredEntry(rocksdb::DB* db, const MerkleLogColumnFamilies& cfs, uint64_t index) {
  std::vector<std::string> b = BundleEntries(db, cfs, index / kBundleSize);
  return index % kBundleSize < b.size() ? b[index % kBundleSize] : std::string();
}

// Replaces entry `index` inside its bundle.
inline bool PutStoredEntry(rocksdb::DB* db, const MerkleLogColumnFamilies& cfs, uint64_t index,
                           const std::string& bytes) {
  std::vector<std::string> b = BundleEntries(db, cfs, index / kBundleSize);
  if (index % kBundleSize >= b.size()) return false;
  b[index % kBundleSize] = bytes;
  return PutBundle(db, cfs, index / kBundleSize, b);
}

// Removes entry `index` from its bundle (the later ones in it move up).
inline bool RemoveStoredEntry(rocksdb::DB* db, const MerkleLogColumnFamilies& cfs, uint64_t index) {
  std::vector<std::string> b = BundleEntries(db, cfs, index / kBundleSize);
  if (index % kBundleSize >= b.size()) return false;
  b.erase(b.begin() + static_cast<long>(index % kBundleSize));
  return PutBundle(db, cfs, index / kBundleSize, b);
}

// Flips one bit of the stored hash of tree level 8 * tile_level, `index`.
inline bool FlipStoredHash(rocksdb::DB* db, const MerkleLogColumnFamilies& cfs, uint32_t tile_level,
                           uint64_t index, size_t byte = 5) {
  const TileKey key(tile_level, index / kTileWidth);
  std::string tile;
  if (!db->Get(rocksdb::ReadOptions(), cfs.nodes, key.slice(), &tile).ok()) return false;
  const size_t at = (index % kTileWidth) * kHashSize + byte;
  if (at >= tile.size()) return false;
  tile[at] ^= 0x01;
  return db->Put(rocksdb::WriteOptions(), cfs.nodes, key.slice(), tile).ok();
}

// ---- the legacy layout ----

class LegacyLayoutWriter {
 public:
  // The pre-tiles Stage + Write: entries, every completed node level by
  // level, and the signed head, in one WriteBatch.
  absl::StatusOr<SignedTreeHead> Append(rocksdb::DB* db, const MerkleLogColumnFamilies& cfs,
                                        const TreeHeadSigner& signer, const std::vector<std::string>& entries,
                                        absl::Time now) {
    rocksdb::WriteBatch batch;
    std::vector<std::vector<std::pair<uint64_t, Hash>>> by_level(1);
    auto collect = [&](uint32_t level, uint64_t index, const Hash& hash) {
      if (level >= by_level.size()) by_level.resize(level + 1);
      by_level[level].emplace_back(index, hash);
    };
    for (const std::string& e : entries) {
      batch.Put(cfs.entries, U64Key(builder_.size()).slice(), e);
      builder_.Append(LeafHash(e), collect);
    }
    for (size_t level = 0; level < by_level.size(); ++level) {
      for (const auto& [index, hash] : by_level[level]) {
        batch.Put(cfs.nodes, NodeKey(static_cast<uint32_t>(level), index).slice(), HashView(hash));
      }
    }
    TreeHead head{builder_.size(), builder_.Root(), now};
    auto sth = signer.Sign(head);
    if (!sth.ok()) return sth.status();
    batch.Put(cfs.heads, U64Key(builder_.size()).slice(), SerializeSignedTreeHead(*sth));
    rocksdb::Status s = db->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) return absl::InternalError(s.ToString());
    return *sth;
  }
  uint64_t size() const { return builder_.size(); }

 private:
  TreeBuilder builder_;
};

// The legacy MaterialiseRanges: a proof from legacy node keys.
inline absl::StatusOr<std::vector<Hash>> LegacyProof(rocksdb::DB* db, const MerkleLogColumnFamilies& cfs,
                                                     const std::vector<LeafRange>& ranges) {
  std::vector<Hash> out;
  for (const LeafRange& r : ranges) {
    std::vector<Hash> hashes;
    for (const NodeId& id : RangeNodes(r.begin, r.end)) {
      std::string v;
      if (!db->Get(rocksdb::ReadOptions(), cfs.nodes, NodeKey(id.level, id.index).slice(), &v).ok() ||
          v.size() != kHashSize) {
        return absl::DataLossError("legacy node missing");
      }
      hashes.push_back(TileHashAt(v, 0));
    }
    out.push_back(FoldRange(hashes));
  }
  return out;
}

}  // namespace accord::hub::ledger::testing
