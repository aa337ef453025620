#include "accord/hub/ledger/merkle.h"

#include <openssl/evp.h>

#include <bit>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl_compat.h"
#include "accord/policy/openssl.h"
#include "invariant.h"

namespace accord::hub::ledger {
namespace {

// One SHA-256 context per thread, re-initialised per digest with the
// pre-fetched SHA-256 (EVP_sha256() would be fetched again on every init).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) {
      Die("SHA-256 context");
    }
  }
  Hash Digest(uint8_t prefix, std::string_view a, std::string_view b = {}) {
    Hash out;
    unsigned int len = 0;
    if (EVP_DigestInit_ex2(ctx_.get(), policy::FetchedSha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx_.get(), &prefix, 1) != 1 ||
        EVP_DigestUpdate(ctx_.get(), a.data(), a.size()) != 1 ||
        (!b.empty() && EVP_DigestUpdate(ctx_.get(), b.data(), b.size()) != 1) ||
        EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != out.size()) {
      Die("SHA-256");
    }
    return out;
  }

 private:
  policy::EvpMdCtxPtr ctx_;
};

Sha256& ThreadSha256() {
  thread_local Sha256 sha;
  return sha;
}

std::string_view View(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

// Largest power of two strictly smaller than n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

void PathRanges(uint64_t index, uint64_t begin, uint64_t end, std::vector<LeafRange>* out) {
  if (end - begin <= 1) return;
  const uint64_t k = SplitPoint(end - begin);
  if (index < begin + k) {
    PathRanges(index, begin, begin + k, out);
    out->push_back({begin + k, end});
  } else {
    PathRanges(index, begin + k, end, out);
    out->push_back({begin, begin + k});
  }
}

void SubproofRanges(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                    std::vector<LeafRange>* out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out->push_back({begin, end});
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubproofRanges(m, begin, begin + k, whole, out);
    out->push_back({begin + k, end});
  } else {
    SubproofRanges(m - k, begin + k, end, false, out);
    out->push_back({begin, begin + k});
  }
}

absl::Status ProofError(std::string_view kind, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(AsAbsl(kind), " proof: ", AsAbsl(problem)));
}

}  // namespace

Hash LeafHash(std::string_view entry) { return ThreadSha256().Digest(0x00, entry); }

Hash NodeHash(const Hash& left, const Hash& right) {
  return ThreadSha256().Digest(0x01, View(left), View(right));
}

Hash EmptyRoot() {
  // SHA-256("").
  static constexpr Hash kEmpty = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
                                  0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
                                  0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
                                  0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  return kEmpty;
}

std::string HashToHex(const Hash& hash) { return absl::BytesToHexString(AsAbsl(View(hash))); }

absl::Status VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root) {
  if (index >= tree_size) return ProofError("inclusion", "index not below tree size");
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return ProofError("inclusion", "too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return ProofError("inclusion", "too few hashes");
  if (r != root) return ProofError("inclusion", "root mismatch");
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1,
                               const Hash& root2, absl::Span<const Hash> proof) {
  if (size1 > size2) return ProofError("consistency", "first size above second size");
  if (size1 == size2) {
    if (!proof.empty()) return ProofError("consistency", "equal sizes need an empty proof");
    if (root1 != root2) return ProofError("consistency", "root mismatch at equal sizes");
    return absl::OkStatus();
  }
  if (size1 == 0) {
    if (!proof.empty()) return ProofError("consistency", "empty first tree needs an empty proof");
    if (root1 != EmptyRoot()) return ProofError("consistency", "first root is not the empty root");
    return absl::OkStatus();
  }
  if (proof.empty()) return ProofError("consistency", "empty proof");
  // RFC 9162 §2.1.4.2 step 2: an exact power of two first size means the old
  // root is itself a node of the new tree and is not repeated in the proof.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) path.push_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());

  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return ProofError("consistency", "too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return ProofError("consistency", "too few hashes");
  if (fr != root1) return ProofError("consistency", "first root mismatch");
  if (sr != root2) return ProofError("consistency", "second root mismatch");
  return absl::OkStatus();
}

absl::Status TreeBuilder::FromCompactRange(uint64_t size, absl::Span<const Hash> compact_range,
                                           TreeBuilder* out) {
  if (static_cast<uint64_t>(std::popcount(size)) != compact_range.size()) {
    return absl::InvalidArgumentError("compact range: hash count does not match tree size");
  }
  out->size_ = size;
  out->range_.assign(compact_range.begin(), compact_range.end());
  return absl::OkStatus();
}

void TreeBuilder::Append(const Hash& leaf_hash) {
  Append(leaf_hash, [](uint32_t, uint64_t, const Hash&) {});
}

void TreeBuilder::Append(const Hash& leaf_hash, NodeSink on_complete) {
  Hash h = leaf_hash;
  uint64_t index = size_;
  uint32_t level = 0;
  on_complete(level, index, h);
  // Each trailing one bit of the old size is a perfect subtree of the same
  // height as the one just completed: merge them.
  for (uint64_t s = size_; (s & 1) == 1; s >>= 1) {
    h = NodeHash(range_.back(), h);
    range_.pop_back();
    ++level;
    index >>= 1;
    on_complete(level, index, h);
  }
  range_.push_back(h);
  ++size_;
}

Hash TreeBuilder::Root() const {
  if (range_.empty()) return EmptyRoot();
  return FoldRange(range_);
}

std::vector<NodeId> RangeNodes(uint64_t begin, uint64_t end) {
  std::vector<NodeId> nodes;
  while (begin < end) {
    // Largest power of two that fits in the remaining length.
    const uint64_t len = std::bit_floor(end - begin);
    const uint32_t level = static_cast<uint32_t>(std::countr_zero(len));
    if (begin % len != 0) Die("RangeNodes: unaligned range");
    nodes.push_back({level, begin >> level});
    begin += len;
  }
  return nodes;
}

Hash FoldRange(absl::Span<const Hash> hashes) {
  if (hashes.empty()) Die("FoldRange: empty");
  Hash h = hashes.back();
  for (size_t i = hashes.size() - 1; i-- > 0;) h = NodeHash(hashes[i], h);
  return h;
}

std::vector<LeafRange> InclusionProofRanges(uint64_t index, uint64_t tree_size) {
  if (index >= tree_size) Die("InclusionProofRanges: index out of range");
  std::vector<LeafRange> out;
  PathRanges(index, 0, tree_size, &out);
  return out;
}

std::vector<LeafRange> ConsistencyProofRanges(uint64_t size1, uint64_t size2) {
  if (size1 > size2) Die("ConsistencyProofRanges: size1 > size2");
  std::vector<LeafRange> out;
  if (size1 == 0 || size1 == size2) return out;
  SubproofRanges(size1, 0, size2, true, &out);
  return out;
}

}  // namespace accord::hub::ledger
