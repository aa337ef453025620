// The disclosure ledger's storage in the hub's DB, for those outside
// hub/core (the server, benchmarks, tests) that must not hold the raw DB:
// opening the ledger (a MerkleLog over the ledger column families), the
// per-party disclosure index (disclosure_index.h) and the check of the stored
// Merkle nodes that ledger exports run (ledger/stored_nodes.h).
//
// Ownership: `db` is borrowed and must outlive the LedgerStore and every
// object it returns.
// Thread safety: all members are thread-safe; each StoredNodeCheck is used
// by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/stored_nodes.h"
#include "accord/hub/ledger/tree_head.h"

namespace accord::hub {

// Opens the disclosure ledger in `db`, signing new tree heads with `signer`
// (null: read-only). `db` and `signer` must outlive the log.
absl::StatusOr<std::unique_ptr<ledger::MerkleLog>> OpenDisclosureLedger(HubDb* db,
                                                                        const ledger::TreeHeadSigner* signer);

class LedgerStore {
 public:
  explicit LedgerStore(const HubDb* db) : db_(db) {}

  // ForEachPartyDisclosure (disclosure_index.h) on this DB: `fn(index)` for
  // each ledger index of `party`'s disclosures in [from, end), ascending,
  // until `fn` returns false; the next index to read from.
  absl::StatusOr<uint64_t> ForEachPartyDisclosure(std::string_view party, uint64_t from, uint64_t end,
                                                  const std::function<bool(uint64_t)>& fn) const;
  // A check of the stored Merkle nodes of the disclosure ledger.
  std::unique_ptr<ledger::StoredNodeCheck> NewNodeCheck() const;

 private:
  const HubDb* const db_;
};

}  // namespace accord::hub
