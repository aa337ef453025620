#include "accord/hub/core/rocksdb_ingest_log.h"

#include <algorithm>

#include "accord/base/clock.h"
#include "accord/hub/core/meta_keys.h"
#include "accord/hub/core/thread_name.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/clock.h"
#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "spdlog/spdlog.h"
#include "accord/policy/openssl.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {
namespace {

constexpr const auto& kConsumedKey = meta_keys::kPolicyOffset;
constexpr const auto& kLastKey = meta_keys::kIngestLast;
// Quarantine column family: + quarantined-at ms (8 B BE) + offset (8 B BE).
// (The consumer's reasons sit beside, keyed by the bare 8-byte offset.)
constexpr char kKeptPrefix[] = "kept/";
constexpr char kKeptVersion = '\x01';  // then nonce || ciphertext || tag
constexpr size_t kKeptKeyBytes = sizeof(kKeptPrefix) - 1 + 16;
// Also in the quarantine column family: the highest offset kept, and per
// provider the records ever quarantined.
constexpr char kKeptUptoKey[] = "kept_upto";
constexpr char kEverPrefix[] = "ever/";
// Ingest column family values: kSealedVersion || nonce || ciphertext || tag.
// A serialized v1::Record (as stored before sealing) never starts with 0x01
// (field number 0 does not exist).
constexpr char kSealedVersion = '\x01';
constexpr size_t kSealedOverhead = 1 + policy::kAesGcmNonceBytes + policy::kAesGcmTagBytes;

std::string KeptKey(uint64_t at_ms, uint64_t offset) {
  std::string key = kKeptPrefix;
  key += EncodeU64(at_ms);
  key += EncodeU64(offset);
  return key;
}

}  // namespace

std::string RocksDbIngestLog::KeptKeyOf(uint64_t at_ms, uint64_t offset) { return KeptKey(at_ms, offset); }

absl::Status RocksDbIngestLog::DecodeKeptKey(std::string_view key, uint64_t* at_ms, uint64_t* offset) {
  if (key.size() != kKeptKeyBytes || key.substr(0, sizeof(kKeptPrefix) - 1) != kKeptPrefix) {
    return absl::InvalidArgumentError("not a kept quarantine key");
  }
  *at_ms = DecodeU64(key.substr(sizeof(kKeptPrefix) - 1, 8));
  *offset = DecodeU64(key.substr(sizeof(kKeptPrefix) - 1 + 8, 8));
  return absl::OkStatus();
}

absl::Status RocksDbIngestLogOptions::Validate() const {
  if (max_queued_batches == 0) return absl::InvalidArgumentError("max_queued_batches must be > 0");
  if (max_backlog_records == 0) return absl::InvalidArgumentError("max_backlog_records must be > 0");
  if (dedupe_key.size() < 32) return absl::InvalidArgumentError("dedupe key must be >= 32 bytes");
  if (record_key.size() != policy::kAesGcmKeyBytes) {
    return absl::InvalidArgumentError("record key must be 32 bytes");
  }
  if (quarantine_key.size() != policy::kAesGcmKeyBytes) {
    return absl::InvalidArgumentError("quarantine key must be 32 bytes");
  }
  if (quarantine_retention <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("quarantine_retention must be > 0");
  }
  return absl::OkStatus();
}

RocksDbIngestLog::RocksDbIngestLog(HubDb* db, RocksDbIngestLogOptions options)
    : db_(db),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : base::RealClock::Get()) {}

absl::StatusOr<std::unique_ptr<RocksDbIngestLog>> RocksDbIngestLog::Open(HubDb* db,
                                                                  RocksDbIngestLogOptions options) {
  if (auto s = options.Validate(); !s.ok()) return s;
  auto hasher = policy::Pseudonymiser::Create(options.dedupe_key);
  if (!hasher.ok()) return hasher.status();
  std::unique_ptr<RocksDbIngestLog> w(new RocksDbIngestLog(db, std::move(options)));
  w->hasher_ = std::make_unique<policy::Pseudonymiser>(std::move(hasher).value());
  auto sealer = policy::AesGcmSealer::Create(w->options_.record_key);
  if (!sealer.ok()) return sealer.status();
  w->sealer_ = std::make_unique<policy::AesGcmSealer>(std::move(sealer).value());
  auto opener = policy::AesGcmOpener::Create(w->options_.record_key);
  if (!opener.ok()) return opener.status();
  w->opener_ = std::make_unique<policy::AesGcmOpener>(std::move(opener).value());
  // Resume after the last stored offset.
  // Neither position may be guessed: a wrong one would overwrite stored
  // records or process them twice.
  auto last = db->GetU64(HubDb::kMeta, kLastKey);
  if (!last.ok()) return last.status();
  w->next_offset_ = *last + 1;
  auto position = db->GetU64(HubDb::kMeta, kConsumedKey);
  if (!position.ok()) return position.status();
  const uint64_t consumed = *position;
  if (consumed > w->next_offset_ - 1) {
    return absl::DataLossError("the ingest log's consumed position is past its end");
  }
  w->polled_ = consumed;
  auto kept_upto = db->GetU64(HubDb::kQuarantine, kKeptUptoKey);
  if (!kept_upto.ok()) return kept_upto.status();
  w->kept_upto_ = *kept_upto;
  {
    absl::MutexLock lock(&w->mu_);
    w->last_offset_ = w->next_offset_ - 1;
    w->consumed_ = consumed;
  }
  if (auto s = w->SweepQuarantine(w->clock_->Now()); !s.ok()) return s;
  w->thread_ = std::thread([raw = w.get()] {
    NameThisThread("ingest-writer");
    raw->Run();
  });
  return w;
}

RocksDbIngestLog::~RocksDbIngestLog() { Stop(); }

bool RocksDbIngestLog::TryAppend(Batch& batch) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || FullLocked()) return false;
  queue_.push_back(std::move(batch));
  return true;
}

bool RocksDbIngestLog::FullLocked() const {
  return queue_.size() >= options_.max_queued_batches || last_offset_ - consumed_ >= options_.max_backlog_records;
}

bool RocksDbIngestLog::Full() const {
  absl::MutexLock lock(&mu_);
  return FullLocked();
}

uint64_t RocksDbIngestLog::last_offset() const {
  absl::MutexLock lock(&mu_);
  return last_offset_;
}

uint64_t RocksDbIngestLog::consumed_offset() const {
  absl::MutexLock lock(&mu_);
  return consumed_;
}

uint64_t RocksDbIngestLog::backlog() const {
  absl::MutexLock lock(&mu_);
  return last_offset_ - consumed_;
}

absl::Status RocksDbIngestLog::Poll(absl::Duration wait, size_t max, std::vector<Entry>* out) {
  uint64_t last;
  bool from_tail = false;
  {
    absl::MutexLock lock(&mu_);
    struct Ready {
      const RocksDbIngestLog* log;
      uint64_t polled;
      static bool Check(Ready* r) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return r->log->last_offset_ > r->polled;
      }
    } ready{this, polled_};
    mu_.AwaitWithTimeout(absl::Condition(&Ready::Check, &ready), wait);
    if (last_offset_ <= polled_) {
      out->clear();
      return absl::OkStatus();
    }
    last = std::min<uint64_t>(last_offset_, polled_ + max);
    // The live tail holds the next records: hand them over as they are.
    while (!tail_.empty() && tail_.front().offset <= polled_) tail_.pop_front();
    if (!tail_.empty() && tail_.front().offset == polled_ + 1) {
      const size_t n = std::min<uint64_t>(last - polled_, tail_.size());
      if (out->size() < n) out->resize(n);
      RecordPool* const pool = options_.record_pool;
      for (size_t k = 0; k < n; ++k) {
        Entry& e = (*out)[k];
        TailRecord& t = tail_.front();
        if (pool != nullptr && e.record.fields_size() > 0) {
          // The record the entry held (the consumer is done with it) goes
          // to the pool instead of being destroyed with the tail record.
          finished_.push_back(std::move(e.record));
        }
        e.Reset();
        e.offset = t.offset;
        e.record.Swap(&t.record);
        e.stored.swap(t.plain);
        tail_.pop_front();
      }
      out->resize(n);
      polled_ += n;
      polled_from_tail_.fetch_add(n, std::memory_order_relaxed);
      from_tail = true;
    }
    // Otherwise from storage, which holds every record (the tail records
    // this reads too are dropped at the next Poll()).
  }
  if (from_tail) {
    if (!finished_.empty()) options_.record_pool->Give(&finished_);  // outside mu_
    return absl::OkStatus();
  }
  const std::string begin = EncodeU64(polled_ + 1);
  const std::string end = EncodeU64(last + 1);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(HubDb::kIngest, ro));
  // Entries are reused (Entry::Reset keeps their memory); `n` are filled.
  size_t n = 0;
  for (it->Seek(begin); it->Valid(); it->Next()) {
    if (n == out->size()) out->emplace_back();
    Entry& e = (*out)[n++];
    e.Reset();
    e.offset = DecodeU64(it->key().ToStringView());
    const std::string_view value = it->value().ToStringView();
    if (value.empty() || value[0] != kSealedVersion) {  // stored before sealing
      e.stored.assign(value.data(), value.size());
    } else if (value.size() < kSealedOverhead) {
      e.unreadable_reason = "the stored raw record is truncated";
      e.stored.assign(value.data(), value.size());
      continue;
    } else {
      // Opened into the entry's own buffer, which Quarantine() seals again
      // if the record is quarantined.
      e.stored.resize(value.size() - kSealedOverhead);
      if (!opener_->Open(value.substr(1, policy::kAesGcmNonceBytes), value.substr(1 + policy::kAesGcmNonceBytes),
                         it->key().ToStringView(), absl::MakeSpan(e.stored))
               .ok()) {
        e.unreadable_reason = "the stored raw record does not authenticate under the hub's ingest key";
        e.stored.assign(value.data(), value.size());
        continue;
      }
    }
    if (!e.record.ParseFromString(e.stored)) {
      e.record.Clear();
      e.unreadable_reason = "stored record does not parse";
    }
  }
  out->resize(n);
  if (!it->status().ok()) {
    out->clear();
    return ledger::FromRocksDb(it->status(), "reading the ingest log");
  }
  // Offsets are contiguous; a gap means the log lost records.
  if (out->size() != last - polled_) {
    out->clear();
    return absl::DataLossError(absl::StrCat("the ingest log is missing records between offsets ",
                                            polled_ + 1, " and ", last));
  }
  polled_ = last;
  polled_from_storage_.fetch_add(out->size(), std::memory_order_relaxed);
  return absl::OkStatus();
}

uint64_t RocksDbIngestLog::polled_from_tail() const { return polled_from_tail_.load(std::memory_order_relaxed); }

uint64_t RocksDbIngestLog::polled_from_storage() const {
  return polled_from_storage_.load(std::memory_order_relaxed);
}

void RocksDbIngestLog::StageConsumed(const std::vector<Entry>& consumed, rocksdb::WriteBatch* wb) {
  if (consumed.empty()) return;
  const uint64_t last = consumed.back().offset;
  wb->Put(db_->cf(HubDb::kMeta), kConsumedKey, EncodeU64(last));
  // The raw records are no longer needed once their outcome is durable.
  staged_delete_upto_ = deleted_upto_;
  if (last - deleted_upto_ >= kDeleteEveryRecords || clock_->Now() - deleted_at_ >= kDeleteEvery) {
    wb->DeleteRange(db_->cf(HubDb::kIngest), EncodeU64(deleted_upto_ + 1), EncodeU64(last + 1));
    staged_delete_upto_ = last;
  }
}

absl::Status RocksDbIngestLog::Consumed(const std::vector<Entry>& consumed) {
  if (consumed.empty()) return absl::OkStatus();
  if (staged_delete_upto_ > deleted_upto_) {
    deleted_upto_ = staged_delete_upto_;
    deleted_at_ = clock_->Now();
  }
  absl::MutexLock lock(&mu_);
  consumed_ = std::max(consumed_, consumed.back().offset);
  return absl::OkStatus();
}

void RocksDbIngestLog::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      // Already stopping; fall through to join if needed.
    }
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RocksDbIngestLog::Run() {
  std::vector<Batch> group;
  for (;;) {
    group.clear();
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](RocksDbIngestLog* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
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
    Recycle(group);
  }
}

void RocksDbIngestLog::Recycle(std::vector<Batch>& group) {
  RecordPool* const pool = options_.record_pool;
  if (pool == nullptr) return;
  // Every batch is answered: its records (those the tail took are empty)
  // go to the pool instead of being destroyed with the group.
  for (Batch& b : group) {
    for (v1::Record& r : b.records) {
      if (r.fields_size() > 0) recycled_.push_back(std::move(r));
    }
  }
  if (!recycled_.empty()) pool->Give(&recycled_);
}

void RocksDbIngestLog::WriteGroup(std::vector<Batch>& group) {
  // A disk about to fill refuses new batches before RocksDB meets ENOSPC
  // (disk_guard.h); the guard logs, rate-limited, for the operator.
  if (DiskGuard* guard = db_->disk_guard(); guard != nullptr && !guard->AdmitIngest(group.size())) {
    const absl::Status full = absl::UnavailableError(
        "the hub's storage is full: nothing of this batch was stored; retry later (the hub resumes by itself "
        "once its operator frees space)");
    for (Batch& b : group) b.done(full, {});
    return;
  }
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
      db_->MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);
  // Replays: is the first kept copy of each still there? (Only this thread
  // appends replays, so the answer holds until the write below.)
  std::vector<rocksdb::Slice> kept_slices;
  for (const Batch& b : group) {
    for (const Batch::ReplayOf& r : b.replays) {
      kept_slices.emplace_back(r.kept_keys.empty() ? std::string_view() : std::string_view(r.kept_keys[0]));
    }
  }
  std::vector<std::string> kept_values(kept_slices.size());
  std::vector<rocksdb::Status> kept_found;
  if (!kept_slices.empty()) {
    std::vector<rocksdb::ColumnFamilyHandle*> kept_cfs(kept_slices.size(), db_->cf(HubDb::kQuarantine));
    kept_found = db_->MultiGet(rocksdb::ReadOptions(), kept_cfs, kept_slices, &kept_values);
  }
  absl::flat_hash_set<std::string_view> replayed_in_group;
  size_t kr = 0;

  // One batch reused from group to group: its buffer grows to a group's size
  // once instead of doubling (and faulting in fresh pages) every time.
  rocksdb::WriteBatch& wb = group_batch_;
  wb.Clear();
  // The dedupe index's keys are keyed digests, so random: inserted in sorted
  // order, each memtable insert starts from the previous one's place in the
  // skip list instead of searching it from the top.
  std::vector<std::pair<std::string_view, uint64_t>>& dedupe_puts = dedupe_puts_;
  dedupe_puts.clear();
  absl::flat_hash_set<std::string_view> in_group;
  std::vector<std::vector<Outcome>> outcomes(group.size());
  uint64_t offset = next_offset_;
  std::vector<std::pair<size_t, size_t>> accepted;  // for the live tail
  std::vector<std::string> own_plain;
  std::string value;
  absl::Status error;
  size_t k = 0;
  for (size_t i = 0; i < group.size() && error.ok(); ++i) {
    outcomes[i].reserve(group[i].records.size());
    const bool have_bytes = group[i].serialized.size() == group[i].records.size();
    const bool replay = !group[i].replays.empty();
    if (replay && group[i].replays.size() != group[i].records.size()) {
      error = absl::InternalError("a replay batch names a kept copy per record");
      break;
    }
    for (size_t j = 0; j < group[i].records.size(); ++j) {
      const v1::Record& r = group[i].records[j];
      const std::string& key = keys[k];
      const rocksdb::Status& st = found[k];
      ++k;
      if (replay) {
        // The kept copy, not the dedupe index, decides: the id was seen when
        // the record was first accepted.
        const Batch::ReplayOf& of = group[i].replays[j];
        const rocksdb::Status& kst = kept_found[kr++];
        if (!kst.ok() && !kst.IsNotFound()) {
          error = ledger::FromRocksDb(kst, "reading a kept quarantined record");
          break;
        }
        if (of.kept_keys.empty() || kst.IsNotFound() || !replayed_in_group.insert(of.kept_keys[0]).second) {
          outcomes[i].push_back(Outcome::kDuplicate);  // no longer kept
          continue;
        }
        in_group.insert(key);
        for (const std::string& kept : of.kept_keys) wb.Delete(db_->cf(HubDb::kQuarantine), kept);
        wb.Delete(db_->cf(HubDb::kQuarantine), EncodeU64(of.offset));  // its reason
      } else {
        if (!st.ok() && !st.IsNotFound()) {
          error = ledger::FromRocksDb(st, "dedupe lookup");
          break;
        }
        if (st.ok() || !in_group.insert(key).second) {
          outcomes[i].push_back(Outcome::kDuplicate);
          continue;
        }
      }
      const std::string offset_key = EncodeU64(offset);
      const std::string* plain = have_bytes ? &group[i].serialized[j] : &value;
      if (!have_bytes) {
        value.clear();
        r.SerializeToString(&value);
      }
      if (auto s = Seal(*plain, offset_key); !s.ok()) {
        error = std::move(s);
        break;
      }
      wb.Put(db_->cf(HubDb::kIngest), offset_key, sealed_);
      dedupe_puts.emplace_back(key, offset);
      outcomes[i].push_back(Outcome::kAccepted);
      ++offset;
      if (options_.tail_records > 0) {
        accepted.emplace_back(i, j);
        if (!have_bytes) own_plain.push_back(std::move(value));
      }
    }
  }
  if (error.ok() && offset != next_offset_) {
    std::sort(dedupe_puts.begin(), dedupe_puts.end());
    for (const auto& [key, at] : dedupe_puts) wb.Put(db_->cf(HubDb::kDedupe), key, EncodeU64(at));
    wb.Put(db_->cf(HubDb::kMeta), kLastKey, EncodeU64(offset - 1));
    error = db_->WriteSync(&wb);
  }
  if (!error.ok()) {
    // The detail (file names, the system error) is for the operator, at most
    // every 10 s; the publisher learns only what to do.
    if (const int64_t n = storage_errors_.Count(clock_->Now()); n > 0) {
      spdlog::error("ingest log: cannot store batches ({} since the last report): {}", n, std::string(error.message()));
    }
    const absl::Status refused =
        absl::IsResourceExhausted(error)
            ? absl::ResourceExhaustedError(
                  "the hub's storage is full: nothing of this batch was stored; retry later (the hub "
                  "resumes by itself once its operator frees space)")
            : absl::UnavailableError(
                  "the hub could not store this batch (a storage error; its operator has the detail): "
                  "nothing of it was stored; retry later");
    for (Batch& b : group) b.done(refused, {});
    return;
  }
  const uint64_t first_offset = next_offset_;
  next_offset_ = offset;
  {
    absl::MutexLock lock(&mu_);
    // With the new last offset, so Poll() never sees one without the other.
    AppendToTailLocked(group, accepted, own_plain, first_offset);
    last_offset_ = offset - 1;
  }
  for (size_t i = 0; i < group.size(); ++i) group[i].done(absl::OkStatus(), outcomes[i]);
}

void RocksDbIngestLog::AppendToTailLocked(std::vector<Batch>& group,
                                          const std::vector<std::pair<size_t, size_t>>& accepted,
                                          std::vector<std::string>& own_plain, uint64_t first_offset) {
  size_t own = 0;
  for (size_t k = 0; k < accepted.size(); ++k) {
    const auto [i, j] = accepted[k];
    const bool have_bytes = group[i].serialized.size() == group[i].records.size();
    const uint64_t offset = first_offset + k;
    // Full, or not contiguous with what it holds (it filled up earlier):
    // Poll() reads these from storage, and the tail starts again once the
    // consumer has drained it.
    if (tail_.size() >= options_.tail_records || (!tail_.empty() && tail_.back().offset + 1 != offset)) return;
    TailRecord& t = tail_.emplace_back();
    t.offset = offset;
    t.record = std::move(group[i].records[j]);
    t.plain = have_bytes ? std::move(group[i].serialized[j]) : std::move(own_plain[own++]);
  }
}

absl::Status RocksDbIngestLog::Seal(std::string_view plain, std::string_view offset_key) {
  sealed_.resize(kSealedOverhead + plain.size());
  sealed_[0] = kSealedVersion;
  absl::Span<char> nonce = absl::MakeSpan(sealed_).subspan(1, policy::kAesGcmNonceBytes);
  if (auto s = nonces_.Fill(nonce); !s.ok()) return s;
  return sealer_->Seal(std::string_view(nonce.data(), nonce.size()), plain, offset_key,
                       absl::MakeSpan(sealed_).subspan(1 + policy::kAesGcmNonceBytes), "sealing a raw record");
}

absl::Status RocksDbIngestLog::Quarantine(const std::vector<QuarantinedEntry>& records) {
  if (records.empty()) return absl::OkStatus();
  const uint64_t at_ms = static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now()));
  rocksdb::WriteBatch wb;
  std::string value;
  uint64_t upto = kept_upto_;
  absl::flat_hash_map<std::string, uint64_t> ever;  // provider -> newly quarantined
  for (const QuarantinedEntry& q : records) {
    if (q.entry->offset <= kept_upto_) continue;  // kept by an earlier attempt
    upto = std::max(upto, q.entry->offset);
    // The opened bytes Poll() kept (or, unreadable, the value as stored).
    const std::string& bytes = q.entry->stored;
    if (q.entry->unreadable_reason.empty() && !q.entry->record.provider().empty()) {
      ++ever[q.entry->record.provider()];
    }
    const std::string key = KeptKey(at_ms, q.entry->offset);
    value.assign(1 + policy::kAesGcmNonceBytes + bytes.size() + policy::kAesGcmTagBytes, '\0');
    value[0] = kKeptVersion;
    absl::Span<char> nonce = absl::MakeSpan(value).subspan(1, policy::kAesGcmNonceBytes);
    if (auto s = quarantine_nonces_.Fill(nonce); !s.ok()) return s;
    if (auto s = policy::AesGcmSeal(options_.quarantine_key, std::string_view(nonce.data(), nonce.size()), bytes,
                                    key, absl::MakeSpan(value).subspan(1 + policy::kAesGcmNonceBytes),
                                    "sealing a quarantined record");
        !s.ok()) {
      return s;
    }
    wb.Put(db_->cf(HubDb::kQuarantine), key, value);
  }
  if (upto == kept_upto_) return absl::OkStatus();
  for (const auto& [provider, n] : ever) {
    const std::string key = absl::StrCat(kEverPrefix, provider);
    auto before = db_->GetU64(HubDb::kQuarantine, key);
    if (!before.ok()) return before.status();
    wb.Put(db_->cf(HubDb::kQuarantine), key, EncodeU64(*before + n));
  }
  wb.Put(db_->cf(HubDb::kQuarantine), kKeptUptoKey, EncodeU64(upto));
  // Durable before the consumer commits past these records (and deletes them).
  if (auto s = db_->WriteSync(&wb); !s.ok()) return s;
  kept_upto_ = upto;
  return absl::OkStatus();
}

absl::Status RocksDbIngestLog::SweepQuarantine(absl::Time now) {
  const int64_t cutoff = absl::ToUnixMillis(now - options_.quarantine_retention);
  if (cutoff <= 0) return absl::OkStatus();
  rocksdb::WriteBatch wb;
  const std::string end = KeptKey(static_cast<uint64_t>(cutoff), 0);
  {
    // The reasons of the records that leave (keyed by their offsets) go with them.
    rocksdb::Slice upper(end);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(HubDb::kQuarantine, ro));
    uint64_t at_ms = 0, offset = 0;
    for (it->Seek(KeptKey(0, 0)); it->Valid(); it->Next()) {
      if (DecodeKeptKey(it->key().ToStringView(), &at_ms, &offset).ok()) {
        wb.Delete(db_->cf(HubDb::kQuarantine), EncodeU64(offset));
      }
    }
    if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading kept quarantined records");
  }
  wb.DeleteRange(db_->cf(HubDb::kQuarantine), KeptKey(0, 0), end);
  return db_->Write(&wb);
}

absl::StatusOr<std::vector<RocksDbIngestLog::KeptRecord>> RocksDbIngestLog::KeptQuarantine() const {
  std::vector<KeptRecord> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(HubDb::kQuarantine));
  constexpr size_t kKeyBytes = sizeof(kKeptPrefix) - 1 + 16;
  constexpr size_t kOverhead = 1 + policy::kAesGcmNonceBytes + policy::kAesGcmTagBytes;
  for (it->Seek(kKeptPrefix); it->Valid() && it->key().starts_with(kKeptPrefix); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    const std::string_view value = it->value().ToStringView();
    if (key.size() != kKeyBytes || value.size() < kOverhead || value[0] != kKeptVersion) {
      return absl::DataLossError("a kept quarantined record is malformed");
    }
    KeptRecord& r = out.emplace_back();
    r.key.assign(key.data(), key.size());
    r.quarantined_at = absl::FromUnixMillis(static_cast<int64_t>(DecodeU64(key.substr(sizeof(kKeptPrefix) - 1, 8))));
    r.offset = DecodeU64(key.substr(sizeof(kKeptPrefix) - 1 + 8, 8));
    r.record.assign(value.size() - kOverhead, '\0');
    if (!policy::AesGcmOpen(options_.quarantine_key, value.substr(1, policy::kAesGcmNonceBytes),
                            value.substr(1 + policy::kAesGcmNonceBytes), key, absl::MakeSpan(r.record))
             .ok()) {
      return absl::DataLossError(absl::StrCat("kept quarantined record ", r.offset, " does not open"));
    }
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading kept quarantined records");
  return out;
}

absl::Status RocksDbIngestLog::ForEachKept(const std::function<bool(KeptRecord&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(HubDb::kQuarantine));
  constexpr size_t kOverhead = 1 + policy::kAesGcmNonceBytes + policy::kAesGcmTagBytes;
  KeptRecord r;
  for (it->Seek(kKeptPrefix); it->Valid() && it->key().starts_with(kKeptPrefix); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    const std::string_view value = it->value().ToStringView();
    uint64_t at_ms = 0;
    r.key.assign(key.data(), key.size());
    r.record.clear();
    r.opened = DecodeKeptKey(key, &at_ms, &r.offset).ok() && value.size() >= kOverhead && value[0] == kKeptVersion;
    r.quarantined_at = absl::FromUnixMillis(static_cast<int64_t>(at_ms));
    if (r.opened) {
      r.record.assign(value.size() - kOverhead, '\0');
      r.opened = policy::AesGcmOpen(options_.quarantine_key, value.substr(1, policy::kAesGcmNonceBytes),
                                    value.substr(1 + policy::kAesGcmNonceBytes), key, absl::MakeSpan(r.record))
                     .ok();
      if (!r.opened) r.record.clear();
    }
    if (!visit(r)) break;
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading kept quarantined records");
  return absl::OkStatus();
}

absl::StatusOr<std::string> RocksDbIngestLog::KeptReason(uint64_t offset) const {
  return db_->Get(HubDb::kQuarantine, EncodeU64(offset));
}

absl::StatusOr<uint64_t> RocksDbIngestLog::QuarantinedEver(const std::string& provider) const {
  return db_->GetU64(HubDb::kQuarantine, absl::StrCat(kEverPrefix, provider));
}

}  // namespace accord::hub
