// TimedIngestLog: the embedded ingest log, timing each record from its
// acceptance to the commit of its outcome (accord_publish_delivery_seconds).
//
// A decorator over an IngestLog whose records are consumed in the order their
// appends completed (one partition: the embedded RocksDbIngestLog). It notes
// the time of each append and how many records it accepted, in completion
// order; Consumed() (called once the policy stage's outcome for a batch is
// durable: feeds, audit store and ledger committed) observes, for each
// consumed record, now minus its append's time. Records that were waiting in
// the log when the hub started (`already_waiting`) have no known time and are
// not observed. A record consumed before its append's completion was noted
// (the writer thread has not yet run `done`) is observed when it is, at that
// time (a slight underestimate, never a wrong record).
//
// On Kafka the ingest topic has several partitions and one hub process may
// consume what another accepted, so no process knows both ends by counting:
// StampedIngestLog (below) times each record from its message's create time
// instead.
//
// Both derive from ForwardingIngestLog, which forwards what they do not
// override to the inner log.
//
// Threading: as IngestLog; TryAppend's `done` (log thread) and Consumed()
// (policy commit thread) share one mutex, held only to update counts.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/hub/core/forwarding_ingest_log.h"
#include "accord/hub/server/metrics.h"

namespace accord::base {
class Clock;  // accord/base/clock.h
}  // namespace accord::base

namespace accord::hub {

class TimedIngestLog final : public ForwardingIngestLog {
 public:
  // `histogram` and `clock` are borrowed and must outlive this log.
  TimedIngestLog(std::unique_ptr<IngestLog> inner, uint64_t already_waiting, Histogram* histogram,
                 const base::Clock* clock);

  bool TryAppend(Batch& batch) override;
  absl::Status Consumed(const std::vector<Entry>& consumed) override;

 private:
  void Accepted(absl::Time at, uint64_t n);

  struct Run {
    absl::Time at;
    uint64_t count;
  };
  Histogram* const histogram_;
  const base::Clock* const clock_;
  absl::Mutex mu_;
  std::deque<Run> runs_ ABSL_GUARDED_BY(mu_);   // accepted, not yet consumed, in log order
  uint64_t untimed_ ABSL_GUARDED_BY(mu_);       // consumed records still to skip (waiting at start)
  uint64_t consumed_ahead_ ABSL_GUARDED_BY(mu_) = 0;  // consumed before their append was noted
};

// StampedIngestLog: the Kafka ingest log, timing each record from its
// acceptance (Entry::accepted_at, the message's create time, stamped by the
// process that accepted it) to Consumed(), which the journaled policy stage
// calls once the batch's outcome is in the journal: durable and shared, so
// every process will commit it. Entries without a time are not observed;
// a negative interval (clock skew between hub machines) is observed as 0.
//
// Threading: as IngestLog; the histogram is thread-safe.
class StampedIngestLog final : public ForwardingIngestLog {
 public:
  // `histogram` and `clock` are borrowed and must outlive this log.
  StampedIngestLog(std::unique_ptr<IngestLog> inner, Histogram* histogram, const base::Clock* clock)
      : ForwardingIngestLog(std::move(inner)), histogram_(histogram), clock_(clock) {}

  absl::Status Consumed(const std::vector<Entry>& consumed) override;

 private:
  Histogram* const histogram_;
  const base::Clock* const clock_;
};

}  // namespace accord::hub
