#include "store.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace accord::analyst {
namespace {

constexpr char kPositionKey[] = "meta/next_position";
constexpr char kRecordPrefix[] = "rec/";
constexpr char kAgreementPrefix[] = "agr/";
constexpr char kRegisterPrefix[] = "reg/";
constexpr char kLastPublishedKey[] = "pub/last";

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("analyst store: ", what, ": ", s.ToString()));
}

std::string EncodeMicros(absl::Time t) {
  uint64_t v = static_cast<uint64_t>(absl::ToUnixMicros(t));
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

absl::Time DecodeMicros(const std::string& s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return absl::FromUnixMicros(static_cast<int64_t>(v));
}

}  // namespace

AnalystStore::AnalystStore(std::unique_ptr<rocksdb::DB> db, uint64_t next_position)
    : db_(std::move(db)), next_position_(next_position) {}

AnalystStore::~AnalystStore() = default;

absl::StatusOr<std::unique_ptr<AnalystStore>> AnalystStore::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  // De-duplication looks up mostly absent keys: a bloom filter skips the files.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  if (auto s = FromRocks(rocksdb::DB::Open(options, dir, &raw), "open " + dir); !s.ok()) return s;
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  uint64_t next = 1;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), kPositionKey, &value);
  if (s.ok()) {
    if (!absl::SimpleAtoi(value, &next) || next == 0) {
      return absl::DataLossError("analyst store: corrupt next_position");
    }
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read next_position");
  }
  return std::unique_ptr<AnalystStore>(new AnalystStore(std::move(db), next));
}

absl::StatusOr<bool> AnalystStore::Add(const v1::CleanedRecord& record, absl::Time received_at,
                                       uint64_t next_position) {
  if (record.delivery_id().empty()) {
    return absl::InvalidArgumentError("analyst store: record without a delivery_id");
  }
  const std::string key = kRecordPrefix + record.delivery_id();
  std::string existing;
  rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), key, &existing);
  if (!got.ok() && !got.IsNotFound()) return FromRocks(got, "read record");
  const bool is_new = got.IsNotFound();
  rocksdb::WriteBatch batch;
  if (is_new) batch.Put(key, EncodeMicros(received_at) + record.SerializeAsString());
  if (next_position > 0) batch.Put(kPositionKey, absl::StrCat(next_position));
  if (batch.Count() > 0) {
    if (auto s = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "write"); !s.ok()) return s;
  }
  if (next_position > 0) next_position_.store(next_position);
  return is_new;
}

absl::StatusOr<bool> AnalystStore::AddDelivery(const v1::Delivery& delivery, absl::Time received_at) {
  if (delivery.position() == 0) return absl::InvalidArgumentError("analyst store: delivery position 0");
  uint64_t next = std::max(next_position_.load(), delivery.position() + 1);
  return Add(delivery.record(), received_at, next);
}

absl::StatusOr<uint64_t> AnalystStore::AddDeliveries(const std::vector<v1::Delivery>& deliveries,
                                                     absl::Time received_at) {
  if (deliveries.empty()) return 0;
  rocksdb::WriteBatch batch;
  std::set<std::string> in_batch;
  uint64_t next = next_position_.load(), added = 0;
  const std::string stamp = EncodeMicros(received_at);
  for (const v1::Delivery& d : deliveries) {
    if (d.position() == 0) return absl::InvalidArgumentError("analyst store: delivery position 0");
    if (d.record().delivery_id().empty()) {
      return absl::InvalidArgumentError("analyst store: record without a delivery_id");
    }
    next = std::max(next, d.position() + 1);
    const std::string key = kRecordPrefix + d.record().delivery_id();
    if (!in_batch.insert(key).second) continue;
    std::string existing;
    rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), key, &existing);
    if (got.ok()) continue;
    if (!got.IsNotFound()) return FromRocks(got, "read record");
    batch.Put(key, stamp + d.record().SerializeAsString());
    ++added;
  }
  batch.Put(kPositionKey, absl::StrCat(next));
  if (auto s = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "write"); !s.ok()) return s;
  next_position_.store(next);
  return added;
}

absl::StatusOr<bool> AnalystStore::AddRecord(const v1::CleanedRecord& record, absl::Time received_at) {
  return Add(record, received_at, 0);
}

absl::Status AnalystStore::PutAgreement(const v1::AgreementInfo& info) {
  return FromRocks(db_->Put(rocksdb::WriteOptions(), kAgreementPrefix + info.id(), info.SerializeAsString()),
                   "write agreement");
}

absl::StatusOr<std::vector<v1::AgreementInfo>> AnalystStore::Agreements() const {
  std::vector<v1::AgreementInfo> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(kAgreementPrefix); it->Valid() && it->key().starts_with(kAgreementPrefix); it->Next()) {
    v1::AgreementInfo info;
    if (!info.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("analyst store: corrupt agreement entry");
    }
    out.push_back(std::move(info));
  }
  if (auto s = FromRocks(it->status(), "scan agreements"); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<Fact>> AnalystStore::LoadFacts(const AnalysisConfig* config) const {
  std::vector<Fact> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  v1::CleanedRecord record;
  for (it->Seek(kRecordPrefix); it->Valid() && it->key().starts_with(kRecordPrefix); it->Next()) {
    rocksdb::Slice v = it->value();
    if (v.size() < 8 || !record.ParseFromArray(v.data() + 8, static_cast<int>(v.size() - 8))) {
      return absl::DataLossError("analyst store: corrupt record entry");
    }
    Fact f = FactFromRecord(record, config == nullptr ? ConventionalRoles() : config->RolesFor(record.dataset()));
    f.received_at = DecodeMicros(std::string(v.data(), 8));
    out.push_back(std::move(f));
  }
  if (auto s = FromRocks(it->status(), "scan records"); !s.ok()) return s;
  return out;
}

absl::Status AnalystStore::PutRegisterEntry(const std::string& key, const std::string& value) {
  rocksdb::WriteOptions sync;
  sync.sync = true;  // an officer's note or a rejection total must survive a crash
  return FromRocks(db_->Put(sync, kRegisterPrefix + key, value), "write register entry");
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> AnalystStore::RegisterEntries(
    const std::string& prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string start = kRegisterPrefix + prefix;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
    out.emplace_back(it->key().ToString().substr(sizeof(kRegisterPrefix) - 1), it->value().ToString());
  }
  if (auto s = FromRocks(it->status(), "scan register"); !s.ok()) return s;
  return out;
}

absl::Status AnalystStore::PutLastPublished(const std::string& value) {
  rocksdb::WriteOptions sync;
  sync.sync = true;  // the attacker check's memory of what a reader may hold
  return FromRocks(db_->Put(sync, kLastPublishedKey, value), "write the last published figures");
}

absl::StatusOr<std::string> AnalystStore::LastPublished() const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kLastPublishedKey, &value);
  if (s.IsNotFound()) return std::string();
  if (auto st = FromRocks(s, "read the last published figures"); !st.ok()) return st;
  return value;
}

absl::StatusOr<uint64_t> AnalystStore::RecordCount() const {
  uint64_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(kRecordPrefix); it->Valid() && it->key().starts_with(kRecordPrefix); it->Next()) ++n;
  if (auto s = FromRocks(it->status(), "scan records"); !s.ok()) return s;
  return n;
}

}  // namespace accord::analyst
