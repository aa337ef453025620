// The policy stage: ingest log -> flows -> feeds, audit store and ledger.
//
// One thread reads the ingest log in order from the last committed offset,
// applies every active flow (policy::FlowEngine) and writes, in ONE fsync'd
// WriteBatch per batch of records:
//   - each cleaned record appended to its recipient's feed,
//   - each disclosure staged into the audit store (DisclosureSink),
//   - each disclosure's ledger entry plus the new signed tree head,
//   - the new policy offset, and the deletion of the processed raw records.
// A crash at any point therefore either commits a whole batch or none of it:
// after a restart the stage resumes from the committed offset and every
// disclosure appears exactly once. Raw records are deleted once processed: the
// hub keeps no personal data beyond what the flows disclosed.
//
// A record whose values a treatment cannot process goes to quarantine with
// its reason (never its values).
//
// Threading: Start() spawns the thread; Wake() and the getters are
// thread-safe; Stop() joins.
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
#include "accord/hub/ledger/merkle_log.h"
#include "accord/policy/flow_engine.h"

namespace accord::hub {

struct PolicyStageOptions {
  // Records per WriteBatch. Default: 1000.
  size_t max_batch = 1000;
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
};

class PolicyStage {
 public:
  using PolicySource = std::function<std::shared_ptr<const policy::PolicySet>()>;
  // Called after each commit for each disclosure (for metrics), on the stage thread.
  using DisclosureObserver = std::function<void(const policy::FlowOutput&)>;

  static absl::StatusOr<std::unique_ptr<PolicyStage>> Start(
      HubDb* db, ledger::MerkleLog* ledger, DisclosureSink* sink, FeedNotifier* feeds,
      PolicySource policy, std::shared_ptr<const policy::Redactor> redactor,
      PolicyStageOptions options, DisclosureObserver observer = nullptr);
  ~PolicyStage();

  // Tells the stage the ingest log now ends at `last_offset`.
  void Wake(uint64_t last_offset);
  // Last ingest offset whose outcome is durable.
  uint64_t committed_offset() const;
  const PolicyStageStats& stats() const { return stats_; }

  void Stop();

 private:
  PolicyStage(HubDb* db, ledger::MerkleLog* ledger, DisclosureSink* sink, FeedNotifier* feeds,
              PolicySource policy, std::shared_ptr<const policy::Redactor> redactor,
              PolicyStageOptions options, DisclosureObserver observer);
  void Run();
  // Processes records (committed_, upto]; returns the new committed offset.
  absl::StatusOr<uint64_t> ProcessBatch(uint64_t upto);

  HubDb* const db_;
  ledger::MerkleLog* const ledger_;
  DisclosureSink* const sink_;
  FeedNotifier* const feeds_;
  const PolicySource policy_;
  const PolicyStageOptions options_;
  const DisclosureObserver observer_;
  policy::FlowEngine engine_;
  PolicyStageStats stats_;

  mutable absl::Mutex mu_;
  uint64_t target_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t committed_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Stage-thread state.
  absl::flat_hash_map<std::string, uint64_t> feed_heads_;
  std::thread thread_;
};

}  // namespace accord::hub
