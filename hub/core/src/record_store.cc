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
  // Keyed AES-GCM contexts for sealing, by "agreement/period", and nonces.
  // Policy thread only; a sealer is dropped when its period is erased.
  absl::flat_hash_map<std::string, policy::AesGcmSealer> sealers;
  policy::RandomPool nonces;
  // Bumped by ErasePeriod(); sealers and openers then drop the contexts of
  // erased periods (DropErased).
  std::atomic<uint64_t> erasures{0};
  uint64_t erasures_seen = 0;

  // The data key of `ap`, or NotFound if it does not exist (or was erased).
  // Thread-safe. Erasure marks the period first, so a read racing it never
  // brings the key back into the cache.
  absl::StatusOr<std::string> Key(const std::string& ap) const {
    const auto erased = [&] { return absl::NotFoundError(absl::StrCat("the data key of ", ap, " was erased")); };
    if (filter->IsErased(ap)) return erased();
    {
      absl::MutexLock lock(&mu);
      if (auto it = keys.find(ap); it != keys.end()) return it->second;
    }
    auto wrapped = db->Get(HubDb::kMeta, absl::StrCat(kKeyPrefix, ap));
    if (!wrapped.ok()) return wrapped.status();
    auto key = OpenGcm(kek, *wrapped, ap);
    if (!key.ok()) return key.status();
    absl::MutexLock lock(&mu);
    if (filter->IsErased(ap)) return erased();
    keys[ap] = *key;
    return key;
  }

  // Drops from `cache` (keyed contexts by "agreement/period") those of the
  // periods erased since `*seen`, so no copy of their key schedule outlives
  // the erasure. Sealers and openers alike; the caller's thread.
  template <typename Cache>
  void DropErased(uint64_t* seen, Cache* cache) const {
    if (const uint64_t n = erasures.load(std::memory_order_acquire); n != *seen) {
      *seen = n;
      absl::erase_if(*cache, [&](const auto& entry) { return filter->IsErased(entry.first); });
    }
  }

  // The sealer of period `ap`, creating its data key if it has none; nullptr
  // if the period was erased. A new key is stored durably (a write of its
  // own, once per agreement and month) before anything is sealed under it, so
  // no batch can commit records whose key was lost. Policy thread.
  absl::StatusOr<policy::AesGcmSealer*> SealerFor(const std::string& ap) {
    DropErased(&erasures_seen, &sealers);
    // A cached sealer means the period's key exists: no key lookup per record.
    if (auto it = sealers.find(ap); it != sealers.end()) return &it->second;
    std::string data_key;
    if (auto existing = Key(ap); existing.ok()) {
      data_key = std::move(existing).value();
    } else if (!absl::IsNotFound(existing.status())) {
      return existing.status();
    } else if (filter->IsErased(ap)) {
      return nullptr;
    } else {
      data_key.assign(32, '\0');
      if (RAND_bytes(U8(data_key), 32) != 1) return policy::OpenSslError("generating a records data key");
      auto wrapped = SealGcm(kek, data_key, ap);
      if (!wrapped.ok()) return wrapped.status();
      rocksdb::WriteBatch wb;
      wb.Put(db->cf(HubDb::kMeta), absl::StrCat(kKeyPrefix, ap), *wrapped);
      if (auto s = db->WriteSync(&wb); !s.ok()) return s;
      absl::MutexLock lock(&mu);
      keys[ap] = data_key;
    }
    auto created = policy::AesGcmSealer::Create(data_key);
    if (!created.ok()) return created.status();
    return &sealers.emplace(ap, std::move(created).value()).first->second;
  }

  // `serialized` sealed under its (agreement, event month) key with `aad`,
  // into `value`: version, agreement, period, then nonce || ciphertext || tag.
  // False, leaving `value` alone, if the period was erased. Policy thread.
  absl::StatusOr<bool> Seal(const v1::CleanedRecord& record, std::string_view serialized,
                            std::string_view aad, std::string* value) {
    const std::string agreement = record.agreement_id().substr(0, 255);
    const std::string period = Period(record);
    auto sealer = SealerFor(absl::StrCat(agreement, "/", period));
    if (!sealer.ok()) return sealer.status();
    if (*sealer == nullptr) return false;
    const size_t head = 2 + agreement.size() + kPeriodBytes;
    value->resize(head + kNonceBytes + serialized.size() + kTagBytes);
    (*value)[0] = kVersion;
    (*value)[1] = static_cast<char>(agreement.size());
    value->replace(2, agreement.size(), agreement);
    value->replace(2 + agreement.size(), kPeriodBytes, period);
    absl::Span<char> sealed = absl::MakeSpan(*value).subspan(head);
    if (auto s = nonces.Fill(sealed.subspan(0, kNonceBytes)); !s.ok()) return s;
    if (auto s = (*sealer)->Seal(std::string_view(*value).substr(head, kNonceBytes), serialized, aad,
                                 sealed.subspan(kNonceBytes), "sealing a stored record");
        !s.ok()) {
      return s;
    }
    return true;
  }
};

// Opens values sealed by Impl::Seal() (records and feed entries), caching a
// keyed AES-GCM context per period. One thread at a time; must not outlive
// the store.
class SealedOpener {
 public:
  explicit SealedOpener(const RecordStore::Impl* store)
      : store_(store), erasures_seen_(store->erasures.load(std::memory_order_acquire)) {}

  // The plaintext of `value`, sealed with `aad`, into `plain`. False when its
  // period was erased (or has no key): unreadable by design, skip it.
  // DataLoss naming `what` ("a stored record") if malformed or not authentic.
  absl::StatusOr<bool> Open(std::string_view value, std::string_view aad, std::string_view what,
                            std::string* plain) {
    store_->DropErased(&erasures_seen_, &openers_);
    const std::string ap = SealedPeriod(value);
    if (ap.empty()) return absl::DataLossError(absl::StrCat(std::string(what), " has an unknown format"));
    auto opener = openers_.find(ap);
    if (opener == openers_.end()) {
      auto data_key = store_->Key(ap);
      if (absl::IsNotFound(data_key.status())) return false;
      if (!data_key.ok()) return data_key.status();
      auto created = policy::AesGcmOpener::Create(*data_key);
      if (!created.ok()) return created.status();
      opener = openers_.emplace(ap, std::move(created).value()).first;
    }
    const std::string_view sealed = value.substr(2 + static_cast<unsigned char>(value[1]) + kPeriodBytes);
    if (sealed.size() < kNonceBytes + kTagBytes) {
      return absl::DataLossError(absl::StrCat(std::string(what), " is truncated"));
    }
    plain->resize(sealed.size() - kNonceBytes - kTagBytes);
    if (!opener->second.Open(sealed.substr(0, kNonceBytes), sealed.substr(kNonceBytes), aad, absl::MakeSpan(*plain))
             .ok()) {
      return absl::DataLossError(absl::StrCat(std::string(what), " does not authenticate"));
    }
    return true;
  }

 private:
  const RecordStore::Impl* const store_;
  uint64_t erasures_seen_;
  absl::flat_hash_map<std::string, policy::AesGcmOpener> openers_;
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
  std::string value;
  auto sealed = im.Seal(record, serialized, key, &value);
  if (!sealed.ok()) return sealed.status();
  // A period past retention: the record is not kept.
  if (!*sealed) return absl::OkStatus();
  batch->Put(im.db->cf(HubDb::kRecords), key, value);
  if (!record.area().empty()) {
    std::string area_key = prefix + record.area();
    area_key.push_back('\0');
    area_key += suffix;
    batch->Put(im.db->cf(HubDb::kRecordsByArea), area_key, "");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RecordStore::SealFeedEntry(const v1::CleanedRecord& record, std::string_view serialized,
                                                std::string_view feed_key, std::string* value) {
  return impl_->Seal(record, serialized, feed_key, value);
}

struct FeedEntryOpener::State {
  explicit State(const RecordStore::Impl* store) : opener(store) {}
  SealedOpener opener;
};

FeedEntryOpener::FeedEntryOpener(std::unique_ptr<State> state) : state_(std::move(state)) {}
FeedEntryOpener::~FeedEntryOpener() = default;
FeedEntryOpener::FeedEntryOpener(FeedEntryOpener&&) noexcept = default;
FeedEntryOpener& FeedEntryOpener::operator=(FeedEntryOpener&&) noexcept = default;

absl::StatusOr<bool> FeedEntryOpener::Open(std::string_view key, std::string_view value, std::string* plain) {
  if (value.empty()) return absl::DataLossError("a feed entry is empty");
  if (value[0] != kVersion) {
    // Stored before feeds were sealed: the bare CleanedRecord. (A serialized
    // message never starts with byte 1, which is no valid field tag.)
    plain->assign(value.data(), value.size());
    return true;
  }
  return state_->opener.Open(value, key, "a feed entry", plain);
}

FeedEntryOpener RecordStore::NewFeedOpener() const {
  return FeedEntryOpener(std::make_unique<FeedEntryOpener::State>(impl_.get()));
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
  SealedOpener opener(&im);
  std::string plain;
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
    auto opened = opener.Open(value, record_key, "a stored record", &plain);
    if (!opened.ok()) return opened.status();
    if (!*opened) continue;  // erased: unreadable by design
    if (!out.records.emplace_back().ParseFromString(plain)) {
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
  for (HubDb::Cf cf : {HubDb::kRecords, HubDb::kFeeds, HubDb::kMeta}) {
    if (auto s = ledger::FromRocksDb(im.db->db()->CompactRange(co, im.db->cf(cf), nullptr, nullptr),
                                     "compacting erased records");
        !s.ok()) {
      return s;
    }
  }
  spdlog::info("records and feed entries of {} erased (data key destroyed, ciphertext compacted away)", ap);
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
