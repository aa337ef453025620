#include "accord/hub/ledger/ledger_db.h"

#include "accord/hub/ledger/rocksdb_status.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"

namespace accord::hub::ledger {

rocksdb::ColumnFamilyOptions MerkleLogColumnFamilyOptions(const std::string& name) {
  rocksdb::ColumnFamilyOptions options;
  options.write_buffer_size = 64 << 20;
  if (name == "ledger_nodes") options.compression = rocksdb::kNoCompression;
  // Proofs are point reads scattered over the node keys: bloom filters skip
  // files without the key, and one shared cache keeps the hot upper levels.
  static const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(128 << 20);
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = cache;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

absl::StatusOr<std::unique_ptr<LedgerDb>> OpenLedgerDbForTest(const std::string& path) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()}};
  for (const std::string& name : MerkleLogColumnFamilyNames()) {
    descriptors.push_back({name, MerkleLogColumnFamilyOptions(name)});
  }
  std::vector<rocksdb::ColumnFamilyHandle*> raw_handles;
  rocksdb::DB* raw_db = nullptr;
  absl::Status status =
      FromRocksDb(rocksdb::DB::Open(options, path, descriptors, &raw_handles, &raw_db),
                  "open ledger db");
  if (!status.ok()) return status;
  auto out = std::make_unique<LedgerDb>();
  out->db.reset(raw_db);
  for (rocksdb::ColumnFamilyHandle* h : raw_handles) out->handles.emplace_back(h);
  out->cfs = {raw_handles[1], raw_handles[2], raw_handles[3]};
  return out;
}

}  // namespace accord::hub::ledger
