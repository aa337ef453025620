#include "accord/hub/core/record_store.h"

#include <openssl/rand.h>

#include <atomic>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/policy/openssl.h"
#include "rocksdb/iterator.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

constexpr size_t kMaxPage = 1000;
constexpr char kVersion = '\x01';
constexpr size_t kPeriodBytes = 7;  // "YYYY-MM"
constexpr size_t kNonceBytes = policy::kAesGcmNonceBytes;
constexpr size_t kTagBytes = policy::kAesGcmTagBytes;
constexpr char kKeyPrefix[] = "record_key/";       // + agreement/period -> wrapped data key
constexpr char kErasedPrefix[] = "record_erased/";  // + agreement/period -> ""

int64_t EventMillis(const v1::CleanedRecord& r) {
  return r.event_time().seconds() * 1000 + r.event_time().nanos() / 1000000;
}

// Millisecond times are stored offset so that negative times sort first.
uint64_t Biased(int64_t ms) { return static_cast<uint64_t>(ms) ^ (uint64_t{1} << 63); }

uint64_t BiasedTime(absl::Time t) {
  if (t == absl::InfinitePast()) return 0;
  if (t == absl::InfiniteFuture()) return ~uint64_t{0};
  return Biased(absl::ToUnixMillis(t));
}

std::string Prefix(std::string_view recipient, std::string_view dataset) {
  std::string p(recipient);
  p.push_back('\0');
  p.append(dataset);
  p.push_back('\0');
  return p;
}

std::string Period(const v1::CleanedRecord& r) {
  const absl::CivilSecond c = absl::ToCivilSecond(absl::FromUnixSeconds(r.event_time().seconds()),
                                                  absl::UTCTimeZone());
  const int64_t year = std::clamp<int64_t>(c.year(), 0, 9999);
  return absl::StrFormat("%04d-%02d", year, c.month());
}

// The (agreement, period) of a sealed value: "agreement/YYYY-MM", or empty.
std::string SealedPeriod(std::string_view value) {
  if (value.size() < 2 || value[0] != kVersion) return "";
  const size_t n = static_cast<unsigned char>(value[1]);
  if (value.size() < 2 + n + kPeriodBytes) return "";
  return std::string(value.substr(2, n)) + "/" + std::string(value.substr(2 + n, kPeriodBytes));
}

unsigned char* U8(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// AES-256-GCM of `plain` under `key` with `aad`: nonce || ciphertext || tag.
absl::StatusOr<std::string> SealGcm(const std::string& key, std::string_view plain, std::string_view aad) {
  std::string out(kNonceBytes + plain.size() + kTagBytes, '\0');
  if (RAND_bytes(U8(out), kNonceBytes) != 1) return policy::OpenSslError("generating a nonce");
  const std::string_view nonce = std::string_view(out).substr(0, kNonceBytes);
  absl::Status s = policy::AesGcmSeal(key, nonce, plain, aad, absl::MakeSpan(out).subspan(kNonceBytes),
                                      "sealing a stored record");
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> OpenGcm(const std::string& key, std::string_view sealed, std::string_view aad) {
  if (sealed.size() < kNonceBytes + kTagBytes) return absl::DataLossError("a sealed record is truncated");
  std::string plain(sealed.size() - kNonceBytes - kTagBytes, '\0');
  if (!policy::AesGcmOpen(key, sealed.substr(0, kNonceBytes), sealed.substr(kNonceBytes), aad,
                          absl::MakeSpan(plain))
           .ok()) {
    return absl::DataLossError("a stored record does not authenticate");
  }
  return plain;
}

}  // namespace

bool ErasedRecordsFilter::Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*,
                                 bool*) const {
  const std::string period = SealedPeriod(value.ToStringView());
  return !period.empty() && IsErased(period);
}

void ErasedRecordsFilter::MarkErased(const std::string& agreement_period) {
  absl::MutexLock lock(&mu_);
  erased_.insert(agreement_period);
}

bool ErasedRecordsFilter::IsErased(const std::string& agreement_period) const {
  absl::MutexLock lock(&mu_);
  return erased_.contains(agreement_period);
}

struct RecordStore::Impl {
  HubDb* db = nullptr;
  std::string kek;
  std::shared_ptr<ErasedRecordsFilter> filter;
  mutable absl::Mutex mu;
  // "agreement/period" -> data key; erased periods are absent.
  mutable absl::flat_hash_map<std::string, std::string> keys ABSL_GUARDED_BY(mu);
  // Wrapped form of every key Stage() used, re-put once into each batch that
  // uses it (idempotent), so a batch that failed and is retried never leaves
  // records sealed under a key that was not stored. Policy thread only.
  absl::flat_hash_map<std::string, std::string> wrapped;
  const rocksdb::WriteBatch* last_batch = nullptr;
  uint32_t last_count = 0;
  absl::flat_hash_set<std::string> put_in_batch;
  // Keyed AES-GCM contexts for sealing, by "agreement/period", and nonces.
  // Policy thread only; a sealer is dropped when its period is erased.
  absl::flat_hash_map<std::string, policy::AesGcmSealer> sealers;
  policy::RandomPool nonces;
  // Bumped by ErasePeriod(); Stage() then drops the sealers of erased periods
  // so no copy of their key schedule outlives the erasure.
  std::atomic<uint64_t> erasures{0};
  uint64_t erasures_seen = 0;

  // The data key of `ap`, or NotFound if it does not exist (or was erased).
  absl::StatusOr<std::string> Key(const std::string& ap) const {
    {
      absl::MutexLock lock(&mu);
      if (auto it = keys.find(ap); it != keys.end()) return it->second;
    }
    auto wrapped = db->Get(HubDb::kMeta, absl::StrCat(kKeyPrefix, ap));
    if (!wrapped.ok()) return wrapped.status();
    auto key = OpenGcm(kek, *wrapped, ap);
    if (!key.ok()) return key.status();
    absl::MutexLock lock(&mu);
    keys[ap] = *key;
    return key;
  }
};

RecordStore::RecordStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordStore::~RecordStore() = default;

absl::StatusOr<std::unique_ptr<RecordStore>> RecordStore::Open(HubDb* db, const std::string& key_secret,
                                                               std::shared_ptr<ErasedRecordsFilter> filter) {
  if (key_secret.size() < 32) return absl::InvalidArgumentError("the records key secret must be >= 32 bytes");
  if (!filter) return absl::InvalidArgumentError("RecordStore needs the records compaction filter");
  auto impl = std::make_unique<Impl>();
  impl->db = db;
  auto kek = policy::HkdfSha256(key_secret, "accord.records.kek.v1", "deriving the records key-encryption key");
  if (!kek.ok()) return kek.status();
  impl->kek = std::move(*kek);
  impl->filter = std::move(filter);
  std::unique_ptr<rocksdb::Iterator> it(db->db()->NewIterator(rocksdb::ReadOptions(), db->cf(HubDb::kMeta)));
  for (it->Seek(kErasedPrefix); it->Valid() && it->key().starts_with(kErasedPrefix); it->Next()) {
    impl->filter->MarkErased(it->key().ToString().substr(sizeof(kErasedPrefix) - 1));
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading erased periods");
  return std::unique_ptr<RecordStore>(new RecordStore(std::move(impl)));
}

absl::Status RecordStore::Stage(const v1::CleanedRecord& record, std::string_view serialized,
                                uint64_t ledger_index, rocksdb::WriteBatch* batch) {
  Impl& im = *impl_;
  std::string suffix;
  AppendU64(&suffix, Biased(EventMillis(record)));
  AppendU64(&suffix, ledger_index);
  const std::string prefix = Prefix(record.recipient(), record.dataset());
  const std::string key = prefix + suffix;
  const std::string period = Period(record);
  const std::string agreement = record.agreement_id().substr(0, 255);
  const std::string ap = absl::StrCat(agreement, "/", period);
  if (batch != im.last_batch || batch->Count() < im.last_count) im.put_in_batch.clear();
  if (const uint64_t erasures = im.erasures.load(std::memory_order_acquire); erasures != im.erasures_seen) {
    im.erasures_seen = erasures;
    absl::erase_if(im.sealers, [&](const auto& entry) { return im.filter->IsErased(entry.first); });
  }
  // A cached sealer means the period's key exists (the sealers of erased
  // periods were dropped above): no key lookup per record.
  auto sealer = im.sealers.find(ap);
  if (sealer == im.sealers.end()) {
    std::string data_key;
    if (auto existing = im.Key(ap); existing.ok()) {
      data_key = *existing;
    } else if (absl::IsNotFound(existing.status())) {
      if (im.filter->IsErased(ap)) {
        // The period is past retention: the record is not kept (its disclosure
        // is still in the ledger and the recipient's feed).
        return absl::OkStatus();
      }
      data_key.assign(32, '\0');
      if (RAND_bytes(U8(data_key), 32) != 1) return policy::OpenSslError("generating a records data key");
      auto wrapped = SealGcm(im.kek, data_key, ap);
      if (!wrapped.ok()) return wrapped.status();
      batch->Put(im.db->cf(HubDb::kMeta), absl::StrCat(kKeyPrefix, ap), *wrapped);
      im.wrapped[ap] = *wrapped;
      im.put_in_batch.insert(ap);
      absl::MutexLock lock(&im.mu);
      im.keys[ap] = data_key;  // the batch commits before any reader can see these records
    } else {
      return existing.status();
    }
    auto created = policy::AesGcmSealer::Create(data_key);
    if (!created.ok()) return created.status();
    sealer = im.sealers.emplace(ap, std::move(created).value()).first;
  }
  if (auto w = im.wrapped.find(ap); w != im.wrapped.end() && im.put_in_batch.insert(ap).second) {
    batch->Put(im.db->cf(HubDb::kMeta), absl::StrCat(kKeyPrefix, ap), w->second);
  }
  // version, agreement, period, then nonce || ciphertext || tag.
  std::string value;
  const size_t head = 2 + agreement.size() + kPeriodBytes;
  value.resize(head + kNonceBytes + serialized.size() + kTagBytes);
  value[0] = kVersion;
  value[1] = static_cast<char>(agreement.size());
  value.replace(2, agreement.size(), agreement);
  value.replace(2 + agreement.size(), kPeriodBytes, period);
  absl::Span<char> sealed = absl::MakeSpan(value).subspan(head);
  if (auto s = im.nonces.Fill(sealed.subspan(0, kNonceBytes)); !s.ok()) return s;
  if (auto s = sealer->second.Seal(std::string_view(value).substr(head, kNonceBytes), serialized, key,
                                   sealed.subspan(kNonceBytes), "sealing a stored record");
      !s.ok()) {
    return s;
  }
  batch->Put(im.db->cf(HubDb::kRecords), key, value);
  im.last_batch = batch;
  if (!record.area().empty()) {
    std::string area_key = prefix + record.area();
    area_key.push_back('\0');
    area_key += suffix;
    batch->Put(im.db->cf(HubDb::kRecordsByArea), area_key, "");
  }
  im.last_count = batch->Count();
  return absl::OkStatus();
}

absl::StatusOr<RecordPage> RecordStore::Query(const RecordQuery& q) const {
  const Impl& im = *impl_;
  if (q.recipient.empty() || q.dataset.empty()) {
    return absl::InvalidArgumentError("a record query needs a dataset");
  }
  const size_t page = std::min(q.page_size == 0 ? kMaxPage : q.page_size, kMaxPage);
  const std::string prefix = Prefix(q.recipient, q.dataset);
  std::string scan_prefix = prefix;
  if (!q.area.empty()) {
    scan_prefix += q.area;
    scan_prefix.push_back('\0');
  }
  std::string start = scan_prefix;
  AppendU64(&start, BiasedTime(q.from));
  if (!q.page_token.empty()) {
    if (q.page_token.size() != 16) return absl::InvalidArgumentError("bad page token");
    start = scan_prefix + q.page_token;
  }
  std::string end = scan_prefix;
  AppendU64(&end, BiasedTime(q.to));
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  auto* cf = im.db->cf(q.area.empty() ? HubDb::kRecords : HubDb::kRecordsByArea);
  std::unique_ptr<rocksdb::Iterator> it(im.db->db()->NewIterator(ro, cf));
  RecordPage out;
  // The page token is the key suffix of the first record of the next page.
  for (it->Seek(start); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (out.records.size() == page) {
      out.next_page_token = std::string(key.substr(scan_prefix.size(), 16));
      break;
    }
    const std::string record_key = prefix + std::string(key.substr(scan_prefix.size(), 16));
    std::string value;
    if (q.area.empty()) {
      value = it->value().ToString();
    } else {
      auto got = im.db->Get(HubDb::kRecords, record_key);
      if (!got.ok()) continue;  // erased (retention) since indexed
      value = std::move(got).value();
    }
    const std::string ap = SealedPeriod(value);
    if (ap.empty()) return absl::DataLossError("a stored record has an unknown format");
    auto data_key = im.Key(ap);
    if (absl::IsNotFound(data_key.status())) continue;  // erased: unreadable by design
    if (!data_key.ok()) return data_key.status();
    const size_t header = 2 + static_cast<unsigned char>(value[1]) + kPeriodBytes;
    auto plain = OpenGcm(*data_key, std::string_view(value).substr(header), record_key);
    if (!plain.ok()) return plain.status();
    if (!out.records.emplace_back().ParseFromString(*plain)) {
      return absl::DataLossError("a stored record does not parse");
    }
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "querying records");
  return out;
}

absl::Status RecordStore::ErasePeriod(const std::string& agreement_id, const std::string& period) {
  Impl& im = *impl_;
  const std::string ap = absl::StrCat(agreement_id, "/", period);
  rocksdb::WriteBatch wb;
  wb.Delete(im.db->cf(HubDb::kMeta), absl::StrCat(kKeyPrefix, ap));
  wb.Put(im.db->cf(HubDb::kMeta), absl::StrCat(kErasedPrefix, ap), "");
  im.filter->MarkErased(ap);
  {
    absl::MutexLock lock(&im.mu);
    im.keys.erase(ap);
  }
  im.erasures.fetch_add(1, std::memory_order_release);
  if (auto s = im.db->WriteSync(&wb); !s.ok()) return s;
  // The key is gone from the memtable/WAL view; compact so that neither the
  // wrapped key nor the records' ciphertext remain in any SST file.
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (HubDb::Cf cf : {HubDb::kRecords, HubDb::kMeta}) {
    if (auto s = ledger::FromRocksDb(im.db->db()->CompactRange(co, im.db->cf(cf), nullptr, nullptr),
                                     "compacting erased records");
        !s.ok()) {
      return s;
    }
  }
  spdlog::info("records of {} erased (data key destroyed, ciphertext compacted away)", ap);
  return absl::OkStatus();
}

absl::flat_hash_map<std::string, uint32_t> RecordStore::RetentionOf(const policy::PolicySet& policy) {
  absl::flat_hash_map<std::string, uint32_t> retention;
  for (const auto& compiled : policy.agreements()) {
    const policy::Agreement& a = compiled->agreement();
    if (a.retention_days > 0) retention[a.id] = a.retention_days;
  }
  return retention;
}

absl::StatusOr<std::vector<std::string>> RecordStore::EraseExpired(
    const absl::flat_hash_map<std::string, uint32_t>& retention, absl::Time now) {
  Impl& im = *impl_;
  std::vector<std::pair<std::string, std::string>> expired;
  std::unique_ptr<rocksdb::Iterator> it(im.db->db()->NewIterator(rocksdb::ReadOptions(), im.db->cf(HubDb::kMeta)));
  for (it->Seek(kKeyPrefix); it->Valid() && it->key().starts_with(kKeyPrefix); it->Next()) {
    const std::string ap = it->key().ToString().substr(sizeof(kKeyPrefix) - 1);
    const size_t slash = ap.rfind('/');
    if (slash == std::string::npos || ap.size() - slash - 1 != kPeriodBytes) continue;
    const std::string agreement = ap.substr(0, slash), period = ap.substr(slash + 1);
    auto days = retention.find(agreement);
    if (days == retention.end() || days->second == 0) continue;
    absl::CivilMonth month;
    if (!absl::ParseCivilTime(period, &month)) continue;
    const absl::Time month_end = absl::FromCivil(month + 1, absl::UTCTimeZone());
    if (month_end + absl::Hours(24) * days->second <= now) expired.emplace_back(agreement, period);
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading record keys");
  std::vector<std::string> erased;
  for (const auto& [agreement, period] : expired) {
    if (auto s = ErasePeriod(agreement, period); !s.ok()) return s;
    erased.push_back(absl::StrCat(agreement, "/", period));
  }
  return erased;
}

}  // namespace accord::hub
