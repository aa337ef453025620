// The disclosure index: for each ledger entry, its index under its provider
// and under its recipient (column family ledger_by_party), so a partner's
// disclosure query is a range scan over its own entries, never a scan of the
// whole ledger.
//
// Written per batch, in the policy stage's WriteBatch together with the
// entries: ONE key per party per batch,
//   party 0 first index (8 B BE) -> the party's indices in the batch, ascending, 8 B BE each
// (stores written before hold one key per entry with an empty value, which
// means the key's own index; readers take both). The meta key
// "ledger_by_party_upto" holds how many entries are indexed.
//
// Threading: DisclosureIndexBatch is thread-compatible; the hub stages from
// the policy thread and backfills once at start, before the policy stage
// runs. ForEachPartyDisclosure is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/v1/record.pb.h"

namespace accord::hub {

// The index keys of one batch of ledger entries.
class DisclosureIndexBatch {
 public:
  // Entry `index` disclosed from `provider` to `recipient`. Indices must
  // grow from call to call.
  void Add(std::string_view provider, std::string_view recipient, uint64_t index);
  // Puts one key per party, and moves the indexed mark to `end` (every
  // entry below `end` is indexed). Returns the number of keys put.
  size_t Stage(HubDb* db, uint64_t end, rocksdb::WriteBatch* batch) const;

 private:
  std::vector<std::string> parties_;  // in order of first appearance
  absl::flat_hash_map<std::string, std::string> indices_;  // party -> 8 B BE indices
};

// Calls `fn(index)` for each ledger index of `party`'s disclosures with
// from <= index < end, ascending, until `fn` returns false. Returns the next
// index to read from (`end` when the range was exhausted). DataLoss for a
// damaged index value.
absl::StatusOr<uint64_t> ForEachPartyDisclosure(const HubDb* db, std::string_view party, uint64_t from,
                                                uint64_t end, const std::function<bool(uint64_t)>& fn);

// Indexes the entries of `ledger` that are not yet (data written before the
// index existed). DataLoss if an entry does not parse.
absl::Status BackfillDisclosureIndex(HubDb* db, const ledger::MerkleLog& ledger);

}  // namespace accord::hub
