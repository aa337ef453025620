// Full verification of a Merkle log against its signed tree heads: what
// `accordctl audit verify` runs offline on an export, or against a live hub.
//
// Pure: the entries come from a callback, the heads and key from the caller.
// No I/O of its own, no threads. Safe to run concurrently on separate inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/tree_head.h"

namespace accord::hub::ledger {

struct VerifyReport {
  bool ok = false;
  // Empty when ok; else one sentence naming the first problem found (sizes
  // and indexes only, never entry contents).
  std::string problem;
  // The first entry index that was altered, removed, inserted or reordered,
  // when the problem is about entries. Exact when the source's stored leaf
  // hashes are intact (they are checked against the signed roots first);
  // otherwise the first index of the head-to-head interval whose signed root
  // fails. (If the log was rewritten and re-signed after a pinned head, the
  // re-signed heads match the rewrite, so the interval is only where the
  // pinned head first disagrees: the problem names that head's size.)
  std::optional<uint64_t> first_bad_index;
  // Set when first_bad_index is only the start of the interval
  // [first_bad_index, interval_end) under the signed head of size interval_end
  // whose root failed, not the exact entry. A caller that can fetch inclusion
  // proofs from the log's stored nodes may narrow it (accordctl audit verify
  // --hub does).
  std::optional<uint64_t> interval_end;
  uint64_t entries_checked = 0;
  uint64_t heads_checked = 0;
};

struct SourceEntry {
  uint64_t index = 0;  // the index the source files the entry under
  std::string bytes;
  // The leaf hash the log or export stored for this index, if it has one.
  // Only used to pinpoint damage; never trusted without a signed root.
  std::optional<Hash> stored_leaf_hash;
};

// Fills `*out` with the next entry (in index order) and returns true, returns
// false at the end, or an error if the source cannot be read.
using EntrySource = absl::FunctionRef<absl::StatusOr<bool>(SourceEntry* out)>;

// Recomputes the whole tree from the entries and checks:
//  - every head's Ed25519 signature and log id against `public_pem`;
//  - heads at the same size agree (no fork) and timestamps never go back;
//  - entry indexes run 0, 1, 2, ... with no gap (removed) or repeat/regress
//    (inserted or reordered);
//  - the recomputed root at each head's size equals the signed root, which
//    also proves consistency between every pair of heads;
//  - the log is at least as long as the largest head (else truncated) and no
//    entry lies beyond it (else unsigned entries were inserted).
// `heads` may be in any order and may include heads pinned by partners, which
// is how truncation followed by re-signing is caught.
VerifyReport VerifyEntriesAgainstHeads(EntrySource next, absl::Span<const SignedTreeHead> heads,
                                       std::string_view public_pem);

}  // namespace accord::hub::ledger
