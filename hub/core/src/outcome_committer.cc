#include "accord/hub/core/outcome_committer.h"

#include <optional>

#include "accord/base/proto_time.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "accord/hub/core/disclosure_index.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "envelope.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

// In the dedupe column family, beside the ingest log's 32-byte record digests.
constexpr char kDeliveredPrefix[] = "delivered/";

}  // namespace

std::vector<v1::PolicyOutcome> ToJournal(const StageOutcome& outcome, size_t max_bytes) {
  std::vector<v1::PolicyOutcome> parts;
  if (outcome.disclosures.empty() && outcome.quarantined.empty()) return parts;
  auto start_part = [&] {
    v1::PolicyOutcome& part = parts.emplace_back();
    base::ToTimestampMicros(outcome.decided_at, part.mutable_decided_at());
    return &part;
  };
  v1::PolicyOutcome* part = start_part();
  for (const auto& q : outcome.quarantined) {
    auto* j = part->add_quarantined();
    j->set_partition(q.partition);
    j->set_offset(q.offset);
    j->set_reason(q.reason);
  }
  size_t bytes = 0;
  for (const auto& d : outcome.disclosures) {
    const size_t size = d.serialized.size() + d.ledger_entry.size() + 16;  // + tags and lengths
    if (part->disclosures_size() > 0 && bytes + size > max_bytes) {
      part = start_part();
      bytes = 0;
    }
    auto* j = part->add_disclosures();
    j->set_cleaned_record(d.serialized);
    j->set_ledger_entry(d.ledger_entry);
    // The envelope beside the bytes, so that applying the entry parses no
    // values (FromJournal). The stage's envelope has no fields; one that
    // does (an outcome read back from the journal) leaves them out.
    v1::CleanedRecord* envelope = j->mutable_envelope();
    if (d.record.fields_size() == 0) {
      *envelope = d.record;
    } else {
      CopyEnvelope(d.record, envelope);
    }
    bytes += size + envelope->ByteSizeLong() + 3;
  }
  return parts;
}

absl::StatusOr<StageOutcome> FromJournal(v1::PolicyOutcome in) {
  StageOutcome out;
  out.decided_at = base::ToTime(in.decided_at());
  out.disclosures.resize(in.disclosures_size());
  for (int i = 0; i < in.disclosures_size(); ++i) {
    StageOutcome::Disclosure& d = out.disclosures[i];
    v1::PolicyOutcome::Disclosure& j = *in.mutable_disclosures(i);
    d.serialized.swap(*j.mutable_cleaned_record());
    d.ledger_entry.swap(*j.mutable_ledger_entry());
    bool ok;
    if (j.has_envelope()) {
      // Written with the envelope: the values are not parsed.
      d.record.Swap(j.mutable_envelope());
      ok = d.record.fields_size() == 0;
    } else {
      // Written before the envelope existed: the whole record is parsed.
      ok = d.record.ParseFromString(d.serialized);
    }
    if (!ok || d.record.recipient().empty() || d.record.delivery_id().empty()) {
      return absl::DataLossError(
          absl::StrCat("journal outcome: disclosure ", i, " is not a complete accord.v1.CleanedRecord"));
    }
  }
  for (const auto& q : in.quarantined()) {
    out.quarantined.push_back({q.partition(), q.offset(), q.reason()});
  }
  return out;
}

absl::StatusOr<std::unique_ptr<OutcomeCommitter>> OutcomeCommitter::Open(
    HubDb* db, ledger::MerkleLog* ledger, FeedStore* feed_store, DisclosureSink* sink, FeedNotifier* feeds,
    bool dedupe_deliveries, PipelineStats* stats, DisclosureObserver observer) {
  if (db == nullptr || ledger == nullptr || feed_store == nullptr || sink == nullptr || feeds == nullptr) {
    return absl::InvalidArgumentError("OutcomeCommitter needs a db, ledger, feed store, sink and notifier");
  }
  std::unique_ptr<OutcomeCommitter> c(new OutcomeCommitter(db, ledger, feed_store, sink, feeds, dedupe_deliveries,
                                                           stats, std::move(observer)));
  for (const auto& [recipient, head] : feed_store->Heads()) feeds->SetHead(recipient, head);
  return c;
}

absl::Status OutcomeCommitter::Take(IngestLog* log, const std::vector<IngestLog::Entry>& entries,
                                    StageOutcome& outcome) {
  return Commit(outcome, [&](rocksdb::WriteBatch* wb) { log->StageConsumed(entries, wb); });
}

absl::Status OutcomeCommitter::Commit(StageOutcome& outcome,
                                      const std::function<void(rocksdb::WriteBatch*)>& stage_position) {
  // Reused from commit to commit: the buffer grows to a batch's size once
  // instead of doubling (and faulting in fresh pages) on every commit.
  rocksdb::WriteBatch& wb = batch_;
  wb.Clear();
  for (const auto& q : outcome.quarantined) {
    std::string key = EncodeU64(q.offset);
    if (q.partition != 0) key = absl::StrCat(q.partition, "/", key);
    wb.Put(db_->cf(HubDb::kQuarantine), key, q.reason);
    // Reasons name fields and rules, never values.
    spdlog::warn("quarantined ingest record {}:{}: {}", q.partition, q.offset, q.reason);
  }

  // The disclosures to make, in outcome order.
  std::vector<StageOutcome::Disclosure*> todo;
  todo.reserve(outcome.disclosures.size());
  for (auto& d : outcome.disclosures) todo.push_back(&d);
  uint64_t duplicates = 0;
  if (dedupe_ && !todo.empty()) {
    // At-least-once logs may deliver a record again: a delivery id already
    // disclosed (or seen earlier in this outcome) is not disclosed twice.
    std::vector<std::string> keys;
    keys.reserve(todo.size());
    for (const auto* d : todo) keys.push_back(absl::StrCat(kDeliveredPrefix, d->record.delivery_id()));
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<std::string> values(keys.size());
    std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), db_->cf(HubDb::kDedupe));
    std::vector<rocksdb::Status> found = db_->MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);
    absl::flat_hash_set<std::string> in_batch;
    std::vector<StageOutcome::Disclosure*> fresh;
    for (size_t i = 0; i < todo.size(); ++i) {
      if (!found[i].ok() && !found[i].IsNotFound()) {
        return ledger::FromRocksDb(found[i], "checking disclosed delivery ids");
      }
      if (found[i].ok() || !in_batch.insert(keys[i]).second) {
        ++duplicates;
        continue;
      }
      wb.Put(db_->cf(HubDb::kDedupe), keys[i], "");
      fresh.push_back(todo[i]);
    }
    todo = std::move(fresh);
  }

  // Feed entries: the one sealed copy of each disclosure (FeedStore), under
  // the records' retention keys. A record whose period is already past
  // retention (erased) is stored nowhere; its position and ledger entry
  // stay, so the feed heads and the ledger never depend on this process's
  // erasures.
  std::vector<FeedStore::Item> items;
  items.reserve(todo.size());
  for (const StageOutcome::Disclosure* d : todo) items.push_back({&d->record, d->serialized});
  auto appended = feed_store_->Stage(items, &wb);
  if (!appended.ok()) return appended.status();
  uint64_t past_retention = 0;
  for (bool stored : appended->stored) past_retention += stored ? 0 : 1;
  // The ledger takes its entries as one span of strings: they are swapped in
  // and, once staged (copied into the batch), swapped back, so the outcome
  // keeps them and their memory (the stage reuses it for its next batch).
  // On failure the outcome is left as it was, for a retry.
  std::vector<std::string>& ledger_entries = ledger_entries_;
  ledger_entries.resize(todo.size());
  for (size_t i = 0; i < todo.size(); ++i) ledger_entries[i].swap(todo[i]->ledger_entry);
  uint64_t first_index = ledger_->size();
  std::optional<ledger::MerkleLog::PendingAppend> pending;
  if (!ledger_entries.empty()) {
    auto staged = ledger_->Stage(ledger_entries, outcome.decided_at, &wb);
    for (size_t i = 0; i < todo.size(); ++i) ledger_entries[i].swap(todo[i]->ledger_entry);
    if (!staged.ok()) return staged.status();
    first_index = staged->first_index;
    pending = std::move(staged).value();
  }
  DisclosureIndexBatch index;
  std::vector<DisclosureSink::Disclosure>& staged = staged_;
  staged.resize(todo.size());
  for (size_t i = 0; i < todo.size(); ++i) {
    staged[i] = {&todo[i]->record, appended->periods[i], appended->stored[i] ? appended->positions[i] : 0,
                 first_index + i};
    index.Add(todo[i]->record.provider(), todo[i]->record.recipient(), first_index + i);
  }
  if (auto s = sink_->Stage(staged, &wb); !s.ok()) return s;
  if (!todo.empty()) index.Stage(db_, first_index + todo.size(), &wb);
  const uint64_t store_keys = wb.Count();  // before the caller's position
  if (stage_position) stage_position(&wb);
  if (auto s = db_->WriteSync(&wb); !s.ok()) return s;
  if (pending) ledger_->Commit(*pending);
  feed_store_->Commit(*appended);

  if (stats_ != nullptr) {
    stats_->batches.fetch_add(1, std::memory_order_relaxed);
    stats_->disclosures.fetch_add(todo.size(), std::memory_order_relaxed);
    stats_->quarantined.fetch_add(outcome.quarantined.size(), std::memory_order_relaxed);
    stats_->duplicates_skipped.fetch_add(duplicates, std::memory_order_relaxed);
    stats_->past_retention.fetch_add(past_retention, std::memory_order_relaxed);
    stats_->store_keys.fetch_add(store_keys, std::memory_order_relaxed);
  }
  if (observer_) {
    for (const auto* d : todo) observer_(d->record);
  }
  for (const auto& [recipient, head] : appended->new_heads) feeds_->Notify(recipient, head);
  return absl::OkStatus();
}

}  // namespace accord::hub
