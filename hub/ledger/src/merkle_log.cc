#include "accord/hub/ledger/merkle_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/base/status_macros.h"
#include "invariant.h"
#include "keys.h"
#include "layout_migration.h"
#include "tile_tail.h"
#include "tiles.h"

namespace accord::hub::ledger {

struct MerkleLog::DecodedBundle {
  uint64_t bundle = 0;
  std::string bytes;
  std::vector<std::string_view> entries;  // views into `bytes`
};

std::vector<std::string> MerkleLogColumnFamilyNames() {
  return {"ledger_entries", "ledger_nodes", "ledger_heads"};
}

MerkleLog::MerkleLog(rocksdb::DB* db, MerkleLogColumnFamilies cfs, const TreeHeadSigner* signer)
    : db_(db), cfs_(cfs), signer_(signer) {}

absl::StatusOr<std::unique_ptr<MerkleLog>> MerkleLog::Open(rocksdb::DB* db,
                                                           MerkleLogColumnFamilies cfs,
                                                           const TreeHeadSigner* signer) {
  if (db == nullptr || cfs.entries == nullptr || cfs.nodes == nullptr || cfs.heads == nullptr) {
    return absl::InvalidArgumentError("merkle log: null db or column family handle");
  }
  ACCORD_RETURN_IF_ERROR(EnsureTileLayout(db, cfs));
  std::unique_ptr<MerkleLog> log(new MerkleLog(db, cfs, signer));
  rocksdb::ReadOptions read;

  // The newest head defines the size.
  std::unique_ptr<rocksdb::Iterator> heads(db->NewIterator(read, cfs.heads));
  heads->SeekToLast();
  ACCORD_RETURN_IF_ERROR(FromRocksDb(heads->status(), "merkle log: read heads"));
  std::unique_ptr<rocksdb::Iterator> entries(db->NewIterator(read, cfs.entries));
  entries->SeekToLast();
  ACCORD_RETURN_IF_ERROR(FromRocksDb(entries->status(), "merkle log: read entries"));

  if (!heads->Valid()) {
    if (entries->Valid()) return absl::DataLossError("merkle log: entries without a tree head");
    log->tail_ = std::make_shared<TileTail>();
    return log;
  }
  uint64_t key_size = 0;
  if (!DecodeU64Key(heads->key(), &key_size)) {
    return absl::DataLossError("merkle log: malformed head key");
  }
  ACCORD_ASSIGN_OR_RETURN(SignedTreeHead latest,
                          ParseSignedTreeHead(std::string_view(heads->value().data(),
                                                               heads->value().size())));
  if (latest.head.tree_size != key_size || key_size == 0) {
    return absl::DataLossError("merkle log: newest head's size does not match its key");
  }
  const uint64_t size = key_size;

  // The last bundle is the one holding entry size - 1, and holds it last.
  uint64_t last_bundle = 0;
  if (!entries->Valid() || !DecodeBundleKey(entries->key(), &last_bundle) ||
      last_bundle != (size - 1) / kBundleSize) {
    return absl::DataLossError("merkle log: last entry does not match the newest head's size");
  }
  std::vector<std::string_view> last_entries;
  ACCORD_RETURN_IF_ERROR(DecodeBundle(std::string_view(entries->value().data(), entries->value().size()),
                                      &last_entries));
  if (last_entries.size() != (size - 1) % kBundleSize + 1) {
    return absl::DataLossError("merkle log: last entry does not match the newest head's size");
  }
  ACCORD_ASSIGN_OR_RETURN(std::vector<Hash> last_leaf, log->ReadNodes({NodeId{0, size - 1}}));
  if (LeafHash(last_entries.back()) != last_leaf[0]) {
    return absl::DataLossError("merkle log: last entry does not match its stored leaf hash");
  }
  ACCORD_ASSIGN_OR_RETURN(TileTail tail, TileTail::Load(db, cfs.entries, cfs.nodes, size));
  log->tail_ = std::make_shared<TileTail>(std::move(tail));

  // The compact range is folded from the partial tiles of every level, so
  // this also checks every hash the next appends build on.
  const std::vector<NodeId> range_ids = RangeNodes(0, size);
  ACCORD_ASSIGN_OR_RETURN(std::vector<Hash> range, log->ReadNodes(range_ids));
  ACCORD_RETURN_IF_ERROR(TreeBuilder::FromCompactRange(size, range, &log->builder_));
  if (log->builder_.Root() != latest.head.root) {
    return absl::DataLossError("merkle log: stored nodes do not match the newest head's root");
  }
  {
    absl::MutexLock lock(&log->mu_);
    log->size_ = size;
    log->latest_ = std::move(latest);
  }
  return log;
}

absl::StatusOr<MerkleLog::PendingAppend> MerkleLog::Stage(absl::Span<const std::string> entries,
                                                          absl::Time now,
                                                          rocksdb::WriteBatch* batch,
                                                          const PendingAppend* after) {
  if (signer_ == nullptr) return absl::FailedPreconditionError("merkle log: opened read-only");
  if (entries.empty()) return absl::InvalidArgumentError("merkle log: no entries to append");
  if (batch == nullptr) return absl::InvalidArgumentError("merkle log: null batch");

  absl::Time previous_time;
  {
    absl::MutexLock lock(&mu_);
    previous_time = latest_.head.timestamp;
  }
  PendingAppend pending;
  const TileTail* base_tail = nullptr;
  if (after != nullptr) {
    if (after->new_size < builder_.size() || after->builder_.size() != after->new_size ||
        after->tail_ == nullptr) {
      return absl::FailedPreconditionError("merkle log: staging after an append already committed");
    }
    pending.builder_ = after->builder_;
    base_tail = after->tail_.get();
    previous_time = std::max(previous_time, after->head.head.timestamp);
  } else {
    pending.builder_ = builder_;
    base_tail = tail_.get();
  }
  pending.first_index = pending.builder_.size();
  auto tail = std::make_shared<TileTail>(*base_tail);
  ACCORD_RETURN_IF_ERROR(tail->Append(entries, &pending.builder_, cfs_.entries, cfs_.nodes, batch));
  pending.tail_ = std::move(tail);
  pending.new_size = pending.builder_.size();

  TreeHead head;
  head.tree_size = pending.new_size;
  head.root = pending.builder_.Root();
  head.timestamp = std::max(now, previous_time);
  ACCORD_ASSIGN_OR_RETURN(pending.head, signer_->Sign(head));
  ACCORD_RETURN_IF_ERROR(FromRocksDb(
      batch->Put(cfs_.heads, U64Key(pending.new_size).slice(), SerializeSignedTreeHead(pending.head)),
      "merkle log: stage head"));
  return pending;
}

void MerkleLog::Commit(const PendingAppend& pending) {
  if (pending.first_index != builder_.size() || pending.builder_.size() != pending.new_size) {
    Die("MerkleLog::Commit of an append not staged on the current state");
  }
  builder_ = pending.builder_;
  tail_ = pending.tail_;
  absl::MutexLock lock(&mu_);
  size_ = pending.new_size;
  latest_ = pending.head;
}

absl::StatusOr<MerkleLog::PendingAppend> MerkleLog::Append(absl::Span<const std::string> entries,
                                                           absl::Time now, bool sync) {
  rocksdb::WriteBatch batch;
  ACCORD_ASSIGN_OR_RETURN(PendingAppend pending, Stage(entries, now, &batch));
  rocksdb::WriteOptions options;
  options.sync = sync;
  ACCORD_RETURN_IF_ERROR(FromRocksDb(db_->Write(options, &batch), "merkle log: write batch"));
  Commit(pending);
  return pending;
}

uint64_t MerkleLog::size() const {
  absl::MutexLock lock(&mu_);
  return size_;
}

SignedTreeHead MerkleLog::LatestHead() const {
  absl::MutexLock lock(&mu_);
  if (size_ == 0) {
    SignedTreeHead empty;
    empty.head.root = EmptyRoot();
    empty.head.timestamp = absl::UnixEpoch();
    return empty;
  }
  return latest_;
}

absl::StatusOr<SignedTreeHead> MerkleLog::HeadAt(uint64_t tree_size) const {
  if (tree_size > size()) return absl::NotFoundError("merkle log: no head at that size");
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), cfs_.heads, U64Key(tree_size).slice(),
                                    &value);
  if (status.IsNotFound()) return absl::NotFoundError("merkle log: no head at that size");
  ACCORD_RETURN_IF_ERROR(FromRocksDb(status, "merkle log: read head"));
  ACCORD_ASSIGN_OR_RETURN(SignedTreeHead sth, ParseSignedTreeHead(value));
  if (sth.head.tree_size != tree_size) {
    return absl::DataLossError("merkle log: head's size does not match its key");
  }
  return sth;
}

absl::StatusOr<std::vector<SignedTreeHead>> MerkleLog::Heads(uint64_t from_size,
                                                             uint64_t to_size) const {
  const uint64_t limit = std::min(to_size, size());
  std::vector<SignedTreeHead> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_.heads));
  for (it->Seek(U64Key(from_size).slice()); it->Valid(); it->Next()) {
    uint64_t key = 0;
    if (!DecodeU64Key(it->key(), &key)) return absl::DataLossError("merkle log: malformed head key");
    if (key > limit) break;
    ACCORD_ASSIGN_OR_RETURN(SignedTreeHead sth,
                            ParseSignedTreeHead(std::string_view(it->value().data(),
                                                                 it->value().size())));
    if (sth.head.tree_size != key) {
      return absl::DataLossError("merkle log: head's size does not match its key");
    }
    out.push_back(std::move(sth));
  }
  ACCORD_RETURN_IF_ERROR(FromRocksDb(it->status(), "merkle log: read heads"));
  return out;
}

absl::StatusOr<std::shared_ptr<const MerkleLog::DecodedBundle>> MerkleLog::ReadBundle(
    uint64_t bundle) const {
  auto decoded = std::make_shared<DecodedBundle>();
  decoded->bundle = bundle;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), cfs_.entries, BundleKey(bundle).slice(), &decoded->bytes);
  if (status.IsNotFound()) return absl::DataLossError("merkle log: committed entry missing");
  ACCORD_RETURN_IF_ERROR(FromRocksDb(status, "merkle log: read entry"));
  ACCORD_RETURN_IF_ERROR(DecodeBundle(decoded->bytes, &decoded->entries));
  return std::shared_ptr<const DecodedBundle>(std::move(decoded));
}

absl::StatusOr<std::string> MerkleLog::Entry(uint64_t index) const {
  if (index >= size()) return absl::OutOfRangeError("merkle log: entry index beyond the log");
  const uint64_t bundle = index / kBundleSize;
  const uint64_t at = index % kBundleSize;
  std::shared_ptr<const DecodedBundle> cached;
  {
    absl::MutexLock lock(&cache_mu_);
    for (const auto& c : cached_bundles_) {
      if (c != nullptr && c->bundle == bundle) cached = c;
    }
  }
  // Entries below the committed size never change, so a cached (possibly
  // partial) bundle that already holds the entry is as good as a fresh read.
  if (cached == nullptr || cached->entries.size() <= at) {
    ACCORD_ASSIGN_OR_RETURN(cached, ReadBundle(bundle));
    absl::MutexLock lock(&cache_mu_);
    size_t slot = next_cache_slot_;
    for (size_t i = 0; i < kCachedBundles; ++i) {
      if (cached_bundles_[i] != nullptr && cached_bundles_[i]->bundle == bundle) slot = i;
    }
    if (slot == next_cache_slot_) next_cache_slot_ = (next_cache_slot_ + 1) % kCachedBundles;
    cached_bundles_[slot] = cached;
  }
  if (cached->entries.size() <= at) return absl::DataLossError("merkle log: committed entry missing");
  return std::string(cached->entries[at]);
}

absl::StatusOr<std::vector<Hash>> MerkleLog::ReadNodes(absl::Span<const NodeId> ids) const {
  // Each node is a run of hashes in one tile: read every tile once.
  std::vector<TileSpan> spans;
  spans.reserve(ids.size());
  std::vector<std::pair<uint32_t, uint64_t>> tiles;
  for (const NodeId& id : ids) {
    spans.push_back(NodeTileSpan(id.level, id.index));
    tiles.emplace_back(spans.back().tile_level, spans.back().tile_index);
  }
  std::sort(tiles.begin(), tiles.end());
  tiles.erase(std::unique(tiles.begin(), tiles.end()), tiles.end());
  std::vector<TileKey> keys;
  keys.reserve(tiles.size());
  for (const auto& [level, index] : tiles) keys.emplace_back(level, index);
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const TileKey& k : keys) slices.push_back(k.slice());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), cfs_.nodes, slices.size(), slices.data(), values.data(),
                statuses.data());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) return absl::DataLossError("merkle log: tree node missing");
    ACCORD_RETURN_IF_ERROR(FromRocksDb(statuses[i], "merkle log: read tree node"));
  }
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (const TileSpan& span : spans) {
    const size_t t = std::lower_bound(tiles.begin(), tiles.end(),
                                      std::make_pair(span.tile_level, span.tile_index)) -
                     tiles.begin();
    const std::string_view tile(values[t].data(), values[t].size());
    if (tile.size() % kHashSize != 0 || (uint64_t{span.offset} + span.count) * kHashSize > tile.size()) {
      return absl::DataLossError("merkle log: tree node missing");
    }
    out.push_back(SubtreeFromTile(tile, span.offset, span.count));
  }
  return out;
}

absl::StatusOr<std::vector<Hash>> MerkleLog::MaterialiseRanges(
    absl::Span<const LeafRange> ranges) const {
  std::vector<NodeId> ids;
  std::vector<size_t> ends;  // one past each range's last node in `ids`
  for (const LeafRange& r : ranges) {
    std::vector<NodeId> nodes = RangeNodes(r.begin, r.end);
    ids.insert(ids.end(), nodes.begin(), nodes.end());
    ends.push_back(ids.size());
  }
  ACCORD_ASSIGN_OR_RETURN(std::vector<Hash> hashes, ReadNodes(ids));
  std::vector<Hash> out;
  out.reserve(ranges.size());
  size_t begin = 0;
  for (size_t end : ends) {
    out.push_back(FoldRange(absl::MakeConstSpan(hashes).subspan(begin, end - begin)));
    begin = end;
  }
  return out;
}

absl::StatusOr<std::vector<Hash>> MerkleLog::InclusionProof(uint64_t index,
                                                            uint64_t tree_size) const {
  if (tree_size > size()) return absl::OutOfRangeError("inclusion proof: tree size beyond the log");
  if (index >= tree_size) return absl::OutOfRangeError("inclusion proof: index not below tree size");
  return MaterialiseRanges(InclusionProofRanges(index, tree_size));
}

absl::StatusOr<std::vector<Hash>> MerkleLog::ConsistencyProof(uint64_t size1,
                                                              uint64_t size2) const {
  if (size2 > size()) return absl::OutOfRangeError("consistency proof: size beyond the log");
  if (size1 > size2) return absl::InvalidArgumentError("consistency proof: first size above second");
  return MaterialiseRanges(ConsistencyProofRanges(size1, size2));
}

absl::StatusOr<Hash> MerkleLog::RootAt(uint64_t tree_size) const {
  if (tree_size > size()) return absl::OutOfRangeError("root: tree size beyond the log");
  if (tree_size == 0) return EmptyRoot();
  ACCORD_ASSIGN_OR_RETURN(std::vector<Hash> range, ReadNodes(RangeNodes(0, tree_size)));
  return FoldRange(range);
}

}  // namespace accord::hub::ledger
