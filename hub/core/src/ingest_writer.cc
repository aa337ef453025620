#include "accord/hub/core/ingest_writer.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {

absl::Status IngestWriterOptions::Validate() const {
  if (max_queued_batches == 0) return absl::InvalidArgumentError("max_queued_batches must be > 0");
  if (dedupe_key.size() < 32) return absl::InvalidArgumentError("dedupe key must be >= 32 bytes");
  return absl::OkStatus();
}

IngestWriter::IngestWriter(HubDb* db, IngestWriterOptions options)
    : db_(db), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<IngestWriter>> IngestWriter::Start(HubDb* db,
                                                                  IngestWriterOptions options) {
  if (auto s = options.Validate(); !s.ok()) return s;
  auto hasher = policy::Pseudonymiser::Create(options.dedupe_key);
  if (!hasher.ok()) return hasher.status();
  std::unique_ptr<IngestWriter> w(new IngestWriter(db, std::move(options)));
  w->hasher_ = std::make_unique<policy::Pseudonymiser>(std::move(hasher).value());
  // Resume after the last stored offset.
  auto meta = db->Get(HubDb::kMeta, "ingest_last");
  if (meta.ok() && meta->size() == 8) {
    w->next_offset_ = DecodeU64(*meta) + 1;
  } else if (!meta.ok() && !absl::IsNotFound(meta.status())) {
    return meta.status();
  }
  {
    absl::MutexLock lock(&w->mu_);
    w->last_offset_ = w->next_offset_ - 1;
  }
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  return w;
}

IngestWriter::~IngestWriter() { Stop(); }

bool IngestWriter::TrySubmit(Batch& batch) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= options_.max_queued_batches) return false;
  queue_.push_back(std::move(batch));
  return true;
}

uint64_t IngestWriter::last_offset() const {
  absl::MutexLock lock(&mu_);
  return last_offset_;
}

void IngestWriter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      // Already stopping; fall through to join if needed.
    }
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void IngestWriter::Run() {
  std::vector<Batch> group;
  for (;;) {
    group.clear();
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](IngestWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
            return w->stopping_ || !w->queue_.empty();
          },
          this));
      if (queue_.empty() && stopping_) return;
      size_t records = 0;
      while (!queue_.empty() && group.size() < kMaxGroupBatches && records < kMaxGroupRecords) {
        records += queue_.front().records.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (stopping_) {
        // Fail what is still queued: it was never acknowledged.
        while (!queue_.empty()) {
          Batch b = std::move(queue_.front());
          queue_.pop_front();
          b.done(absl::UnavailableError("the hub is shutting down"), {});
        }
      }
    }
    WriteGroup(group);
  }
}

void IngestWriter::WriteGroup(std::vector<Batch>& group) {
  // Keyed digests of every record, then one MultiGet against the index.
  std::vector<std::string> keys;
  for (const Batch& b : group) {
    for (const v1::Record& r : b.records) {
      std::string& key = keys.emplace_back();
      hasher_->RecordRef(r.provider(), r.dataset(), r.record_id(), &key);
    }
  }
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values(keys.size());
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), db_->cf(HubDb::kDedupe));
  std::vector<rocksdb::Status> found =
      db_->db()->MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);

  rocksdb::WriteBatch wb;
  absl::flat_hash_set<std::string_view> in_group;
  std::vector<std::vector<Outcome>> outcomes(group.size());
  uint64_t offset = next_offset_;
  std::string value;
  absl::Status error;
  size_t k = 0;
  for (size_t i = 0; i < group.size() && error.ok(); ++i) {
    outcomes[i].reserve(group[i].records.size());
    for (const v1::Record& r : group[i].records) {
      const std::string& key = keys[k];
      const rocksdb::Status& st = found[k];
      ++k;
      if (!st.ok() && !st.IsNotFound()) {
        error = ledger::FromRocksDb(st, "dedupe lookup");
        break;
      }
      if (st.ok() || !in_group.insert(key).second) {
        outcomes[i].push_back(Outcome::kDuplicate);
        continue;
      }
      value.clear();
      r.SerializeToString(&value);
      const std::string offset_key = EncodeU64(offset);
      wb.Put(db_->cf(HubDb::kIngest), offset_key, value);
      wb.Put(db_->cf(HubDb::kDedupe), key, offset_key);
      outcomes[i].push_back(Outcome::kAccepted);
      ++offset;
    }
  }
  if (error.ok() && offset != next_offset_) {
    wb.Put(db_->cf(HubDb::kMeta), "ingest_last", EncodeU64(offset - 1));
    error = db_->WriteSync(&wb);
  }
  if (!error.ok()) {
    for (Batch& b : group) b.done(absl::UnavailableError(absl::StrCat(
        "the ingest log could not store the batch: ", error.message())), {});
    return;
  }
  const bool appended = offset != next_offset_;
  next_offset_ = offset;
  {
    absl::MutexLock lock(&mu_);
    last_offset_ = offset - 1;
  }
  for (size_t i = 0; i < group.size(); ++i) group[i].done(absl::OkStatus(), outcomes[i]);
  if (appended && on_appended_) on_appended_(offset - 1);
}

}  // namespace accord::hub
