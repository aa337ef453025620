#include "accord/hub/core/disclosure_index.h"

#include "absl/strings/str_cat.h"
#include "accord/v1/audit_service.pb.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {
namespace {

constexpr char kUptoKey[] = "ledger_by_party_upto";
constexpr uint64_t kBackfillBatch = 10000;

}  // namespace

void StageDisclosureIndex(HubDb* db, const v1::CleanedRecord& record, uint64_t index,
                          rocksdb::WriteBatch* batch) {
  batch->Put(db->cf(HubDb::kLedgerByParty), NameU64Key(record.provider(), index), "");
  if (record.recipient() != record.provider()) {
    batch->Put(db->cf(HubDb::kLedgerByParty), NameU64Key(record.recipient(), index), "");
  }
}

void StageDisclosureIndexedUpTo(HubDb* db, uint64_t end, rocksdb::WriteBatch* batch) {
  batch->Put(db->cf(HubDb::kMeta), kUptoKey, EncodeU64(end));
}

absl::Status BackfillDisclosureIndex(HubDb* db, const ledger::MerkleLog& ledger) {
  // A corrupt mark only costs re-indexing from the start (the index is
  // derived from the ledger).
  auto stored = db->GetU64(HubDb::kMeta, kUptoKey);
  if (!stored.ok() && !absl::IsDataLoss(stored.status())) return stored.status();
  uint64_t upto = stored.value_or(0);
  const uint64_t size = ledger.size();
  v1::LedgerEntry entry;
  while (upto < size) {
    rocksdb::WriteBatch wb;
    const uint64_t end = std::min(size, upto + kBackfillBatch);
    for (uint64_t i = upto; i < end; ++i) {
      auto bytes = ledger.Entry(i);
      if (!bytes.ok()) return bytes.status();
      if (!entry.ParseFromString(*bytes)) {
        return absl::DataLossError(absl::StrCat("ledger entry ", i, " does not parse"));
      }
      wb.Put(db->cf(HubDb::kLedgerByParty), NameU64Key(entry.provider(), i), "");
      wb.Put(db->cf(HubDb::kLedgerByParty), NameU64Key(entry.recipient(), i), "");
    }
    wb.Put(db->cf(HubDb::kMeta), kUptoKey, EncodeU64(end));
    if (auto s = db->WriteSync(&wb); !s.ok()) return s;
    upto = end;
  }
  return absl::OkStatus();
}

}  // namespace accord::hub
