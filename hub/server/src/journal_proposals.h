// JournalProposals: this hub process's agreement and key changes on their way
// through the journal it shares with the other processes (Kafka backend).
//
// With several processes, no process applies a change where it was asked for:
// the service checks the request, Add()s a waiter, appends the event to the
// journal with the waiter's id, and answers its caller when this process
// applies the event from the journal, in journal order like every other
// process (Resolve), when the append fails (Fail), or at the waiter's
// deadline (Expire). So every process applies the same changes in the same
// order, and the caller is told what the shared state really became.
//
// A failed append is retried (Propose/AppendFailed/RetryDue): the waiter
// keeps its event and is appended again, with the same proposal id, after a
// backoff (kFirstRetry, doubling up to kMaxRetry), as long as the retry comes
// before the waiter's deadline; otherwise the caller is told the append
// failed. Appending an event twice is harmless: every process applies an
// event once (agreements by digest, keys by proposal id). The delay matters:
// librdkafka fails a produce made right after a failure at once, with the
// error it cached. Each failure and retry is logged (component "journal": the
// proposal id, attempt and error, never the event) and counted (retries()).
//
// Threading: thread-safe. Each waiter's callback runs exactly once, on the
// thread that resolves, fails or expires it, with no lock of this class held;
// it must not block (it finishes a gRPC reactor).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/hub/core/agreement_registry.h"
#include "accord/hub/core/journal.h"
#include "accord/hub/core/key_registry.h"
#include "accord/policy/diagnostics.h"

namespace accord::base {
class Clock;  // accord/base/clock.h
}  // namespace accord::base

namespace accord::hub {

// What applying a journal event did in this process. The pointers are valid
// only during the callback.
struct AppliedChange {
  absl::Status status;                          // the apply's outcome
  const KeyRegistry::Result* key = nullptr;      // a key event that applied
  const AgreementView* agreement = nullptr;      // an agreement or withdrawal that applied
  const std::vector<policy::Diagnostic>* diagnostics = nullptr;  // an agreement's lint warnings
};

class JournalProposals {
 public:
  using Done = std::function<void(const AppliedChange&)>;

  // Backoff before the first retry of a failed append; each later one doubles, up to kMaxRetry.
  static constexpr absl::Duration kFirstRetry = absl::Milliseconds(500);
  static constexpr absl::Duration kMaxRetry = absl::Seconds(4);

  // `hub_instance` makes ids unique across processes; `clock` (borrowed,
  // must outlive this object) times deadlines and backoffs.
  JournalProposals(std::string hub_instance, const base::Clock* clock);
  ~JournalProposals();  // fails every waiter left (UNAVAILABLE)

  // Registers `done` until now() + `timeout`; returns the id to carry in the
  // journal event (AgreementEvent.proposal_id).
  std::string Add(Done done, absl::Duration timeout);
  // Add()s a waiter for `event` and appends it to `journal` (borrowed: must
  // outlive this object) with the waiter's id; a failed append goes to
  // AppendFailed. `done` runs once: when this process applies the event, at
  // the deadline, or when the append failed with no retry left before it.
  void Propose(Journal* journal, v1::AgreementEvent event, Done done, absl::Duration timeout);
  // The append of `id` failed with `status`: it is retried after a backoff
  // (RetryDue) if that comes before its deadline, else its waiter runs with
  // UNAVAILABLE naming `status`. No-op for an id without a waiter.
  void AppendFailed(std::string_view id, const absl::Status& status);
  // Appends again every failed proposal whose backoff has passed; returns how
  // many. Call it periodically (the hub does, every 200 ms). Never blocks.
  size_t RetryDue();
  // Appends retried since construction (the accord_journal_append_retries_total metric).
  uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }

  // The event with `id` was applied here; runs its waiter (none: no-op, e.g.
  // another process's proposal, or one already failed or expired).
  void Resolve(std::string_view id, const AppliedChange& change);
  // The append of `id` failed; runs its waiter with `status`.
  void Fail(std::string_view id, absl::Status status);
  // Runs every waiter past its deadline with UNAVAILABLE; returns how many.
  size_t Expire();
  // Runs every waiter with `status` (shutdown).
  void FailAll(absl::Status status);
  size_t size() const;

 private:
  struct Waiter {
    Done done;
    absl::Time deadline;
    // Set by Propose: what to append again after a failed append.
    Journal* journal = nullptr;
    v1::AgreementEvent event;
    int failures = 0;                              // failed appends so far
    absl::Status last_error;                       // the last failed append's error
    absl::Time retry_at = absl::InfiniteFuture();  // a failed append's retry, when due
  };
  void Append(Journal* journal, const std::string& id, const v1::AgreementEvent& event);
  Done Take(std::string_view id);

  const std::string hub_instance_;
  const base::Clock* const clock_;
  mutable absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> retries_{0};
};

// How long a caller waits for its change by default: 20 s, or less when the
// caller's own deadline (`client_deadline`) comes sooner (1 s before it).
absl::Duration ProposalTimeout(absl::Time now, absl::Time client_deadline);

// proposals->Propose(journal, ...): appends `event` to `journal` with a new
// waiter of `proposals`: `done` runs once, when this process has applied the
// event from the journal, when the append failed and no retry is left before
// now + `timeout` (UNAVAILABLE, telling the caller to check and send it
// again), or at now + `timeout`. Never blocks.
void ProposeThroughJournal(Journal* journal, JournalProposals* proposals, v1::AgreementEvent event,
                           JournalProposals::Done done, absl::Duration timeout);

}  // namespace accord::hub
