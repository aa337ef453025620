#include "accord/hub/core/record_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "rocksdb/iterator.h"

namespace accord::hub {
namespace {

constexpr size_t kMaxPage = 1000;

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

void AppendPrefix(std::string_view recipient, std::string_view dataset, std::string* out) {
  out->append(recipient);
  out->push_back('\0');
  out->append(dataset);
  out->push_back('\0');
}

std::string Prefix(std::string_view recipient, std::string_view dataset) {
  std::string p;
  AppendPrefix(recipient, dataset, &p);
  return p;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordStore>> RecordStore::Open(HubDb* db, PeriodKeyring* keyring, FeedStore* feeds) {
  if (db == nullptr || keyring == nullptr || feeds == nullptr) {
    return absl::InvalidArgumentError("RecordStore needs a db, the period keyring and the feed store");
  }
  return std::unique_ptr<RecordStore>(new RecordStore(db, keyring, feeds));
}

RecordStore::~RecordStore() = default;

absl::Status RecordStore::Stage(absl::Span<const Disclosure> disclosures, rocksdb::WriteBatch* batch) {
  if (puts_.size() < disclosures.size()) puts_.resize(disclosures.size());
  order_.clear();
  for (size_t i = 0; i < disclosures.size(); ++i) {
    const Disclosure& d = disclosures[i];
    // A period past retention: the record is stored nowhere.
    if (d.feed_position == 0) continue;
    const v1::CleanedRecord& record = *d.record;
    IndexPut& put = puts_[i];
    put.key.clear();
    AppendPrefix(record.recipient(), record.dataset(), &put.key);
    AppendU64(&put.key, Biased(EventMillis(record)));
    AppendU64(&put.key, d.ledger_index);
    put.value.clear();
    AppendSealedHeader(kRecordRef, d.period, &put.value);
    AppendU64(&put.value, d.feed_position);
    put.value.append(record.area());  // a query by area filters on it: no second key
    order_.push_back(&put);
  }
  std::sort(order_.begin(), order_.end(), [](const IndexPut* a, const IndexPut* b) { return a->key < b->key; });
  rocksdb::ColumnFamilyHandle* const cf = db_->cf(HubDb::kRecords);
  for (const IndexPut* put : order_) {
    if (auto s = batch->Put(cf, put->key, put->value); !s.ok()) {
      return ledger::FromRocksDb(s, "staging the audit store's index");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RecordPage> RecordStore::Query(const RecordQuery& q) const {
  if (q.recipient.empty() || q.dataset.empty()) {
    return absl::InvalidArgumentError("a record query needs a dataset");
  }
  const size_t page = std::min(q.page_size == 0 ? kMaxPage : q.page_size, kMaxPage);
  const std::string prefix = Prefix(q.recipient, q.dataset);
  std::string start = prefix;
  AppendU64(&start, BiasedTime(q.from));
  if (!q.page_token.empty()) {
    if (q.page_token.size() != 16) return absl::InvalidArgumentError("bad page token");
    start = prefix + q.page_token;
  }
  std::string end = prefix;
  AppendU64(&end, BiasedTime(q.to));
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(HubDb::kRecords, ro));
  RecordPage out;
  FeedStore::Reader feed = feeds_->NewReader();
  PeriodKeyring::Opener opener = keyring_->NewOpener();
  std::string plain;
  SealedHeader header;
  // The page token is the key suffix of the first record of the next page.
  for (it->Seek(start); it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    if (key.size() != prefix.size() + 16) return absl::DataLossError("a stored record index key is damaged");
    if (out.records.size() == page) {
      out.next_page_token = std::string(key.substr(prefix.size(), 16));
      break;
    }
    const std::string_view value = it->value().ToStringView();
    if (!ParseSealedHeader(value, &header) ||
        (header.format == kRecordRef ? header.body.size() < 8 : header.format != kSealedEntry)) {
      return absl::DataLossError("a stored record index entry is damaged");
    }
    absl::StatusOr<bool> opened;
    if (header.format == kRecordRef) {
      // The area is in the index value: other areas are skipped unread.
      if (!q.area.empty() && header.body.substr(8) != q.area) continue;
      opened = feed.Get(q.recipient, DecodeU64(header.body), &plain);
    } else {
      // Stored before the store indexed the feed: its own sealed copy.
      opened = opener.Open(header.AgreementPeriod(), header.body, key, "a stored record", 0, &plain);
    }
    if (!opened.ok()) return opened.status();
    if (!*opened) continue;  // erased: unreadable by design
    v1::CleanedRecord& record = out.records.emplace_back();
    if (!record.ParseFromString(plain)) return absl::DataLossError("a stored record does not parse");
    if (!q.area.empty() && record.area() != q.area) out.records.pop_back();
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "querying records");
  return out;
}

absl::Status RecordStore::ErasePeriod(const std::string& agreement_id, const std::string& period) {
  return keyring_->Erase(agreement_id, period);
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
  auto expired = keyring_->ExpiredPeriods(retention, now);
  if (!expired.ok()) return expired.status();
  std::vector<std::string> erased;
  for (const auto& [agreement, period] : *expired) {
    if (auto s = keyring_->Erase(agreement, period); !s.ok()) return s;
    erased.push_back(absl::StrCat(agreement, "/", period));
  }
  return erased;
}

}  // namespace accord::hub
