#include "accord/hub/core/hub_db.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "rocksdb/write_buffer_manager.h"
#include "rocksdb_logger.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

constexpr const char* kCfNames[HubDb::kCfCount] = {
    "default",
    "ingest", "dedupe", "feeds", "meta", "agreements", "withdrawals", "quarantine",
    "records", "records_by_area", "ledger_entries", "ledger_nodes", "ledger_heads",
    "ledger_by_party",
    "key_log_entries", "key_log_nodes", "key_log_heads",
};

}  // namespace

absl::Status HubDbOptions::Validate() const {
  if (path.empty()) return absl::InvalidArgumentError("data directory is not set");
  if (block_cache_bytes < (1u << 20)) {
    return absl::InvalidArgumentError("block cache must be at least 1 MiB");
  }
  if (write_buffer_bytes < (1u << 20)) {
    return absl::InvalidArgumentError("write buffer must be at least 1 MiB");
  }
  if (memtable_budget_bytes < write_buffer_bytes) {
    return absl::InvalidArgumentError("the memtable budget must be at least one write buffer");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<HubDb>> HubDb::Open(const HubDbOptions& options) {
  if (auto s = options.Validate(); !s.ok()) return s;
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  // The WAL is our durability: every acknowledged write is fsync'd (WriteSync).
  db_options.manual_wal_flush = false;
  // RocksDB's diagnostics go to the hub's log, never to a file on the data
  // disk (rocksdb_logger.h: a full disk made the file logger abort).
  db_options.info_log = NewRocksDbSpdlogLogger();
  // No fallocate: RocksDB preallocates each WAL at 1.1 x write_buffer_bytes
  // (~70 MiB) and each MANIFEST at 4 MiB. On ext4/xfs that space is taken
  // at once, so a nearly full disk looked full (the disk guard then refused
  // everything for good), and a restart with a few MiB free left none. The
  // WAL is fsync'd per group commit either way.
  db_options.allow_fallocate = false;
  // One memory budget for every column family's memtables (flushes start
  // when it is reached), so RSS stays bounded under sustained overload.
  db_options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(options.memtable_budget_bytes);

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kLZ4Compression;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < kCfCount; ++i) {
    descriptors.emplace_back(kCfNames[i], cf_options);
    if (i == kDedupe) {
      // Every accepted record looks its id up here first, and almost every
      // lookup misses: a memtable bloom filter answers those without walking
      // the skiplist (its keys are keyed digests, so inserts and lookups are
      // random).
      descriptors.back().options.memtable_prefix_bloom_size_ratio = 0.05;
      descriptors.back().options.memtable_whole_key_filtering = true;
      descriptors.back().options.write_buffer_size = std::min<size_t>(options.write_buffer_bytes, 8u << 20);
    }
    if ((i == kRecords || i == kFeeds) && options.records_filter) {
      descriptors.back().options.compaction_filter = options.records_filter.get();
    }
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  // Made here so that RocksDB does not report the missing directory as an error.
  std::error_code mkdir_error;
  std::filesystem::create_directories(options.path, mkdir_error);
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) return ledger::FromRocksDb(s, absl::StrCat("opening ", options.path));
  std::unique_ptr<HubDb> hub(new HubDb());
  hub->records_filter_ = options.records_filter;
  hub->guard_ = options.disk_guard;
  hub->db_.reset(raw);
  hub->handles_ = std::move(handles);
  return hub;
}

HubDb::~HubDb() {
  if (db_ == nullptr) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  db_->Close().PermitUncheckedError();
}

absl::Status HubDb::Admit() const {
  if (guard_ != nullptr && hold_below_reserve_.load(std::memory_order_acquire) && !guard_->AdmitInternal()) {
    return absl::ResourceExhaustedError(
        "the hub's storage is full: nothing was written; retry later (the hub resumes by itself once its "
        "operator frees space)");
  }
  if (!resume_needed_.load(std::memory_order_acquire)) return absl::OkStatus();
  // RocksDB stops writing after a storage error (a background error). Its
  // own recovery (SstFileManager) resumes once a memtable's worth is free;
  // DB::Resume() tries now, at most once a second. Either way the write
  // below tells whether the DB takes writes again.
  absl::MutexLock lock(&resume_mu_);
  const absl::Time now = absl::Now();
  if (now < resume_tried_at_ + absl::Seconds(1)) return absl::OkStatus();
  resume_tried_at_ = now;
  const rocksdb::Status s = db_->Resume();
  if (!s.ok() && !s.IsBusy() && now >= resume_logged_at_ + absl::Seconds(30)) {
    resume_logged_at_ = now;
    spdlog::warn("hub db: resuming after a storage error (retrying every second): {}", s.ToString());
  }
  return absl::OkStatus();
}

absl::Status HubDb::Failed(absl::Status status) const {
  if (status.ok()) {
    if (resume_needed_.exchange(false, std::memory_order_acq_rel)) {
      spdlog::info("hub db: writes succeed again after a storage error");
    }
  } else if (!absl::IsInvalidArgument(status)) {
    resume_needed_.store(true, std::memory_order_release);
  }
  return status;
}

absl::Status HubDb::WriteSync(rocksdb::WriteBatch* batch) const {
  if (auto s = Admit(); !s.ok()) return s;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return Failed(ledger::FromRocksDb(db_->Write(wo, batch), "durable write"));
}

absl::Status HubDb::Write(rocksdb::WriteBatch* batch) const {
  if (auto s = Admit(); !s.ok()) return s;
  return Failed(ledger::FromRocksDb(db_->Write(rocksdb::WriteOptions(), batch), "write"));
}

absl::StatusOr<std::string> HubDb::Get(Cf which, std::string_view key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handles_[which], rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return absl::NotFoundError("not found");
  if (!s.ok()) return ledger::FromRocksDb(s, "read");
  return value;
}

absl::StatusOr<uint64_t> HubDb::GetU64(Cf which, std::string_view key, uint64_t absent) const {
  auto value = Get(which, key);
  if (absl::IsNotFound(value.status())) return absent;
  if (!value.ok()) return value.status();
  if (value->size() != 8) {
    return absl::DataLossError(absl::StrCat("stored position '", std::string(key), "' is corrupt (", value->size(),
                                            " bytes, expected 8)"));
  }
  return DecodeU64(*value);
}

std::vector<rocksdb::Status> HubDb::MultiGet(const rocksdb::ReadOptions& options,
                                             const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                                             const std::vector<rocksdb::Slice>& keys,
                                             std::vector<std::string>* values) const {
  return db_->MultiGet(options, cfs, keys, values);
}

std::unique_ptr<rocksdb::Iterator> HubDb::NewIterator(Cf which, const rocksdb::ReadOptions& options) const {
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options, handles_[which]));
}

absl::Status HubDb::CompactAll(Cf which, const rocksdb::CompactRangeOptions& options) const {
  return ledger::FromRocksDb(db_->CompactRange(options, handles_[which], nullptr, nullptr),
                             absl::StrCat("compacting ", kCfNames[which]));
}

absl::Status HubDb::Flush(Cf which) const {
  return ledger::FromRocksDb(db_->Flush(rocksdb::FlushOptions(), handles_[which]),
                             absl::StrCat("flushing ", kCfNames[which]));
}

std::string EncodeU64(uint64_t v) {
  std::string out;
  AppendU64(&out, v);
  return out;
}

void AppendU64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

uint64_t DecodeU64(std::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

std::string NameU64Key(std::string_view name, uint64_t n) {
  std::string key;
  AssignNameU64Key(name, n, &key);
  return key;
}

void AssignNameU64Key(std::string_view name, uint64_t n, std::string* out) {
  out->assign(name.data(), name.size());
  out->push_back('\0');
  AppendU64(out, n);
}

bool ParseNameU64Key(std::string_view name, std::string_view key, uint64_t* n) {
  if (key.size() != name.size() + 9 || key.substr(0, name.size()) != name || key[name.size()] != '\0') return false;
  *n = DecodeU64(key.substr(name.size() + 1));
  return true;
}

}  // namespace accord::hub
