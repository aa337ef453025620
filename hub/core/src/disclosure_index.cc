#include "accord/hub/core/disclosure_index.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "accord/hub/core/meta_keys.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/v1/audit_service.pb.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {
namespace {

constexpr const auto& kUptoKey = meta_keys::kDisclosureIndexUpto;
constexpr uint64_t kBackfillBatch = 10000;

}  // namespace

void DisclosureIndexBatch::Add(std::string_view provider, std::string_view recipient, uint64_t index) {
  auto add = [&](std::string_view party) {
    auto [it, inserted] = indices_.try_emplace(std::string(party));
    if (inserted) parties_.push_back(it->first);
    AppendU64(&it->second, index);
  };
  add(provider);
  if (recipient != provider) add(recipient);
}

size_t DisclosureIndexBatch::Stage(HubDb* db, uint64_t end, rocksdb::WriteBatch* batch) const {
  for (const std::string& party : parties_) {
    const std::string& list = indices_.at(party);
    batch->Put(db->cf(HubDb::kLedgerByParty), NameU64Key(party, DecodeU64(list)), list);
  }
  batch->Put(db->cf(HubDb::kMeta), kUptoKey, EncodeU64(end));
  return parties_.size() + 1;
}

absl::StatusOr<uint64_t> ForEachPartyDisclosure(const HubDb* db, std::string_view party, uint64_t from,
                                                uint64_t end, const std::function<bool(uint64_t)>& fn) {
  if (end <= from) return from;
  const std::string begin = NameU64Key(party, from);
  const std::string upper_key = NameU64Key(party, end);
  rocksdb::Slice upper(upper_key);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(HubDb::kLedgerByParty, ro));
  uint64_t first = 0;
  // The batch key holding index `from` may start before it.
  it->SeekForPrev(begin);
  if (!it->Valid() || !ParseNameU64Key(party, it->key().ToStringView(), &first)) it->Seek(begin);
  for (; it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    if (!ParseNameU64Key(party, key, &first)) continue;
    std::string_view list = it->value().ToStringView();
    if (list.empty()) list = key.substr(party.size() + 1);  // one entry, stored before batch keys
    if (list.size() % 8 != 0 || DecodeU64(list) != first) {
      return absl::DataLossError("the disclosure index is damaged");
    }
    for (; !list.empty(); list.remove_prefix(8)) {
      const uint64_t index = DecodeU64(list);
      if (index < from) continue;
      if (index >= end) return end;
      if (!fn(index)) return index + 1;
    }
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading the disclosure index");
  return end;
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
    DisclosureIndexBatch index;
    const uint64_t end = std::min(size, upto + kBackfillBatch);
    for (uint64_t i = upto; i < end; ++i) {
      auto bytes = ledger.Entry(i);
      if (!bytes.ok()) return bytes.status();
      if (!entry.ParseFromString(*bytes)) {
        return absl::DataLossError(absl::StrCat("ledger entry ", i, " does not parse"));
      }
      index.Add(entry.provider(), entry.recipient(), i);
    }
    index.Stage(db, end, &wb);
    if (auto s = db->WriteSync(&wb); !s.ok()) return s;
    upto = end;
  }
  return absl::OkStatus();
}

}  // namespace accord::hub
