#include "accord/hub/core/policy_stage.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>

#include "absl/time/clock.h"
#include "accord/policy/canonical.h"
#include "accord/hub/core/thread_name.h"
#include "chunk_pool.h"
#include "envelope.h"
#include "ledger_entry_writer.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

void Swap(StageOutcome::Disclosure& a, StageOutcome::Disclosure& b) {
  a.record.Swap(&b.record);
  a.serialized.swap(b.serialized);
  a.ledger_entry.swap(b.ledger_entry);
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

PolicyStage::PolicyStage(IngestLog* log, OutcomeSink* sink, PolicySource policy,
                         std::shared_ptr<const policy::Redactor> redactor, PolicyStageOptions options)
    : log_(log), policy_(std::move(policy)), options_(std::move(options)), sink_(sink) {
  size_t workers = options_.workers;
  if (workers == 0) workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  for (size_t i = 0; i < workers; ++i) engines_.push_back(std::make_unique<policy::FlowEngine>(redactor));
  pool_ = std::make_unique<ChunkPool>(workers - 1);
  flow_ledger_parts_ = std::make_unique<FlowLedgerPartsCache>();
}

absl::StatusOr<std::unique_ptr<PolicyStage>> PolicyStage::Start(
    IngestLog* log, OutcomeSink* sink, PolicySource policy, std::shared_ptr<const policy::Redactor> redactor,
    PolicyStageOptions options) {
  if (auto s = options.Validate(); !s.ok()) return s;
  if (log == nullptr || sink == nullptr) return absl::InvalidArgumentError("the policy stage needs a log and a sink");
  std::unique_ptr<PolicyStage> stage(
      new PolicyStage(log, sink, std::move(policy), std::move(redactor), std::move(options)));
  stage->StartThreads();
  return stage;
}

void PolicyStage::StartThreads() {
  thread_ = std::thread([this] {
    NameThisThread("policy-stage");
    Run();
  });
  commit_thread_ = std::thread([this] {
    NameThisThread("policy-commit");
    CommitLoop();
  });
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
  if (commit_thread_.joinable()) commit_thread_.join();
}

void PolicyStage::Run() {
  // Batches the commit thread is done with come back here to be reused: the
  // log decodes the next batch into their entries' memory (IngestLog::Poll).
  // At most kMaxComputedAhead + 2 batches exist.
  std::vector<std::unique_ptr<Work>> spare;
  std::unique_ptr<Work> work;
  while (!stopping()) {
    if (work == nullptr) {
      {
        absl::MutexLock lock(&mu_);
        for (auto& w : delivered_) spare.push_back(std::move(w));
        delivered_.clear();
      }
      if (spare.empty()) {
        work = std::make_unique<Work>();
      } else {
        work = std::move(spare.back());
        spare.pop_back();
      }
    }
    if (auto s = log_->Poll(absl::Milliseconds(100), options_.max_batch, &work->entries); !s.ok()) {
      // Storage or broker trouble: counted, logged (at most every 30 s), and
      // tried again shortly. Nothing is lost: the log's position did not move.
      const uint64_t n = stats_.poll_errors.fetch_add(1, std::memory_order_relaxed) + 1;
      const absl::Time now = absl::Now();
      if (now - last_poll_error_log_ >= absl::Seconds(30)) {
        last_poll_error_log_ = now;
        spdlog::warn("policy stage: reading the ingest log failed ({} failures so far), retrying: {}", n,
                     std::string(s.message()));
      }
      absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    if (work->entries.empty()) {
      empty_polls_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    Compute(work.get());
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](PolicyStage* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
          return p->stopping_ || p->computed_.size() < kMaxComputedAhead;
        },
        this));
    if (stopping_) return;
    computed_.push_back(std::move(work));
  }
}

void PolicyStage::CommitLoop() {
  for (;;) {
    std::unique_ptr<Work> work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](PolicyStage* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
            return p->stopping_ || !p->computed_.empty();
          },
          this));
      if (stopping_) return;
      work = std::move(computed_.front());
      computed_.pop_front();
    }
    // Nothing of a failed batch is consumed; retry the same outcome until it
    // succeeds (the log keeps the records until Consumed).
    // Logged at the first failure and then every 30 s, not every 100 ms.
    int attempts = 0;
    absl::Time next_log = absl::InfinitePast();
    for (absl::Status s = Deliver(work->entries, work->outcome); !s.ok();
         s = Deliver(work->entries, work->outcome)) {
      ++attempts;
      if (absl::Now() >= next_log) {
        spdlog::warn("policy stage: {} (retrying every 100 ms; {} attempts so far)", std::string(s.message()),
                     attempts);
        next_log = absl::Now() + absl::Seconds(30);
      }
      if (stopping()) return;
      absl::SleepFor(absl::Milliseconds(100));
    }
    if (attempts > 0) spdlog::info("policy stage: the outcome was committed after {} retries", attempts);
    absl::MutexLock lock(&mu_);
    delivered_.push_back(std::move(work));
  }
}

void PolicyStage::Compute(Work* work) {
  // Applies the flows, in parallel chunks, each worker with its own engine;
  // per record: its disclosures, or why it was quarantined.
  const std::vector<IngestLog::Entry>& entries = work->entries;
  StageOutcome& outcome = work->outcome;
  // The last outcome's disclosures go back to the chunks that made them: this
  // batch's are written over their memory.
  size_t reclaimed = 0;
  for (Work::Chunk& chunk : work->chunks) {
    for (size_t j = 0; j < chunk.used && reclaimed < outcome.disclosures.size(); ++j) {
      Swap(chunk.disclosures[j], outcome.disclosures[reclaimed++]);
    }
    chunk.used = 0;
    chunk.quarantined.clear();
  }

  auto snapshot = policy_();
  flow_ledger_parts_->Rebuild(snapshot);
  const FlowLedgerPartsCache& flow_parts = *flow_ledger_parts_;
  const absl::Time now = absl::Now();
  const std::string batch_part = BatchLedgerPart(now, options_.hub_instance);
  const size_t chunks = std::min(engines_.size(), (entries.size() + 63) / 64);
  const size_t per_chunk = (entries.size() + chunks - 1) / chunks;
  if (work->chunks.size() < chunks) work->chunks.resize(chunks);
  pool_->Run(chunks, [&](size_t c) {
    policy::FlowEngine& engine = *engines_[c];
    engine.SetPolicy(snapshot);
    Work::Chunk& chunk = work->chunks[c];
    policy::ProcessResult result;
    const size_t end = std::min(entries.size(), (c + 1) * per_chunk);
    for (size_t i = c * per_chunk; i < end; ++i) {
      const IngestLog::Entry& e = entries[i];
      if (!e.unreadable_reason.empty()) {
        chunk.quarantined.push_back({e.partition, e.offset, e.unreadable_reason});
        continue;
      }
      // Decoded once, by the log's Poll().
      const v1::Record& record = e.record;
      engine.Apply(record, &result);
      if (!result.rejection.ok()) {
        // A rejection always names its reason; should one ever not, the
        // record is still kept and reported, never dropped.
        chunk.quarantined.push_back({e.partition, e.offset,
                                     result.rejection.message.empty() ? "the flows refused this record"
                                                                      : result.rejection.message});
        engine.Recycle(&result);
        continue;
      }
      if (result.outputs.empty()) {
        // No flow in force takes this accepted record any more (its agreement
        // was withdrawn, expired or replaced, e.g. by one for another dataset
        // version, after it was accepted): kept and reported, not dropped.
        // Validate() says why; limits were checked at ingest.
        constexpr policy::RecordLimits kNoLimits{.max_record_bytes = SIZE_MAX,
                                                 .max_fields = INT_MAX,
                                                 .max_record_id_bytes = SIZE_MAX};
        const policy::Rejection why = engine.Validate(record, record.ByteSizeLong(), kNoLimits);
        chunk.quarantined.push_back({e.partition, e.offset,
                                     why.ok() ? "no flow of the agreements in force takes this record"
                                              : why.message});
        engine.Recycle(&result);
        continue;
      }
      if (chunk.disclosures.size() < chunk.used + result.outputs.size()) {
        chunk.disclosures.resize(chunk.used + result.outputs.size());
      }
      for (const policy::FlowOutput& out : result.outputs) {
        StageOutcome::Disclosure& d = chunk.disclosures[chunk.used++];
        out.record.SerializeToString(&d.serialized);
        // Every flow is one of the snapshot's; a miss would cost time, not bytes.
        const FlowLedgerParts* parts = flow_parts.Find(out.flow);
        std::optional<FlowLedgerParts> missed;
        if (parts == nullptr) parts = &missed.emplace(FlowLedgerParts::For(*out.flow));
        WriteLedgerEntry(*parts, out.record, policy::Sha256(d.serialized), batch_part, &d.ledger_entry);
        CopyEnvelope(out.record, &d.record);
      }
      // The engine reuses its cleaned records' memory for the next record.
      engine.Recycle(&result);
    }
  });
  stats_.records.fetch_add(entries.size(), std::memory_order_relaxed);

  // In entry order: the chunks' ranges follow each other.
  outcome.decided_at = now;
  outcome.quarantined.clear();
  size_t disclosures = 0;
  for (size_t c = 0; c < chunks; ++c) disclosures += work->chunks[c].used;
  outcome.disclosures.resize(disclosures);
  size_t next = 0;
  for (size_t c = 0; c < chunks; ++c) {
    Work::Chunk& chunk = work->chunks[c];
    for (size_t j = 0; j < chunk.used; ++j) Swap(chunk.disclosures[j], outcome.disclosures[next++]);
    for (auto& q : chunk.quarantined) outcome.quarantined.push_back(std::move(q));
  }
}

absl::Status PolicyStage::Deliver(const std::vector<IngestLog::Entry>& entries, StageOutcome& outcome) {
  if (!outcome.quarantined.empty()) {
    // Outcome order is entry order.
    std::vector<IngestLog::QuarantinedEntry> quarantined;
    size_t next = 0;
    for (const auto& q : outcome.quarantined) {
      while (next < entries.size() &&
             (entries[next].partition != q.partition || entries[next].offset != q.offset)) {
        ++next;
      }
      if (next == entries.size()) break;
      quarantined.push_back({&entries[next], q.reason});
    }
    if (auto s = log_->Quarantine(quarantined); !s.ok()) return s;
  }
  if (auto s = sink_->Take(log_, entries, outcome); !s.ok()) return s;
  // The outcome is durable: never retry it. A log that fails to record the
  // position re-delivers, and committing de-duplicates by delivery id.
  log_->Consumed(entries).IgnoreError();
  return absl::OkStatus();
}

}  // namespace accord::hub
