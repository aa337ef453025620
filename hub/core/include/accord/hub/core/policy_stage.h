// The policy stage: ingest log -> flows -> feeds, audit store and ledger.
//
// One thread polls the ingest log (IngestLog, ingest_log.h) for a batch of
// records, applies every active flow (policy::FlowEngine) to them — in
// parallel over `workers` threads, each with its own engine, keeping the
// records' order — and writes, in ONE fsync'd WriteBatch per batch:
//   - each cleaned record appended to its recipient's feed,
//   - each disclosure staged into the audit store (DisclosureSink),
//   - each disclosure's ledger entry plus the new signed tree head,
//   - whatever the log needs to mark the batch consumed (the embedded log:
//     its position and the deletion of the processed raw records).
// A crash at any point therefore either commits a whole batch or none of it:
// after a restart the stage resumes after the consumed position and every
// disclosure appears exactly once. Raw records are deleted once processed: the
// hub keeps no personal data beyond what the flows disclosed. A batch whose
// write fails is retried (same records, same order) until it succeeds or the
// stage stops.
//
// A record whose values a treatment cannot process goes to quarantine with
// its reason (never its values).
//
// Threading: Start() spawns the stage thread and `workers - 1` helpers; the
// getters are thread-safe; Stop() joins them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "accord/hub/core/disclosure_sink.h"
#include "accord/hub/core/feed_notifier.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/ingest_log.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/policy/flow_engine.h"

namespace accord::hub {

struct PolicyStageOptions {
  // Records per WriteBatch. Default: 2000.
  size_t max_batch = 2000;
  // Threads applying flows (1 = the stage thread only). Default: the number
  // of cores, at most 8.
  size_t workers = 0;  // 0 = default
  // Skip disclosures whose delivery id was disclosed before (needed with an
  // at-least-once log such as Kafka; the embedded log de-duplicates at
  // ingest). Default: false.
  bool dedupe_deliveries = false;
  // Identifies this hub process in ledger entries. Required.
  std::string hub_instance;

  absl::Status Validate() const;
};

// Counters for metrics; all monotonic.
struct PolicyStageStats {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> disclosures{0};
  std::atomic<uint64_t> quarantined{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> duplicates_skipped{0};  // with dedupe_deliveries
};

class PolicyStage {
 public:
  using PolicySource = std::function<std::shared_ptr<const policy::PolicySet>()>;
  // Called after each commit for each disclosure (for metrics), on the stage thread.
  using DisclosureObserver = std::function<void(const policy::FlowOutput&)>;

  // All pointers are borrowed and must outlive the stage.
  static absl::StatusOr<std::unique_ptr<PolicyStage>> Start(
      HubDb* db, IngestLog* log, ledger::MerkleLog* ledger, DisclosureSink* sink,
      FeedNotifier* feeds, PolicySource policy, std::shared_ptr<const policy::Redactor> redactor,
      PolicyStageOptions options, DisclosureObserver observer = nullptr);
  ~PolicyStage();

  const PolicyStageStats& stats() const { return stats_; }

  // Stops after the batch in progress (it is committed or not at all).
  void Stop();

 private:
  struct Work;  // one batch's per-record results (policy_stage.cc)

  PolicyStage(HubDb* db, IngestLog* log, ledger::MerkleLog* ledger, DisclosureSink* sink,
              FeedNotifier* feeds, PolicySource policy,
              std::shared_ptr<const policy::Redactor> redactor, PolicyStageOptions options,
              DisclosureObserver observer);
  void Run();
  bool stopping() const;
  // Applies the flows to `entries` and commits the outcome in one WriteBatch.
  absl::Status ProcessBatch(const std::vector<IngestLog::Entry>& entries);

  HubDb* const db_;
  IngestLog* const log_;
  ledger::MerkleLog* const ledger_;
  DisclosureSink* const sink_;
  FeedNotifier* const feeds_;
  const PolicySource policy_;
  const PolicyStageOptions options_;
  const DisclosureObserver observer_;
  std::vector<std::unique_ptr<policy::FlowEngine>> engines_;  // one per worker
  std::unique_ptr<class ChunkPool> pool_;
  PolicyStageStats stats_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Stage-thread state.
  absl::flat_hash_map<std::string, uint64_t> feed_heads_;
  std::thread thread_;
};

}  // namespace accord::hub
