// The disclosure index: for each ledger entry, one key under its provider and
// one under its recipient (column family ledger_by_party, key
// party 0 ledger_index (8 B BE)), so a partner's disclosure query is a range
// scan over its own entries (keys: NameU64Key in hub_db.h), never a scan of the whole ledger. Written in the
// policy stage's WriteBatch together with the entries; the meta key
// "ledger_by_party_upto" holds how many entries are indexed.
//
// Threading: the functions are thread-compatible; the hub calls Stage from
// the policy thread and Backfill once at start, before the policy stage runs.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/v1/record.pb.h"

namespace accord::hub {

// Adds the keys of the entry at `index` disclosing `record`.
void StageDisclosureIndex(HubDb* db, const v1::CleanedRecord& record, uint64_t index,
                          rocksdb::WriteBatch* batch);
// Moves the indexed mark to `end` (every entry below `end` is indexed): once
// per batch, after its StageDisclosureIndex calls.
void StageDisclosureIndexedUpTo(HubDb* db, uint64_t end, rocksdb::WriteBatch* batch);

// Indexes the entries of `ledger` that are not yet (data written before the
// index existed). DataLoss if an entry does not parse.
absl::Status BackfillDisclosureIndex(HubDb* db, const ledger::MerkleLog& ledger);

}  // namespace accord::hub
