#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/hub/ledger/stored_nodes.h"
#include "keys.h"

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

  std::unique_ptr<rocksdb::Iterator> entries(db->NewIterator(read, cfs.entries));
  std::unique_ptr<rocksdb::Iterator> leaves(db->NewIterator(read, cfs.nodes));
  entries->SeekToFirst();
  leaves->Seek(NodeKey(0, 0).slice());
  bool first = true;
  // Every interior node proofs are read from, recomputed from the stored leaves.
  StoredNodeCheck nodes(db, cfs.nodes);
  absl::Status nodes_status;
  auto next = [&](SourceEntry* out) -> absl::StatusOr<bool> {
    if (!first) entries->Next();
    first = false;
    if (!entries->Valid()) {
      absl::Status status = FromRocksDb(entries->status(), "read entries");
      if (!status.ok()) return status;
      return false;
    }
    if (!DecodeU64Key(entries->key(), &out->index)) {
      return absl::DataLossError("an entry key is not 8 bytes");
    }
    out->bytes.assign(entries->value().data(), entries->value().size());
    if (nodes_status.ok() && nodes.size() == out->index) nodes_status = nodes.Next();
    out->stored_leaf_hash.reset();
    // Advance the level-0 node cursor to this index.
    const NodeKey want(0, out->index);
    while (leaves->Valid() && leaves->key().compare(want.slice()) < 0) leaves->Next();
    if (leaves->Valid() && leaves->key() == want.slice() && leaves->value().size() == 32) {
      Hash h;
      std::copy(leaves->value().data(), leaves->value().data() + 32,
                reinterpret_cast<char*>(h.data()));
      out->stored_leaf_hash = h;
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
