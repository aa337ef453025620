#include "accord/hub/core/policy_stage.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/policy/canonical.h"
#include "accord/v1/audit_service.pb.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {
namespace {

constexpr char kPolicyOffsetKey[] = "policy_offset";
constexpr char kFeedHeadPrefix[] = "feed_head/";

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) { rem += 1000000; --seconds; }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rem * 1000));
}

std::string FeedKey(std::string_view recipient, uint64_t position) {
  std::string key(recipient);
  key.push_back('\0');
  AppendU64(&key, position);
  return key;
}

}  // namespace

absl::Status PolicyStageOptions::Validate() const {
  if (max_batch == 0 || max_batch > 100000) {
    return absl::InvalidArgumentError("policy max_batch must be in [1, 100000]");
  }
  if (hub_instance.empty()) return absl::InvalidArgumentError("hub_instance is not set");
  return absl::OkStatus();
}

PolicyStage::PolicyStage(HubDb* db, ledger::MerkleLog* ledger, DisclosureSink* sink,
                         FeedNotifier* feeds, PolicySource policy,
                         std::shared_ptr<const policy::Redactor> redactor,
                         PolicyStageOptions options, DisclosureObserver observer)
    : db_(db), ledger_(ledger), sink_(sink), feeds_(feeds), policy_(std::move(policy)),
      options_(std::move(options)), observer_(std::move(observer)),
      engine_(std::move(redactor)) {}

absl::StatusOr<std::unique_ptr<PolicyStage>> PolicyStage::Start(
    HubDb* db, ledger::MerkleLog* ledger, DisclosureSink* sink, FeedNotifier* feeds,
    PolicySource policy, std::shared_ptr<const policy::Redactor> redactor,
    PolicyStageOptions options, DisclosureObserver observer) {
  if (auto s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<PolicyStage> stage(new PolicyStage(db, ledger, sink, feeds, std::move(policy),
                                                     std::move(redactor), std::move(options),
                                                     std::move(observer)));
  uint64_t committed = 0;
  auto offset = db->Get(HubDb::kMeta, kPolicyOffsetKey);
  if (offset.ok() && offset->size() == 8) {
    committed = DecodeU64(*offset);
  } else if (!offset.ok() && !absl::IsNotFound(offset.status())) {
    return offset.status();
  }
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
  {
    absl::MutexLock lock(&stage->mu_);
    stage->committed_ = committed;
    stage->target_ = committed;
  }
  stage->thread_ = std::thread([raw = stage.get()] { raw->Run(); });
  return stage;
}

PolicyStage::~PolicyStage() { Stop(); }

void PolicyStage::Wake(uint64_t last_offset) {
  absl::MutexLock lock(&mu_);
  if (last_offset > target_) target_ = last_offset;
}

uint64_t PolicyStage::committed_offset() const {
  absl::MutexLock lock(&mu_);
  return committed_;
}

void PolicyStage::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void PolicyStage::Run() {
  for (;;) {
    uint64_t upto = 0;
    {
      absl::MutexLock lock(&mu_);
      // Also wake periodically so a failed write is retried.
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](PolicyStage* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) {
                                 return s->stopping_ || s->target_ > s->committed_;
                               },
                               this),
                           absl::Milliseconds(200));
      if (stopping_) return;
      if (target_ <= committed_) continue;
      upto = std::min<uint64_t>(target_, committed_ + options_.max_batch);
    }
    auto done = ProcessBatch(upto);
    if (!done.ok()) {
      // Storage trouble: nothing of this batch is committed; retry shortly.
      absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    absl::MutexLock lock(&mu_);
    committed_ = *done;
  }
}

absl::StatusOr<uint64_t> PolicyStage::ProcessBatch(uint64_t upto) {
  uint64_t from;
  {
    absl::MutexLock lock(&mu_);
    from = committed_ + 1;
  }
  engine_.SetPolicy(policy_());
  rocksdb::WriteBatch wb;
  std::vector<std::string> ledger_entries;
  std::vector<policy::FlowOutput> outputs;
  absl::flat_hash_map<std::string, uint64_t> new_heads;
  std::vector<std::pair<size_t, std::string>> pending_feed;  // (output index, feed key)
  policy::ProcessResult result;
  v1::Record record;
  uint64_t last = from - 1;

  const std::string begin = EncodeU64(from);
  const std::string end = EncodeU64(upto + 1);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(ro, db_->cf(HubDb::kIngest)));
  for (it->Seek(begin); it->Valid(); it->Next()) {
    last = DecodeU64(it->key().ToStringView());
    stats_.records.fetch_add(1, std::memory_order_relaxed);
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      wb.Put(db_->cf(HubDb::kQuarantine), it->key(), "stored record does not parse");
      stats_.quarantined.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    result.outputs.clear();
    result.rejection = {};
    engine_.Apply(record, &result);
    if (!result.rejection.ok()) {
      wb.Put(db_->cf(HubDb::kQuarantine), it->key(), result.rejection.message);
      stats_.quarantined.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    for (auto& out : result.outputs) outputs.push_back(std::move(out));
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading the ingest log");
  // Records are contiguous, so the batch covers (from-1, upto].
  last = upto;

  const absl::Time now = absl::Now();
  std::string serialized;
  v1::LedgerEntry entry;
  for (policy::FlowOutput& out : outputs) {
    const policy::CompiledFlow& cf = *out.flow;
    const v1::CleanedRecord& rec = out.record;
    uint64_t& head = new_heads.try_emplace(rec.recipient(), 0).first->second;
    if (head == 0) {
      auto known = feed_heads_.find(rec.recipient());
      head = known == feed_heads_.end() ? 0 : known->second;
    }
    ++head;
    serialized.clear();
    rec.SerializeToString(&serialized);
    wb.Put(db_->cf(HubDb::kFeeds), FeedKey(rec.recipient(), head), serialized);

    entry.Clear();
    entry.set_provider(rec.provider());
    entry.set_recipient(rec.recipient());
    entry.set_agreement_id(rec.agreement_id());
    entry.set_agreement_version(rec.agreement_version());
    entry.set_agreement_fingerprint(rec.agreement_fingerprint());
    entry.set_flow_id(rec.flow_id());
    entry.set_purpose(cf.flow->purpose.empty() ? cf.agreement->agreement().purpose : cf.flow->purpose);
    entry.set_record_ref(rec.record_ref());
    for (const auto& plan : cf.plans) {
      auto* f = entry.add_fields();
      f->set_name(plan.spec->name);
      f->set_treatment(plan.treatment_label);
    }
    const auto digest = policy::Sha256(serialized);
    entry.set_cleaned_record_sha256(digest.data(), digest.size());
    SetTimestamp(now, entry.mutable_disclosed_at());
    entry.set_hub_instance(options_.hub_instance);
    entry.set_delivery_id(rec.delivery_id());
    entry.set_dataset(rec.dataset());
    std::string& bytes = ledger_entries.emplace_back();
    entry.SerializeToString(&bytes);
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
    if (auto s = sink_->Stage(outputs[i].record, first_index + i, &wb); !s.ok()) return s;
  }
  for (const auto& [recipient, head] : new_heads) {
    wb.Put(db_->cf(HubDb::kMeta), absl::StrCat(kFeedHeadPrefix, recipient), EncodeU64(head));
  }
  wb.Put(db_->cf(HubDb::kMeta), kPolicyOffsetKey, EncodeU64(last));
  // The raw records are no longer needed: their disclosures are durable.
  wb.DeleteRange(db_->cf(HubDb::kIngest), begin, end);
  if (auto s = db_->WriteSync(&wb); !s.ok()) return s;
  if (pending) ledger_->Commit(*pending);

  stats_.batches.fetch_add(1, std::memory_order_relaxed);
  stats_.disclosures.fetch_add(outputs.size(), std::memory_order_relaxed);
  if (observer_) {
    for (const auto& out : outputs) observer_(out);
  }
  for (const auto& [recipient, head] : new_heads) {
    feed_heads_[recipient] = head;
    feeds_->Notify(recipient, head);
  }
  return last;
}

}  // namespace accord::hub
