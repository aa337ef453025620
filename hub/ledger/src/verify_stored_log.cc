#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/hub/ledger/stored_nodes.h"
#include "keys.h"
#include "layout_migration.h"
#include "tiles.h"

namespace accord::hub::ledger {
namespace {

// Releases a snapshot on scope exit.
class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~ScopedSnapshot() { db_->ReleaseSnapshot(snapshot_); }
  ScopedSnapshot(const ScopedSnapshot&) = delete;
  ScopedSnapshot& operator=(const ScopedSnapshot&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

VerifyReport ReadFailure(absl::Status status) {
  VerifyReport report;
  report.problem = absl::StrCat("cannot read the stored log: ", status.message());
  return report;
}

}  // namespace

VerifyReport VerifyStoredLog(rocksdb::DB* db, MerkleLogColumnFamilies cfs,
                             std::string_view public_pem,
                             absl::Span<const SignedTreeHead> pinned_heads) {
  ScopedSnapshot snapshot(db);
  {
    absl::StatusOr<bool> tiles = HasTileLayout(db, cfs.nodes, snapshot.get());
    if (!tiles.ok()) return ReadFailure(tiles.status());
    if (!*tiles) {
      VerifyReport report;
      report.problem =
          "the stored log is in the legacy layout (or its migration was interrupted): open it with "
          "MerkleLog::Open, which migrates it, then verify";
      return report;
    }
  }
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.get();
  read.fill_cache = false;
  read.readahead_size = 2 << 20;

  std::vector<SignedTreeHead> heads(pinned_heads.begin(), pinned_heads.end());
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, cfs.heads));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      uint64_t key = 0;
      absl::StatusOr<SignedTreeHead> sth =
          ParseSignedTreeHead(std::string_view(it->value().data(), it->value().size()));
      if (!DecodeU64Key(it->key(), &key) || !sth.ok() || sth->head.tree_size != key) {
        VerifyReport report;
        report.problem = "a stored head record is malformed or filed under another size";
        return report;
      }
      heads.push_back(*std::move(sth));
    }
    absl::Status status = FromRocksDb(it->status(), "read heads");
    if (!status.ok()) return ReadFailure(status);
  }

  // Entries come bundle by bundle, leaf hashes tile by tile (both in key
  // order); an entry's index is its bundle's first index plus its position,
  // so a missing bundle shows as a gap and a bundle that lost or gained an
  // entry shifts the rest of it (pinpointed by the stored leaf hashes).
  std::unique_ptr<rocksdb::Iterator> bundles(db->NewIterator(read, cfs.entries));
  std::unique_ptr<rocksdb::Iterator> leaves(db->NewIterator(read, cfs.nodes));
  bundles->Seek(BundleKey(0).slice());
  bool first = true;
  std::string bundle_bytes;
  std::vector<std::string_view> bundle;
  uint64_t bundle_first = 0;
  size_t in_bundle = 0;
  uint64_t leaf_tile = UINT64_MAX;
  std::string leaf_bytes;
  // Every hash of levels 8, 16, ... that proofs are read from, recomputed from
  // the stored leaves.
  StoredNodeCheck nodes(db, cfs.nodes);
  absl::Status nodes_status;
  auto next = [&](SourceEntry* out) -> absl::StatusOr<bool> {
    while (in_bundle >= bundle.size()) {
      if (!first) bundles->Next();
      first = false;
      if (!bundles->Valid()) {
        absl::Status status = FromRocksDb(bundles->status(), "read entries");
        if (!status.ok()) return status;
        return false;
      }
      uint64_t index = 0;
      if (!DecodeBundleKey(bundles->key(), &index)) {
        return absl::DataLossError("a key in the entries family is not an entry bundle key");
      }
      bundle_bytes.assign(bundles->value().data(), bundles->value().size());
      absl::Status decoded = DecodeBundle(bundle_bytes, &bundle);
      if (!decoded.ok()) {
        return absl::DataLossError(absl::StrCat("entry bundle ", index, " (entries from ", index * kBundleSize,
                                                ") is malformed"));
      }
      bundle_first = index * kBundleSize;
      in_bundle = 0;
    }
    out->index = bundle_first + in_bundle;
    out->bytes.assign(bundle[in_bundle].data(), bundle[in_bundle].size());
    ++in_bundle;
    if (nodes_status.ok() && nodes.size() == out->index) nodes_status = nodes.Next();
    out->stored_leaf_hash.reset();
    const uint64_t tile = out->index / kTileWidth;
    const uint64_t at = out->index % kTileWidth;
    if (tile != leaf_tile) {
      leaf_tile = tile;
      leaf_bytes.clear();
      leaves->Seek(TileKey(0, tile).slice());
      if (leaves->Valid() && leaves->key() == TileKey(0, tile).slice()) {
        leaf_bytes.assign(leaves->value().data(), leaves->value().size());
      }
    }
    if (leaf_bytes.size() % kHashSize == 0 && leaf_bytes.size() >= (at + 1) * kHashSize) {
      out->stored_leaf_hash = TileHashAt(leaf_bytes, at);
    }
    return true;
  };
  VerifyReport report = VerifyEntriesAgainstHeads(next, heads, public_pem);
  if (report.ok && !nodes_status.ok()) {
    report.ok = false;
    report.problem = std::string(nodes_status.message());
  }
  return report;
}

}  // namespace accord::hub::ledger
