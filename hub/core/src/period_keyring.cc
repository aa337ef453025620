#include "accord/hub/core/period_keyring.h"

#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "accord/base/civil_text.h"
#include "accord/hub/core/meta_keys.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "rocksdb/iterator.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

constexpr size_t kPeriodBytes = 7;  // "YYYY-MM"
constexpr const auto& kKeyPrefix = meta_keys::kRecordKeyPrefix;        // + agreement/period -> wrapped data key
constexpr const auto& kErasedPrefix = meta_keys::kRecordErasedPrefix;  // + agreement/period -> ""

unsigned char* U8(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// AES-256-GCM of `plain` under `key` with `aad`: nonce || ciphertext || tag.
absl::StatusOr<std::string> SealGcm(const std::string& key, std::string_view plain, std::string_view aad) {
  std::string out(PeriodKeyring::kOverhead + plain.size(), '\0');
  if (RAND_bytes(U8(out), PeriodKeyring::kNonceBytes) != 1) return policy::OpenSslError("generating a nonce");
  const std::string_view nonce = std::string_view(out).substr(0, PeriodKeyring::kNonceBytes);
  absl::Status s = policy::AesGcmSeal(key, nonce, plain, aad,
                                      absl::MakeSpan(out).subspan(PeriodKeyring::kNonceBytes),
                                      "wrapping a records data key");
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> OpenGcm(const std::string& key, std::string_view sealed, std::string_view aad) {
  if (sealed.size() < PeriodKeyring::kOverhead) return absl::DataLossError("a wrapped data key is truncated");
  std::string plain(sealed.size() - PeriodKeyring::kOverhead, '\0');
  if (!policy::AesGcmOpen(key, sealed.substr(0, PeriodKeyring::kNonceBytes),
                          sealed.substr(PeriodKeyring::kNonceBytes), aad, absl::MakeSpan(plain))
           .ok()) {
    return absl::DataLossError("a wrapped data key does not authenticate");
  }
  return plain;
}

}  // namespace

std::string RecordPeriod(const v1::CleanedRecord& r) {
  const absl::CivilSecond c = absl::ToCivilSecond(absl::FromUnixSeconds(r.event_time().seconds()),
                                                  absl::UTCTimeZone());
  const int64_t year = std::clamp<int64_t>(c.year(), 0, 9999);
  const std::string_view agreement = std::string_view(r.agreement_id()).substr(0, 255);
  std::string period;
  period.reserve(agreement.size() + 8);
  period.append(agreement);
  period.push_back('/');
  base::AppendCivilMonth(absl::CivilMonth(year, c.month()), &period);
  return period;
}

std::string SealedHeader::AgreementPeriod() const {
  std::string ap(agreement.data(), agreement.size());
  ap.push_back('/');
  ap.append(period.data(), period.size());
  return ap;
}

bool ParseSealedHeader(std::string_view value, SealedHeader* out) {
  if (value.size() < 2) return false;
  const size_t n = static_cast<unsigned char>(value[1]);
  if (value.size() < 2 + n + kPeriodBytes) return false;
  out->format = value[0];
  out->agreement = value.substr(2, n);
  out->period = value.substr(2 + n, kPeriodBytes);
  out->body = value.substr(2 + n + kPeriodBytes);
  return true;
}

void AppendSealedHeader(char format, std::string_view agreement_period, std::string* out) {
  const size_t slash = agreement_period.rfind('/');
  const std::string_view agreement = agreement_period.substr(0, slash);
  const std::string_view period = agreement_period.substr(slash + 1);
  out->push_back(format);
  out->push_back(static_cast<char>(agreement.size()));
  out->append(agreement);
  out->append(period);
}

bool ErasedRecordsFilter::Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*,
                                 bool*) const {
  SealedHeader h;
  const std::string_view v = value.ToStringView();
  if (v.empty() || (v[0] != kSealedEntry && v[0] != kSealedSegment && v[0] != kRecordRef)) return false;
  return ParseSealedHeader(v, &h) && IsErased(h.AgreementPeriod());
}

void ErasedRecordsFilter::MarkErased(const std::string& agreement_period) {
  absl::MutexLock lock(&mu_);
  erased_.insert(agreement_period);
}

bool ErasedRecordsFilter::IsErased(const std::string& agreement_period) const {
  absl::MutexLock lock(&mu_);
  return erased_.contains(agreement_period);
}

PeriodKeyring::~PeriodKeyring() = default;

absl::StatusOr<std::unique_ptr<PeriodKeyring>> PeriodKeyring::Open(HubDb* db, const std::string& key_secret,
                                                                   std::shared_ptr<ErasedRecordsFilter> filter) {
  if (key_secret.size() < 32) return absl::InvalidArgumentError("the records key secret must be >= 32 bytes");
  if (!filter) return absl::InvalidArgumentError("the period keyring needs the records compaction filter");
  std::unique_ptr<PeriodKeyring> ring(new PeriodKeyring());
  ring->db_ = db;
  auto kek = policy::HkdfSha256(key_secret, "accord.records.kek.v1", "deriving the records key-encryption key");
  if (!kek.ok()) return kek.status();
  ring->kek_ = std::move(*kek);
  ring->filter_ = std::move(filter);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(HubDb::kMeta));
  for (it->Seek(kErasedPrefix); it->Valid() && it->key().starts_with(kErasedPrefix); it->Next()) {
    ring->filter_->MarkErased(it->key().ToString().substr(sizeof(kErasedPrefix) - 1));
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading erased periods");
  return ring;
}

absl::StatusOr<std::string> PeriodKeyring::Key(const std::string& ap) const {
  // Erasure marks the period first, so a read racing it never brings the key
  // back into the cache.
  const auto erased = [&] { return absl::NotFoundError(absl::StrCat("the data key of ", ap, " was erased")); };
  if (filter_->IsErased(ap)) return erased();
  {
    absl::MutexLock lock(&mu_);
    if (auto it = keys_.find(ap); it != keys_.end()) return it->second;
  }
  auto wrapped = db_->Get(HubDb::kMeta, absl::StrCat(kKeyPrefix, ap));
  if (!wrapped.ok()) return wrapped.status();
  auto key = OpenGcm(kek_, *wrapped, ap);
  if (!key.ok()) return key.status();
  absl::MutexLock lock(&mu_);
  if (filter_->IsErased(ap)) return erased();
  keys_[ap] = *key;
  return key;
}

// Drops from `cache` (keyed contexts by "agreement/period") those of the
// periods erased since `*seen`, so no copy of their key schedule outlives the
// erasure. The caller's thread.
template <typename Cache>
void PeriodKeyring::DropErased(uint64_t* seen, Cache* cache) const {
  if (const uint64_t n = erasures_.load(std::memory_order_acquire); n != *seen) {
    *seen = n;
    absl::erase_if(*cache, [&](const auto& entry) { return filter_->IsErased(entry.first); });
  }
}

// The sealer of period `ap`, creating its data key if it has none; nullptr if
// the period was erased. A new key is stored durably (a write of its own, once
// per agreement and month) before anything is sealed under it, so no batch can
// commit records whose key was lost.
absl::StatusOr<policy::AesGcmSealer*> PeriodKeyring::SealerFor(const std::string& ap) {
  DropErased(&erasures_seen_, &sealers_);
  if (auto it = sealers_.find(ap); it != sealers_.end()) return &it->second;
  std::string data_key;
  if (auto existing = Key(ap); existing.ok()) {
    data_key = std::move(existing).value();
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  } else if (filter_->IsErased(ap)) {
    return nullptr;
  } else {
    data_key.assign(32, '\0');
    if (RAND_bytes(U8(data_key), 32) != 1) return policy::OpenSslError("generating a records data key");
    auto wrapped = SealGcm(kek_, data_key, ap);
    if (!wrapped.ok()) return wrapped.status();
    rocksdb::WriteBatch wb;
    wb.Put(db_->cf(HubDb::kMeta), absl::StrCat(kKeyPrefix, ap), *wrapped);
    if (auto s = db_->WriteSync(&wb); !s.ok()) return s;
    absl::MutexLock lock(&mu_);
    keys_[ap] = data_key;
  }
  auto created = policy::AesGcmSealer::Create(data_key);
  if (!created.ok()) return created.status();
  return &sealers_.emplace(ap, std::move(created).value()).first->second;
}

absl::StatusOr<bool> PeriodKeyring::SealAppend(const std::string& agreement_period, std::string_view plain,
                                               std::string_view aad, std::string* out) {
  auto sealer = SealerFor(agreement_period);
  if (!sealer.ok()) return sealer.status();
  if (*sealer == nullptr) return false;
  const size_t at = out->size();
  out->resize(at + kOverhead + plain.size());
  absl::Span<char> sealed = absl::MakeSpan(*out).subspan(at);
  if (auto s = nonces_.Fill(sealed.subspan(0, kNonceBytes)); !s.ok()) {
    out->resize(at);
    return s;
  }
  if (auto s = (*sealer)->Seal(std::string_view(*out).substr(at, kNonceBytes), plain, aad,
                               sealed.subspan(kNonceBytes), "sealing a stored record");
      !s.ok()) {
    out->resize(at);
    return s;
  }
  return true;
}

PeriodKeyring::Opener::Opener(const PeriodKeyring* ring)
    : ring_(ring), erasures_seen_(ring->erasures_.load(std::memory_order_acquire)) {}

absl::StatusOr<bool> PeriodKeyring::Opener::Open(const std::string& ap, std::string_view sealed,
                                                 std::string_view aad, std::string_view what,
                                                 uint64_t position, std::string* plain) {
  ring_->DropErased(&erasures_seen_, &openers_);
  auto opener = openers_.find(ap);
  if (opener == openers_.end()) {
    auto data_key = ring_->Key(ap);
    if (absl::IsNotFound(data_key.status())) return false;
    if (!data_key.ok()) return data_key.status();
    auto created = policy::AesGcmOpener::Create(*data_key);
    if (!created.ok()) return created.status();
    opener = openers_.emplace(ap, std::move(created).value()).first;
  }
  const auto named = [&] { return position == 0 ? std::string(what) : absl::StrCat(std::string(what), " ", position); };
  if (sealed.size() < kOverhead) return absl::DataLossError(absl::StrCat(named(), " is truncated"));
  plain->resize(sealed.size() - kOverhead);
  if (!opener->second.Open(sealed.substr(0, kNonceBytes), sealed.substr(kNonceBytes), aad, absl::MakeSpan(*plain))
           .ok()) {
    return absl::DataLossError(absl::StrCat(named(), " does not authenticate"));
  }
  return true;
}

absl::Status PeriodKeyring::Erase(const std::string& agreement_id, const std::string& period) {
  const std::string ap = absl::StrCat(agreement_id, "/", period);
  rocksdb::WriteBatch wb;
  wb.Delete(db_->cf(HubDb::kMeta), absl::StrCat(kKeyPrefix, ap));
  wb.Put(db_->cf(HubDb::kMeta), absl::StrCat(kErasedPrefix, ap), "");
  filter_->MarkErased(ap);
  {
    absl::MutexLock lock(&mu_);
    keys_.erase(ap);
  }
  erasures_.fetch_add(1, std::memory_order_release);
  if (auto s = db_->WriteSync(&wb); !s.ok()) return s;
  // The key is gone from the memtable/WAL view; compact so that neither the
  // wrapped key nor the ciphertext remain in any SST file.
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (HubDb::Cf cf : {HubDb::kRecords, HubDb::kFeeds, HubDb::kMeta}) {
    if (auto s = db_->CompactAll(cf, co); !s.ok()) {
      return s;
    }
  }
  spdlog::info("records and feed entries of {} erased (data key destroyed, ciphertext compacted away)", ap);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> PeriodKeyring::ExpiredPeriods(
    const absl::flat_hash_map<std::string, uint32_t>& retention, absl::Time now) const {
  std::vector<std::pair<std::string, std::string>> expired;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(HubDb::kMeta));
  for (it->Seek(kKeyPrefix); it->Valid() && it->key().starts_with(kKeyPrefix); it->Next()) {
    const std::string ap = it->key().ToString().substr(sizeof(kKeyPrefix) - 1);
    const size_t slash = ap.rfind('/');
    if (slash == std::string::npos || ap.size() - slash - 1 != kPeriodBytes) {
      spdlog::warn("a records data key with a malformed period name is kept (not subject to retention)");
      continue;
    }
    const std::string agreement = ap.substr(0, slash), period = ap.substr(slash + 1);
    auto days = retention.find(agreement);
    if (days == retention.end() || days->second == 0) continue;
    absl::CivilMonth month;
    if (!absl::ParseCivilTime(period, &month)) {
      spdlog::warn("a records data key with a malformed period name is kept (not subject to retention)");
      continue;
    }
    const absl::Time month_end = absl::FromCivil(month + 1, absl::UTCTimeZone());
    if (month_end + absl::Hours(24) * days->second <= now) expired.emplace_back(agreement, period);
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading record keys");
  return expired;
}

}  // namespace accord::hub
