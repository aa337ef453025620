// Retention: what the hub keeps leaves it on time.
//
// One run (RunOnce) does two things:
//   1. Records: the retention terms of every agreement that was in force
//      (active, expired or withdrawn; for each agreement id the HIGHEST such
//      version wins, so an ended agreement's data still leaves on time and a
//      new version's terms apply to the whole id) go to the record store,
//      which crypto-shreds each (agreement, month) past its terms
//      (RecordStore::EraseExpired). Agreements never in force (pending
//      signatures, not yet valid, invalid) set no terms: their id keeps its
//      data until a version of it is in force.
//   2. Quarantine: the embedded ingest log's kept quarantined records past
//      their retention are dropped (RocksDbIngestLog::SweepQuarantine), when
//      a sweep is given.
//
// Time comes from an injected clock (RetentionOptions::clock), so tests move
// time instead of sleeping. Scheduling (at start, then every 10 minutes) is
// the caller's: the hub runs RunOnce on a thread of its own, because erasing
// a month compacts whole column families.
//
// Failures are never silent: each failed step is logged (agreement ids and
// periods only, never record content), counted in stats(), and the first
// one is returned; a failed record erasure does not stop the quarantine sweep.
//
// Threading: RunOnce() runs on one thread at a time (it serialises itself);
// stats() and TermsInForce() are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/hub/core/agreement_registry.h"

namespace accord::base {
class Clock;  // accord/base/clock.h
}  // namespace accord::base

namespace accord::hub {

class RecordStore;
class RocksDbIngestLog;

// Agreement id -> retention_days of the version whose terms apply.
using RetentionTerms = absl::flat_hash_map<std::string, uint32_t>;

struct RetentionOptions {
  // The stored agreements and their status (AgreementRegistry::List).
  // Required.
  std::function<std::vector<AgreementView>()> agreements;
  // Erases every period past its agreement's terms at `now` and returns the
  // periods erased ("agreement/YYYY-MM") (RecordStore::EraseExpired).
  // Required.
  std::function<absl::StatusOr<std::vector<std::string>>(const RetentionTerms&, absl::Time now)> erase_expired;
  // Drops kept quarantined records past their retention at `now`
  // (RocksDbIngestLog::SweepQuarantine). Optional: the Kafka backend keeps
  // its quarantine in a topic with its own retention.
  std::function<absl::Status(absl::Time now)> sweep_quarantine;
  // The clock (borrowed; must outlive the Retention). Default (null): the real clock.
  const base::Clock* clock = nullptr;

  absl::Status Validate() const;
};

// Counters since Create(), for metrics. Relaxed atomics.
struct RetentionStats {
  std::atomic<uint64_t> runs{0};
  std::atomic<uint64_t> periods_erased{0};
  // Runs whose record erasure failed (logged; retried at the next run).
  std::atomic<uint64_t> erase_errors{0};
  // Runs whose quarantine sweep failed (logged; retried at the next run).
  std::atomic<uint64_t> quarantine_errors{0};
};

class Retention {
 public:
  static absl::StatusOr<std::unique_ptr<Retention>> Create(RetentionOptions options);
  // The hub's wiring: agreements from `agreements`, erasure by `records`,
  // the quarantine sweep of `embedded_log` (null: none). Borrowed pointers
  // must outlive the Retention. `clock` defaults to the real clock.
  static absl::StatusOr<std::unique_ptr<Retention>> ForHub(const AgreementRegistry* agreements,
                                                           RecordStore* records,
                                                           RocksDbIngestLog* embedded_log,
                                                           const base::Clock* clock = nullptr);

  // The terms that apply to each agreement id among `views` (see above).
  static RetentionTerms TermsInForce(const std::vector<AgreementView>& views);

  // One run at the clock's now. The periods erased (also counted); the
  // first error otherwise (every error is logged and counted).
  absl::StatusOr<std::vector<std::string>> RunOnce();

  const RetentionStats& stats() const { return stats_; }

 private:
  explicit Retention(RetentionOptions options) : options_(std::move(options)) {}

  const RetentionOptions options_;
  absl::Mutex run_mu_;  // one run at a time
  RetentionStats stats_;
};

}  // namespace accord::hub
