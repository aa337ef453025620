#include "accord/hub/ledger/verify.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace accord::hub::ledger {
namespace {

VerifyReport Fail(VerifyReport report, std::string problem, std::optional<uint64_t> index) {
  report.ok = false;
  report.problem = std::move(problem);
  report.first_bad_index = index;
  return report;
}

}  // namespace

VerifyReport VerifyEntriesAgainstHeads(EntrySource next, absl::Span<const SignedTreeHead> heads_in,
                                       std::string_view public_pem) {
  VerifyReport report;
  std::vector<SignedTreeHead> heads(heads_in.begin(), heads_in.end());
  std::stable_sort(heads.begin(), heads.end(), [](const SignedTreeHead& a, const SignedTreeHead& b) {
    return a.head.tree_size < b.head.tree_size;
  });

  // Signatures, forks, time order; keep one head per size, drop size 0.
  std::vector<SignedTreeHead> checked;
  for (const SignedTreeHead& sth : heads) {
    const uint64_t size = sth.head.tree_size;
    absl::Status status = VerifyTreeHead(sth, public_pem);
    if (!status.ok()) {
      return Fail(report, absl::StrCat("head at size ", size, ": ", status.message()),
                  std::nullopt);
    }
    ++report.heads_checked;
    if (size == 0) {
      if (sth.head.root != EmptyRoot()) {
        return Fail(report, "head at size 0 does not carry the empty root", std::nullopt);
      }
      continue;
    }
    if (!checked.empty()) {
      const SignedTreeHead& prev = checked.back();
      if (prev.head.tree_size == size) {
        if (prev.head.root != sth.head.root) {
          return Fail(report, absl::StrCat("two signed heads at size ", size,
                                           " have different roots (the log forked)"),
                      std::nullopt);
        }
        continue;
      }
      if (sth.head.timestamp < prev.head.timestamp) {
        return Fail(report, absl::StrCat("head at size ", size, " is older than the head at size ",
                                         prev.head.tree_size),
                    std::nullopt);
      }
    }
    checked.push_back(sth);
  }

  TreeBuilder actual;
  TreeBuilder stored;
  bool stored_complete = true;
  std::optional<uint64_t> first_leaf_mismatch;
  uint64_t interval_begin = 0;
  size_t next_head = 0;
  SourceEntry entry;
  while (true) {
    absl::StatusOr<bool> more = next(&entry);
    if (!more.ok()) {
      return Fail(report, absl::StrCat("cannot read entries: ", more.status().message()),
                  std::nullopt);
    }
    if (!*more) break;
    const uint64_t expected = actual.size();
    if (entry.index > expected) {
      return Fail(report,
                  absl::StrCat("entry ", expected, " is missing where it belongs (removed, or moved ",
                               "later): the next entry is filed under ", entry.index),
                  first_leaf_mismatch.value_or(expected));
    }
    if (entry.index < expected) {
      return Fail(report,
                  absl::StrCat("an entry filed under ", entry.index, " appears after entry ",
                               expected - 1, " (inserted or reordered)"),
                  first_leaf_mismatch.value_or(expected));
    }
    if (next_head >= checked.size()) {
      return Fail(report,
                  absl::StrCat("entries from ", expected, " on are not covered by any signed head"),
                  expected);
    }
    const Hash leaf = LeafHash(entry.bytes);
    // The stored-leaf tree equals the recomputed one until the first stored
    // leaf that differs: only build it from there on (saves a hash per entry).
    if (stored_complete && entry.stored_leaf_hash.has_value()) {
      if (!first_leaf_mismatch && leaf != *entry.stored_leaf_hash) {
        first_leaf_mismatch = expected;
        stored = actual;
      }
      if (first_leaf_mismatch) stored.Append(*entry.stored_leaf_hash);
    } else {
      stored_complete = false;
    }
    actual.Append(leaf);
    ++report.entries_checked;

    const SignedTreeHead& head = checked[next_head];
    if (actual.size() != head.head.tree_size) continue;
    const uint64_t size = head.head.tree_size;
    if (actual.Root() == head.head.root) {
      if (first_leaf_mismatch) {
        return Fail(report,
                    absl::StrCat("the stored leaf hash of entry ", *first_leaf_mismatch,
                                 " is altered (the entries match the signed head at size ", size,
                                 ")"),
                    first_leaf_mismatch);
      }
      interval_begin = size;
      ++next_head;
      continue;
    }
    if (stored_complete && first_leaf_mismatch && stored.Root() == head.head.root) {
      return Fail(report,
                  absl::StrCat("entry ", *first_leaf_mismatch,
                               " is altered, removed, inserted or reordered: it does not match the "
                               "signed head at size ",
                               size),
                  first_leaf_mismatch);
    }
    report.interval_end = size;
    return Fail(report,
                absl::StrCat("entries in [", interval_begin, ", ", size,
                             ") do not match the signed head at size ", size),
                interval_begin);
  }
  if (next_head < checked.size()) {
    return Fail(report,
                absl::StrCat("the log ends after ", actual.size(),
                             " entries but a signed head covers ", checked.back().head.tree_size,
                             " (truncated)"),
                actual.size());
  }
  report.ok = true;
  return report;
}

}  // namespace accord::hub::ledger
