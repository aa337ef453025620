// The policy stage: ingest log -> flows -> feeds, audit store and ledger.
//
// One thread polls the ingest log (IngestLog, ingest_log.h) for a batch of
// records and applies every active flow (policy::FlowEngine) to them — in
// parallel over `workers` threads, each with its own engine, keeping the
// records' order. The batch's outcome (StageOutcome) then goes to an
// OutcomeSink (outcome_sink.h), which makes it durable:
//   - the embedded hub's OutcomeCommitter (outcome_committer.h) writes it,
//     with whatever the log needs to mark the batch consumed (the embedded
//     log: its position and the deletion of the processed raw records), in
//     ONE fsync'd WriteBatch. A crash commits a whole batch or none of it:
//     after a restart the stage resumes after the consumed position and
//     every disclosure appears exactly once. Raw records are deleted once
//     processed.
//   - the Kafka hub's Journal (journal.h), shared by several hub processes;
//     the batch is marked consumed once the journal holds its outcome, and
//     every process commits the journal in order.
// A batch that fails is retried (same records, same order) until it succeeds
// or the stage stops.
//
// The two halves run on two threads, so the next batch's flows are applied
// while the previous batch is being committed: the stage thread polls and
// computes; the commit thread delivers, in poll order. At most
// kMaxComputedAhead computed batches wait for the commit thread (the stage
// thread waits when they do); a delivered batch goes back to the stage thread
// to be reused, off the commit path.
//
// Decode once: the log's Poll() hands the stage decoded, opened records
// (IngestLog::Entry::record); the stage applies the flows to them as they
// are, never parsing or serializing an ingest record again, and a
// quarantined record goes back to the log with the bytes Poll() kept.
//
// A record whose values a treatment cannot process goes to quarantine with
// its reason (never its values).
//
// Threading: Start() spawns the stage thread, the commit thread (the only
// caller of the sink) and
// `workers - 1` helpers; the getters are thread-safe; Stop() joins them.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "accord/hub/core/disclosure_sink.h"
#include "accord/hub/core/feed_notifier.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/ingest_log.h"
#include "accord/hub/core/outcome_committer.h"
#include "accord/hub/core/outcome_sink.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/policy/flow_engine.h"

namespace accord::hub {

struct PolicyStageOptions {
  // Records per WriteBatch. Default: 2000.
  size_t max_batch = 2000;
  // Threads applying flows (1 = the stage thread only). Default: the number
  // of cores, at most 8.
  size_t workers = 0;  // 0 = default
  // Identifies this hub process in ledger entries. Required.
  std::string hub_instance;

  absl::Status Validate() const;
};

class PolicyStage {
 public:
  using PolicySource = std::function<std::shared_ptr<const policy::PolicySet>()>;

  // Applies the flows to what `log` delivers and hands each batch's outcome
  // to `sink`. Both are borrowed and must outlive the stage.
  static absl::StatusOr<std::unique_ptr<PolicyStage>> Start(
      IngestLog* log, OutcomeSink* sink, PolicySource policy,
      std::shared_ptr<const policy::Redactor> redactor, PolicyStageOptions options);
  ~PolicyStage();

  // `records` and `poll_errors` (the sink's committer counts the rest).
  const PipelineStats& stats() const { return stats_; }

  // Polls of the log that returned no record (each waited up to 100 ms for
  // one), since Start(). Every batch an earlier poll returned had its flows
  // applied (stats().records) before the next poll began, so once this
  // counter has moved, the stage has read all the log had for it. For tests,
  // which wait on it instead of sleeping; not a metric (records and the
  // ingest backlog show an operator the stage's progress). A relaxed atomic
  // counter, written by the stage thread only; thread-safe to read.
  uint64_t empty_polls() const { return empty_polls_.load(std::memory_order_relaxed); }

  // Stops after the batch being committed (it is committed or not at all).
  // Computed batches not yet committed are dropped: they were not marked
  // consumed, so the log delivers them again after a restart.
  void Stop();

  // Computed batches that may wait for the commit thread.
  static constexpr size_t kMaxComputedAhead = 1;

 private:
  // One polled batch (decoded records) and its outcome, reused from batch to
  // batch with their memory: the log decodes the next batch into `entries`,
  // and Compute() writes the next outcome over the last one's strings and
  // messages (Clear, not reallocate).
  struct Work {
    std::vector<IngestLog::Entry> entries;
    StageOutcome outcome;
    // What each chunk of workers computed, in entry order: its first `used`
    // disclosures (handed to `outcome`, by swapping, once all are done; the
    // next Compute() swaps them back, so the memory stays with this Work)
    // and its quarantined entries.
    struct Chunk {
      std::vector<StageOutcome::Disclosure> disclosures;
      size_t used = 0;
      std::vector<StageOutcome::Quarantined> quarantined;
    };
    std::vector<Chunk> chunks;
  };

  PolicyStage(IngestLog* log, OutcomeSink* sink, PolicySource policy,
              std::shared_ptr<const policy::Redactor> redactor, PolicyStageOptions options);
  void StartThreads();
  void Run();         // the stage thread: poll, compute, hand over
  void CommitLoop();  // the commit thread: deliver in order
  bool stopping() const;
  // Applies the flows to `work->entries`, replacing `work->outcome`.
  void Compute(Work* work);
  // Makes `outcome` durable (the sink) and marks `entries` consumed.
  absl::Status Deliver(const std::vector<IngestLog::Entry>& entries, StageOutcome& outcome);

  IngestLog* const log_;
  const PolicySource policy_;
  const PolicyStageOptions options_;
  OutcomeSink* const sink_;
  std::vector<std::unique_ptr<policy::FlowEngine>> engines_;  // one per worker
  std::unique_ptr<class ChunkPool> pool_;
  PipelineStats stats_;
  std::atomic<uint64_t> empty_polls_{0};
  absl::Time last_poll_error_log_ = absl::InfinitePast();  // stage thread only
  // The ledger entries' per-flow parts for the snapshot in use: rebuilt by
  // the stage thread when the snapshot changes, read by the workers.
  std::unique_ptr<class FlowLedgerPartsCache> flow_ledger_parts_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::unique_ptr<Work>> computed_ ABSL_GUARDED_BY(mu_);  // to deliver, in order
  std::vector<std::unique_ptr<Work>> delivered_ ABSL_GUARDED_BY(mu_);  // to free

  std::thread thread_;
  std::thread commit_thread_;
};

}  // namespace accord::hub
