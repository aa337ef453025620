// hub/core only: the raw rocksdb::DB behind a HubDb, for the components that
// wrap it (the MerkleLogs of the disclosure ledger and of the key log). Not
// installed, not visible outside hub/core: everything else goes through
// HubDb's typed calls or a component.
#pragma once

#include "accord/hub/core/hub_db.h"
#include "accord/hub/ledger/merkle_log.h"

namespace accord::hub {

struct HubDbInternal {
  static rocksdb::DB* Raw(const HubDb& db) { return db.db_.get(); }
};

// The column families of the disclosure ledger and of the key log.
inline ledger::MerkleLogColumnFamilies LedgerColumnFamilies(const HubDb& db) {
  return {db.cf(HubDb::kLedgerEntries), db.cf(HubDb::kLedgerNodes), db.cf(HubDb::kLedgerHeads)};
}
inline ledger::MerkleLogColumnFamilies KeyLogColumnFamilies(const HubDb& db) {
  return {db.cf(HubDb::kKeyLogEntries), db.cf(HubDb::kKeyLogNodes), db.cf(HubDb::kKeyLogHeads)};
}

}  // namespace accord::hub
