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
// Threading: thread-safe. Each waiter's callback runs exactly once, on the
// thread that resolves, fails or expires it, with no lock of this class held;
// it must not block (it finishes a gRPC reactor).
#pragma once

#include <cstddef>
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

  // `hub_instance` makes ids unique across processes; `now` is the clock.
  JournalProposals(std::string hub_instance, std::function<absl::Time()> now);
  ~JournalProposals();  // fails every waiter left (UNAVAILABLE)

  // Registers `done` until now() + `timeout`; returns the id to carry in the
  // journal event (AgreementEvent.proposal_id).
  std::string Add(Done done, absl::Duration timeout);
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
  };
  Done Take(std::string_view id);

  const std::string hub_instance_;
  const std::function<absl::Time()> now_;
  mutable absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
};

// How long a caller waits for its change by default: 20 s, or less when the
// caller's own deadline (`client_deadline`) comes sooner (1 s before it).
absl::Duration ProposalTimeout(absl::Time now, absl::Time client_deadline);

// Appends `event` to `journal` with a new waiter of `proposals`: `done` runs
// once, when this process has applied the event from the journal, when the
// append fails (UNAVAILABLE, telling the caller to check and send it again),
// or at now + `timeout`. Never blocks.
void ProposeThroughJournal(Journal* journal, JournalProposals* proposals, v1::AgreementEvent event,
                           JournalProposals::Done done, absl::Duration timeout);

}  // namespace accord::hub
