#include "accord/hub/core/policy_stage.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "chunk_pool.h"
#include "accord/policy/canonical.h"
#include "accord/hub/core/disclosure_index.h"
#include "accord/v1/audit_service.pb.h"
#include "rocksdb/iterator.h"
#include "spdlog/spdlog.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {
namespace {

constexpr char kFeedHeadPrefix[] = "feed_head/";
// In the dedupe column family, beside the ingest log's 32-byte record digests.
constexpr char kDeliveredPrefix[] = "delivered/";

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) { rem += 1000000; --seconds; }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rem * 1000));
}


// The disclosure's ledger entry (DPA 2018 s62): who, to whom, under what, which
// fields with which treatment, a digest of what was sent; never values.
void LedgerEntryFor(const policy::FlowOutput& out, const std::string& serialized, absl::Time now,
                    const std::string& hub_instance, v1::LedgerEntry* entry, std::string* bytes) {
  const policy::CompiledFlow& cf = *out.flow;
  const v1::CleanedRecord& rec = out.record;
  entry->Clear();
  entry->set_provider(rec.provider());
  entry->set_recipient(rec.recipient());
  entry->set_agreement_id(rec.agreement_id());
  entry->set_agreement_version(rec.agreement_version());
  entry->set_agreement_fingerprint(rec.agreement_fingerprint());
  entry->set_flow_id(rec.flow_id());
  entry->set_purpose(cf.flow->purpose.empty() ? cf.agreement->agreement().purpose : cf.flow->purpose);
  entry->set_record_ref(rec.record_ref());
  for (const auto& plan : cf.plans) {
    auto* f = entry->add_fields();
    f->set_name(plan.spec->name);
    f->set_treatment(plan.treatment_label);
  }
  const auto digest = policy::Sha256(serialized);
  entry->set_cleaned_record_sha256(digest.data(), digest.size());
  SetTimestamp(now, entry->mutable_disclosed_at());
  entry->set_hub_instance(hub_instance);
  entry->set_delivery_id(rec.delivery_id());
  entry->set_dataset(rec.dataset());
  entry->SerializeToString(bytes);
}

}  // namespace

absl::Status PolicyStageOptions::Validate() const {
  if (max_batch == 0 || max_batch > 100000) {
    return absl::InvalidArgumentError("policy max_batch must be in [1, 100000]");
  }
  if (workers > 64) return absl::InvalidArgumentError("policy workers must be in [0, 64]");
  if (hub_instance.empty()) return absl::InvalidArgumentError("hub_instance is not set");
  return absl::OkStatus();
}

// One record's result: its flow outputs, or why it was quarantined.
struct PolicyStage::Work {
  struct Item {
    uint64_t offset = 0;
    int32_t partition = 0;
    std::string quarantine_reason;  // non-empty: quarantined (a reason, never values)
    std::vector<policy::FlowOutput> outputs;
    std::vector<std::string> serialized;    // per output: the cleaned record as sent
    std::vector<std::string> ledger_bytes;  // per output: its ledger entry
  };
  std::vector<Item> items;
};

PolicyStage::PolicyStage(HubDb* db, IngestLog* log, ledger::MerkleLog* ledger,
                         DisclosureSink* sink, FeedNotifier* feeds, PolicySource policy,
                         std::shared_ptr<const policy::Redactor> redactor,
                         PolicyStageOptions options, DisclosureObserver observer)
    : db_(db), log_(log), ledger_(ledger), sink_(sink), feeds_(feeds), policy_(std::move(policy)),
      options_(std::move(options)), observer_(std::move(observer)) {
  size_t workers = options_.workers;
  if (workers == 0) workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  for (size_t i = 0; i < workers; ++i) engines_.push_back(std::make_unique<policy::FlowEngine>(redactor));
  pool_ = std::make_unique<ChunkPool>(workers - 1);
}

absl::StatusOr<std::unique_ptr<PolicyStage>> PolicyStage::Start(
    HubDb* db, IngestLog* log, ledger::MerkleLog* ledger, DisclosureSink* sink,
    FeedNotifier* feeds, PolicySource policy, std::shared_ptr<const policy::Redactor> redactor,
    PolicyStageOptions options, DisclosureObserver observer) {
  if (auto s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<PolicyStage> stage(new PolicyStage(db, log, ledger, sink, feeds,
                                                     std::move(policy), std::move(redactor),
                                                     std::move(options), std::move(observer)));
  // Feed heads.
  std::unique_ptr<rocksdb::Iterator> it(
      db->db()->NewIterator(rocksdb::ReadOptions(), db->cf(HubDb::kMeta)));
  for (it->Seek(kFeedHeadPrefix); it->Valid() && it->key().starts_with(kFeedHeadPrefix); it->Next()) {
    if (it->value().size() != 8) return absl::DataLossError("corrupt feed head");
    std::string recipient = it->key().ToString().substr(sizeof(kFeedHeadPrefix) - 1);
    const uint64_t head = DecodeU64(it->value().ToStringView());
    stage->feed_heads_[recipient] = head;
    feeds->SetHead(recipient, head);
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading feed heads");
  stage->thread_ = std::thread([raw = stage.get()] { raw->Run(); });
  return stage;
}

PolicyStage::~PolicyStage() { Stop(); }

bool PolicyStage::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void PolicyStage::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void PolicyStage::Run() {
  std::vector<IngestLog::Entry> entries;
  while (!stopping()) {
    if (auto s = log_->Poll(absl::Milliseconds(100), options_.max_batch, &entries); !s.ok()) {
      absl::SleepFor(absl::Milliseconds(100));  // storage trouble: try again shortly
      continue;
    }
    if (entries.empty()) continue;
    // Nothing of a failed batch is committed; retry the same records until it
    // succeeds (the log keeps them until Consumed).
    for (;;) {
      if (ProcessBatch(entries).ok()) break;
      if (stopping()) return;
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
}

absl::Status PolicyStage::ProcessBatch(const std::vector<IngestLog::Entry>& entries) {
  // 1. Apply the flows, in parallel chunks, each worker with its own engine.
  auto snapshot = policy_();
  const absl::Time now = absl::Now();
  Work work;
  work.items.resize(entries.size());
  const size_t chunks = std::min(engines_.size(), (entries.size() + 63) / 64);
  const size_t per_chunk = (entries.size() + chunks - 1) / chunks;
  pool_->Run(chunks, [&](size_t c) {
    policy::FlowEngine& engine = *engines_[c];
    engine.SetPolicy(snapshot);
    v1::Record record;
    policy::ProcessResult result;
    v1::LedgerEntry entry;
    const size_t end = std::min(entries.size(), (c + 1) * per_chunk);
    for (size_t i = c * per_chunk; i < end; ++i) {
      Work::Item& item = work.items[i];
      item.offset = entries[i].offset;
      item.partition = entries[i].partition;
      if (!entries[i].unreadable_reason.empty()) {
        item.quarantine_reason = entries[i].unreadable_reason;
        continue;
      }
      if (!record.ParseFromString(entries[i].bytes)) {
        item.quarantine_reason = "stored record does not parse";
        continue;
      }
      result.outputs.clear();
      result.rejection = {};
      engine.Apply(record, &result);
      if (!result.rejection.ok()) {
        item.quarantine_reason = result.rejection.message;
        continue;
      }
      item.outputs = std::move(result.outputs);
      result.outputs = {};
      item.serialized.resize(item.outputs.size());
      item.ledger_bytes.resize(item.outputs.size());
      for (size_t k = 0; k < item.outputs.size(); ++k) {
        item.outputs[k].record.SerializeToString(&item.serialized[k]);
        LedgerEntryFor(item.outputs[k], item.serialized[k], now, options_.hub_instance, &entry,
                       &item.ledger_bytes[k]);
      }
    }
  });
  stats_.records.fetch_add(entries.size(), std::memory_order_relaxed);

  // 2. One WriteBatch: quarantine, feeds, ledger, audit store, log position.
  rocksdb::WriteBatch wb;
  std::vector<std::string> ledger_entries;
  std::vector<const policy::FlowOutput*> outputs;  // in ledger order
  absl::flat_hash_map<std::string, uint64_t> new_heads;
  size_t quarantined = 0;
  // Disclosures to make: (item, output) pairs, in record order.
  std::vector<std::pair<Work::Item*, size_t>> todo;
  for (Work::Item& item : work.items) {
    if (!item.quarantine_reason.empty()) {
      std::string key = EncodeU64(item.offset);
      if (item.partition != 0) key = absl::StrCat(item.partition, "/", key);
      wb.Put(db_->cf(HubDb::kQuarantine), key, item.quarantine_reason);
      // Reasons name fields and rules, never values.
      spdlog::warn("quarantined ingest record {}:{}: {}", item.partition, item.offset, item.quarantine_reason);
      ++quarantined;
      continue;
    }
    for (size_t k = 0; k < item.outputs.size(); ++k) todo.emplace_back(&item, k);
  }
  if (options_.dedupe_deliveries && !todo.empty()) {
    // At-least-once logs may deliver a record again: a delivery id already
    // disclosed (or seen earlier in this batch) is not disclosed twice.
    std::vector<std::string> keys;
    keys.reserve(todo.size());
    for (const auto& [item, k] : todo) {
      keys.push_back(absl::StrCat(kDeliveredPrefix, item->outputs[k].record.delivery_id()));
    }
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<std::string> values(keys.size());
    std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), db_->cf(HubDb::kDedupe));
    std::vector<rocksdb::Status> found = db_->db()->MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);
    absl::flat_hash_set<std::string> in_batch;
    std::vector<std::pair<Work::Item*, size_t>> fresh;
    for (size_t i = 0; i < todo.size(); ++i) {
      if (!found[i].ok() && !found[i].IsNotFound()) {
        return ledger::FromRocksDb(found[i], "checking disclosed delivery ids");
      }
      if (found[i].ok() || !in_batch.insert(keys[i]).second) {
        stats_.duplicates_skipped.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      wb.Put(db_->cf(HubDb::kDedupe), keys[i], "");
      fresh.push_back(todo[i]);
    }
    todo = std::move(fresh);
  }
  for (const auto& [item, k] : todo) {
    outputs.push_back(&item->outputs[k]);
    const v1::CleanedRecord& rec = item->outputs[k].record;
    uint64_t& head = new_heads.try_emplace(rec.recipient(), 0).first->second;
    if (head == 0) {
      auto known = feed_heads_.find(rec.recipient());
      head = known == feed_heads_.end() ? 0 : known->second;
    }
    ++head;
    wb.Put(db_->cf(HubDb::kFeeds), NameU64Key(rec.recipient(), head), item->serialized[k]);
    ledger_entries.push_back(std::move(item->ledger_bytes[k]));
  }

  uint64_t first_index = ledger_->size();
  std::optional<ledger::MerkleLog::PendingAppend> pending;
  if (!ledger_entries.empty()) {
    auto staged = ledger_->Stage(ledger_entries, now, &wb);
    if (!staged.ok()) return staged.status();
    first_index = staged->first_index;
    pending = std::move(staged).value();
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (auto s = sink_->Stage(outputs[i]->record, first_index + i, &wb); !s.ok()) return s;
    StageDisclosureIndex(db_, outputs[i]->record, first_index + i, &wb);
  }
  for (const auto& [recipient, head] : new_heads) {
    wb.Put(db_->cf(HubDb::kMeta), absl::StrCat(kFeedHeadPrefix, recipient), EncodeU64(head));
  }
  log_->StageConsumed(entries, &wb);
  if (auto s = db_->WriteSync(&wb); !s.ok()) return s;
  if (pending) ledger_->Commit(*pending);
  // The outcome is durable: never retry it. A log that fails to record the
  // position re-delivers, and the ledger's delivery ids expose any repeat.
  log_->Consumed(entries).IgnoreError();

  stats_.batches.fetch_add(1, std::memory_order_relaxed);
  stats_.disclosures.fetch_add(outputs.size(), std::memory_order_relaxed);
  stats_.quarantined.fetch_add(quarantined, std::memory_order_relaxed);
  if (observer_) {
    for (const policy::FlowOutput* out : outputs) observer_(*out);
  }
  for (const auto& [recipient, head] : new_heads) {
    feed_heads_[recipient] = head;
    feeds_->Notify(recipient, head);
  }
  return absl::OkStatus();
}

}  // namespace accord::hub
