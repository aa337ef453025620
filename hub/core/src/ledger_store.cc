#include "accord/hub/core/ledger_store.h"

#include "accord/hub/core/disclosure_index.h"
#include "hub_db_internal.h"

namespace accord::hub {

absl::StatusOr<std::unique_ptr<ledger::MerkleLog>> OpenDisclosureLedger(HubDb* db,
                                                                        const ledger::TreeHeadSigner* signer) {
  if (db == nullptr) return absl::InvalidArgumentError("the disclosure ledger needs the hub's DB");
  return ledger::MerkleLog::Open(HubDbInternal::Raw(*db), LedgerColumnFamilies(*db), signer);
}

absl::StatusOr<uint64_t> LedgerStore::ForEachPartyDisclosure(std::string_view party, uint64_t from, uint64_t end,
                                                             const std::function<bool(uint64_t)>& fn) const {
  return hub::ForEachPartyDisclosure(db_, party, from, end, fn);
}

std::unique_ptr<ledger::StoredNodeCheck> LedgerStore::NewNodeCheck() const {
  return std::make_unique<ledger::StoredNodeCheck>(HubDbInternal::Raw(*db_), db_->cf(HubDb::kLedgerNodes));
}

}  // namespace accord::hub
