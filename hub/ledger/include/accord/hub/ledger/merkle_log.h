// MerkleLog: an append-only RFC 6962 Merkle log of opaque entries, kept in
// three column families of a RocksDB instance the caller owns (the hub keeps
// its ingest log, feeds, audit store and this ledger in one DB so that one
// WriteBatch makes a pipeline step atomic).
//
// Layout (all integers big-endian, so keys sort in log order):
//   ledger_entries: key index (8)              -> entry bytes
//   ledger_nodes:   key level (1) || index (8) -> 32-byte hash of the perfect
//                   subtree covering leaves [index << level, (index+1) << level);
//                   level 0 holds the leaf hashes
//   ledger_heads:   key tree_size (8)          -> SerializeSignedTreeHead()
// Every append writes its entries, every node it completes and one signed head
// in the caller's WriteBatch, so the newest head on disk always matches the
// entries on disk, whatever point a crash interrupts.
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
    TreeBuilder builder_;  // compact range after the append
  };

  // Loads the state (size, compact range, latest head) from `db`. Checks that
  // the newest stored head's size and root match the stored nodes (compact
  // range fold), that the last entry sits at size - 1 and that its bytes hash
  // to the stored leaf: DataLoss otherwise. `signer` (not owned, may be null
  // for a read-only log) signs new heads; `db` and the handles must outlive
  // the log. Does not verify head signatures: that is VerifyEntriesAgainstHeads's job.
  static absl::StatusOr<std::unique_ptr<MerkleLog>> Open(rocksdb::DB* db,
                                                         MerkleLogColumnFamilies cfs,
                                                         const TreeHeadSigner* signer);

  // Writer only. Adds `entries` (bytes, leaf hashes, every interior node that
  // becomes complete) and the new signed head to `batch`. Nothing changes in
  // memory until Commit(). The head's timestamp is `now` truncated to ms, but
  // never earlier than the previous head's. Without `after` it builds on the
  // committed state: after a failed write, just Stage again. InvalidArgument for an empty
  // `entries`; FailedPrecondition without a signer.
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
  absl::StatusOr<std::string> Entry(uint64_t index) const;
  // RFC 6962 PATH(index, D[tree_size]); needs index < tree_size <= size().
  // O(log n) point reads in one MultiGet.
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

  // Writer-only state: the committed compact range.
  TreeBuilder builder_;

  mutable absl::Mutex mu_;
  uint64_t size_ ABSL_GUARDED_BY(mu_) = 0;
  SignedTreeHead latest_ ABSL_GUARDED_BY(mu_);
};

// VerifyEntriesAgainstHeads over a ledger stored in RocksDB: every entry, the
// stored leaf hashes (to pinpoint damage), every stored head plus
// `pinned_heads` (heads a partner saw earlier), read from one snapshot so a
// concurrent writer does not disturb it. Reads the whole log: O(n).
VerifyReport VerifyStoredLog(rocksdb::DB* db, MerkleLogColumnFamilies cfs,
                             std::string_view public_pem,
                             absl::Span<const SignedTreeHead> pinned_heads = {});

}  // namespace accord::hub::ledger
