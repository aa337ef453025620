// RFC 6962 / RFC 9162 Merkle tree hashing and proof verification.
//
// Pure functions: no I/O, no state shared between calls except a per-thread
// reusable SHA-256 context. Safe to call from any thread. Used by the hub's
// MerkleLog and offline by `accordctl audit verify`.
//
//   leaf hash  = SHA-256(0x00 || entry)
//   node hash  = SHA-256(0x01 || left || right)
//   empty root = SHA-256("")
//   MTH(D[n])  = NodeHash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of
//                two smaller than n (RFC 6962 §2.1).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/types/span.h"

namespace accord::hub::ledger {

using Hash = std::array<uint8_t, 32>;

// SHA-256(0x00 || entry).
Hash LeafHash(std::string_view entry);
// SHA-256(0x01 || left || right).
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of the empty tree.
Hash EmptyRoot();

// Lowercase hex of a hash (64 characters).
std::string HashToHex(const Hash& hash);

// RFC 9162 §2.1.3.2: checks that `leaf_hash` is the leaf at `index` of the
// tree of `tree_size` leaves whose root is `root`. OK, or InvalidArgument
// ("inclusion proof ...") naming the problem, never data.
absl::Status VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root);

// RFC 9162 §2.1.4.2: checks that the tree of `size1` leaves with root `root1`
// is a prefix of the tree of `size2` leaves with root `root2`. Degenerate
// cases: size1 == size2 needs an empty proof and root1 == root2; size1 == 0
// needs an empty proof and root1 == EmptyRoot(). OK or InvalidArgument.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1,
                               const Hash& root2, absl::Span<const Hash> proof);

// Incremental RFC 6962 root over a stream of leaf hashes, O(log n) memory.
// Keeps the "compact range" [0, size): the hashes of the perfect subtrees
// along the right edge, largest (leftmost) first; there is one per set bit of
// size(). A value type; not thread-safe (copy it to hand it over).
class TreeBuilder {
 public:
  // Called for every perfect subtree completed by an append: the leaf itself
  // (level 0), then each interior node that becomes complete. `index` is the
  // node's position within its level: it covers leaves
  // [index << level, (index + 1) << level).
  using NodeSink = absl::FunctionRef<void(uint32_t level, uint64_t index, const Hash& hash)>;

  TreeBuilder() = default;

  // Rebuilds a builder for a tree of `size` leaves from its compact range
  // (as returned by compact_range()). InvalidArgument if the number of
  // hashes is not the number of set bits of `size`.
  static absl::Status FromCompactRange(uint64_t size, absl::Span<const Hash> compact_range,
                                       TreeBuilder* out);

  void Append(const Hash& leaf_hash);
  void Append(const Hash& leaf_hash, NodeSink on_complete);

  uint64_t size() const { return size_; }
  // MTH of the leaves appended so far; EmptyRoot() when none.
  Hash Root() const;
  absl::Span<const Hash> compact_range() const { return range_; }

 private:
  uint64_t size_ = 0;
  std::vector<Hash> range_;
};

// The perfect subtrees that make up the leaf range [begin, end), largest
// first, as (level, index) pairs. Requires begin aligned so that the range is
// a subtree of an RFC 6962 tree (begin a multiple of the largest power of two
// <= end - begin, which always holds for the ranges proofs use, and for
// begin == 0). The range's MTH is the right fold of these nodes' hashes:
// h = last; h = NodeHash(prev, h); ... (see FoldRange).
struct NodeId {
  uint32_t level;
  uint64_t index;
  bool operator==(const NodeId&) const = default;
};
std::vector<NodeId> RangeNodes(uint64_t begin, uint64_t end);
// Right fold of subtree hashes ordered largest first (the MTH of the range).
// Requires a non-empty span.
Hash FoldRange(absl::Span<const Hash> hashes);

// The shape of a proof: each element of the RFC 6962 PATH / PROOF output is the
// MTH of a leaf range, made of RangeNodes(range). Proof element i is
// FoldRange(hashes of ranges[i]'s nodes). Callers fetch node hashes from
// wherever they keep them (the MerkleLog reads RocksDB).
struct LeafRange {
  uint64_t begin;
  uint64_t end;
};
// RFC 6962 §2.1.1 PATH(index, D[tree_size]), bottom-up. Requires index < tree_size.
std::vector<LeafRange> InclusionProofRanges(uint64_t index, uint64_t tree_size);
// RFC 6962 §2.1.2 PROOF(size1, D[size2]). Requires size1 <= size2; empty when
// size1 == 0 or size1 == size2.
std::vector<LeafRange> ConsistencyProofRanges(uint64_t size1, uint64_t size2);

}  // namespace accord::hub::ledger
