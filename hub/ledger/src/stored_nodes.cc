#include "accord/hub/ledger/stored_nodes.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "keys.h"

namespace accord::hub::ledger {

StoredNodeCheck::StoredNodeCheck(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* nodes)
    : db_(db), nodes_(nodes) {}

StoredNodeCheck::~StoredNodeCheck() = default;

// Positions level `level`'s iterator on (level, index) and reads the node
// into `stored`; compares it with `recomputed` when given.
absl::Status StoredNodeCheck::Compare(uint32_t level, uint64_t index, const Hash* recomputed, Hash* stored) {
  if (level >= levels_.size()) levels_.resize(level + 1);
  const NodeKey want(level, index);
  std::unique_ptr<rocksdb::Iterator>& it = levels_[level];
  if (it == nullptr) {
    rocksdb::ReadOptions read;
    read.fill_cache = false;
    it.reset(db_->NewIterator(read, nodes_));
    it->Seek(want.slice());
  } else {
    while (it->Valid() && it->key().compare(want.slice()) < 0) it->Next();
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "reading stored Merkle nodes");
  const char* what = level == 0 ? "leaf hash" : "Merkle node";
  if (!it->Valid() || it->key() != want.slice() || it->value().size() != stored->size()) {
    return absl::DataLossError(absl::StrCat("the stored ", what, " at level ", level, ", index ", index,
                                            " is missing or malformed"));
  }
  std::copy(it->value().data(), it->value().data() + stored->size(), reinterpret_cast<char*>(stored->data()));
  if (recomputed != nullptr && *recomputed != *stored) {
    return absl::DataLossError(absl::StrCat(
        "the stored Merkle node at level ", level, ", index ", index,
        " does not match the leaves below it: proofs through it would be wrong"));
  }
  return absl::OkStatus();
}

absl::Status StoredNodeCheck::Next() {
  if (!failed_.ok()) return failed_;
  Hash leaf;
  absl::Status status = Compare(0, builder_.size(), nullptr, &leaf);
  if (status.ok()) {
    Hash stored;
    builder_.Append(leaf, [&](uint32_t level, uint64_t index, const Hash& hash) {
      if (level == 0 || !status.ok()) return;
      status = Compare(level, index, &hash, &stored);
    });
  }
  failed_ = status;
  return status;
}

}  // namespace accord::hub::ledger
