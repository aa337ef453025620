// MerkleLog: an append-only RFC 6962 Merkle log of opaque entries, kept in
// three column families of a RocksDB instance the caller owns (the hub keeps
// its ingest log, feeds, audit store and this ledger in one DB so that one
// WriteBatch makes a pipeline step atomic).
//
// Layout: tiles.v1, after C2SP tlog-tiles / Tessera (all integers
// big-endian, so keys sort in log order; details in hub/ledger/README.md):
//   ledger_entries: 'b' || bundle (8)  -> entries [256 bundle, 256 bundle + 256),
//                   each a 4-byte length and the bytes
//   ledger_nodes:   't' || tile level (1) || tile (8) -> the 32-byte hashes of
//                   tree level 8 * tile level, indexes [256 tile, 256 tile + 256)
//                   (tile level 0 holds the leaf hashes); other tree levels are
//                   recomputed from one tile when a proof needs them.
//                   "m/format" -> "tiles.v1"
//   ledger_heads:   key tree_size (8)  -> SerializeSignedTreeHead()
// Every append writes, in the caller's WriteBatch, the bundles and tiles it
// completes, the partial bundle and partial tiles it changes, and one signed
// head: one key per 256 entries plus a few, not one per entry and node. So
// the newest head on disk always matches the entries on disk, whatever point
// a crash interrupts. Open migrates a store written in the legacy layout (one
// key per entry and per node) in bounded, crash-safe batches.
//
// Threading: one writer (Stage/Commit/Append, never concurrently with each
// other) and any number of concurrent readers. Readers only see committed
// state: they read sizes/heads under a mutex and only touch keys below the
// committed size, which are immutable once written.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/hub/ledger/verify.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace accord::hub::ledger {

class TileTail;  // private: the writer's partial bundle and tiles

// Not owned; must outlive the MerkleLog.
struct MerkleLogColumnFamilies {
  rocksdb::ColumnFamilyHandle* entries = nullptr;
  rocksdb::ColumnFamilyHandle* nodes = nullptr;
  rocksdb::ColumnFamilyHandle* heads = nullptr;
};

// {"ledger_entries", "ledger_nodes", "ledger_heads"}.
std::vector<std::string> MerkleLogColumnFamilyNames();

class MerkleLog {
 public:
  // The result of Stage(): what the append will make true once the caller's
  // WriteBatch is durably written and Commit() is called.
  struct PendingAppend {
    uint64_t first_index = 0;  // index of the first staged entry
    uint64_t new_size = 0;     // tree size after the append
    SignedTreeHead head;       // the head written into the batch

   private:
    friend class MerkleLog;
    TreeBuilder builder_;                    // compact range after the append
    std::shared_ptr<const TileTail> tail_;  // partial bundle and tiles after it
  };

  // Loads the state (size, compact range, latest head) from `db`. Checks that
  // the newest stored head's size and root match the stored nodes (compact
  // range fold, which covers every hash of the partial tiles), that the last
  // bundle holds exactly the entries up to size - 1 and that the last entry
  // hashes to its stored leaf: DataLoss otherwise. A store in the legacy
  // layout is first migrated to tiles (writes to `db`; a migration
  // interrupted by a crash resumes here); an empty one gets its format key.
  // FailedPrecondition for a format this version does not know. `signer`
  // (not owned, may be null for a read-only log) signs new heads; `db` and
  // the handles must outlive the log. Does not verify head signatures: that
  // is VerifyEntriesAgainstHeads's job.
  static absl::StatusOr<std::unique_ptr<MerkleLog>> Open(rocksdb::DB* db,
                                                         MerkleLogColumnFamilies cfs,
                                                         const TreeHeadSigner* signer);

  // Writer only. Adds `entries` (the bundles and hash tiles they complete or
  // change) and the new signed head to `batch`: for a batch starting at index
  // s with n entries, (s + n - 1) / 256 - s / 256 + 1 bundle keys, as many
  // level-0 tile keys, one key per tile each higher level touches, and one
  // head key. Nothing changes in memory until Commit(). The head's timestamp
  // is `now` truncated to ms, but never earlier than the previous head's.
  // Without `after` it builds on the committed state: after a failed write,
  // just Stage again. InvalidArgument for an empty `entries`;
  // FailedPrecondition without a signer.
  //
  // Pipelining: pass `after` (a pending append not yet committed) to stage
  // the next batch on top of it while its batch is still being written, so
  // hashing and signing overlap the fsync. Batches must then be written and
  // committed in staging order; if a write fails, every append staged after
  // it must be dropped and staged again.
  absl::StatusOr<PendingAppend> Stage(absl::Span<const std::string> entries, absl::Time now,
                                      rocksdb::WriteBatch* batch,
                                      const PendingAppend* after = nullptr);

  // Writer only: call once the caller's db->Write(batch) has succeeded (with
  // the durability the caller needs). Aborts if `pending` does not start at
  // the committed size (commit out of order, or twice).
  void Commit(const PendingAppend& pending);

  // Stage + db->Write (WriteOptions::sync = `sync`) + Commit.
  absl::StatusOr<PendingAppend> Append(absl::Span<const std::string> entries, absl::Time now,
                                       bool sync);

  // ---- Readers (thread-safe; see the header comment). ----
  uint64_t size() const;
  // The newest committed head; tree_size 0, EmptyRoot(), no signature for an
  // empty log.
  SignedTreeHead LatestHead() const;
  // The head stored for exactly `tree_size`. NotFound if none (heads exist only
  // for sizes the log was at after an append).
  absl::StatusOr<SignedTreeHead> HeadAt(uint64_t tree_size) const;
  // All stored heads with from_size <= tree_size <= min(to_size, size()), in order.
  absl::StatusOr<std::vector<SignedTreeHead>> Heads(uint64_t from_size, uint64_t to_size) const;
  // OutOfRange if index >= size(); DataLoss if a committed entry is missing.
  // Reads the entry's bundle; the last few bundles read are kept, so reading
  // entries in order costs one read per 256 entries.
  absl::StatusOr<std::string> Entry(uint64_t index) const;
  // RFC 6962 PATH(index, D[tree_size]); needs index < tree_size <= size().
  // One MultiGet of the O(log n / 8) tiles the path crosses, then at most
  // ~255 hashes per tile to rebuild the nodes between tile levels.
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  // RFC 6962 PROOF(size1, D[size2]); needs size1 <= size2 <= size().
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) const;
  // MTH of the first `tree_size` leaves (<= size()), from stored nodes.
  absl::StatusOr<Hash> RootAt(uint64_t tree_size) const;

 private:
  MerkleLog(rocksdb::DB* db, MerkleLogColumnFamilies cfs, const TreeHeadSigner* signer);

  absl::StatusOr<std::vector<Hash>> ReadNodes(absl::Span<const NodeId> ids) const;
  absl::StatusOr<std::vector<Hash>> MaterialiseRanges(absl::Span<const LeafRange> ranges) const;

  rocksdb::DB* const db_;
  const MerkleLogColumnFamilies cfs_;
  const TreeHeadSigner* const signer_;

  struct DecodedBundle;
  absl::StatusOr<std::shared_ptr<const DecodedBundle>> ReadBundle(uint64_t bundle) const;

  // Writer-only state: the committed compact range, partial bundle and tiles.
  TreeBuilder builder_;
  std::shared_ptr<const TileTail> tail_;

  // The last bundles Entry() read (immutable once shared), replaced round
  // robin: a few readers going through the log in order (exports, the key
  // log's replay) each read a bundle once, not once per entry.
  static constexpr size_t kCachedBundles = 4;
  mutable absl::Mutex cache_mu_;
  mutable std::shared_ptr<const DecodedBundle> cached_bundles_[kCachedBundles] ABSL_GUARDED_BY(cache_mu_);
  mutable size_t next_cache_slot_ ABSL_GUARDED_BY(cache_mu_) = 0;

  mutable absl::Mutex mu_;
  uint64_t size_ ABSL_GUARDED_BY(mu_) = 0;
  SignedTreeHead latest_ ABSL_GUARDED_BY(mu_);
};

// VerifyEntriesAgainstHeads over a ledger stored in RocksDB: every entry, the
// stored leaf hashes (to pinpoint damage), every stored head plus
// `pinned_heads` (heads a partner saw earlier), read from one snapshot so a
// concurrent writer does not disturb it; and StoredNodeCheck, so a stored tile
// hash that does not match the leaves below it fails too. Reads the whole log:
// O(n). Needs the tiles.v1 layout (a legacy store fails with a problem saying
// to open it with MerkleLog::Open first, which migrates it).
VerifyReport VerifyStoredLog(rocksdb::DB* db, MerkleLogColumnFamilies cfs,
                             std::string_view public_pem,
                             absl::Span<const SignedTreeHead> pinned_heads = {});

}  // namespace accord::hub::ledger
