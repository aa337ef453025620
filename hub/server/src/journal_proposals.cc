#include "journal_proposals.h"

#include <openssl/rand.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "accord/base/clock.h"
#include "accord/ops/logging.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

// 8 random bytes (hex): ids stay unique when a process restarts under the
// same instance name and its counter starts again.
std::string RandomTag() {
  unsigned char bytes[8] = {};
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    spdlog::critical("journal proposals: the random generator failed");
    std::abort();  // OpenSSL's CSPRNG is a broken invariant, not an input
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

absl::Status AppendFailedStatus(const absl::Status& cause) {
  return absl::UnavailableError(absl::StrCat(
      "the change could not be sent to the journal the hub processes share (", cause.message(),
      "); check with `accordctl agreement list` or `accordctl key list`, and send it again if it is not there"));
}

absl::Duration Backoff(int failures) {
  absl::Duration d = JournalProposals::kFirstRetry;
  for (int i = 1; i < failures && d < JournalProposals::kMaxRetry; ++i) d *= 2;
  return std::min(d, JournalProposals::kMaxRetry);
}

}  // namespace

JournalProposals::JournalProposals(std::string hub_instance, const base::Clock* clock)
    : hub_instance_(std::move(hub_instance)), clock_(clock) {}

JournalProposals::~JournalProposals() {
  FailAll(absl::UnavailableError("this hub process stopped before the change was applied"));
}

std::string JournalProposals::Add(Done done, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  std::string id = absl::StrCat(hub_instance_, "/", RandomTag(), "/", ++next_);
  Waiter waiter;
  waiter.done = std::move(done);
  waiter.deadline = clock_->Now() + timeout;
  waiters_.emplace(id, std::move(waiter));
  return id;
}

JournalProposals::Done JournalProposals::Take(std::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = waiters_.find(std::string(id));
  if (it == waiters_.end()) return nullptr;
  Done done = std::move(it->second.done);
  waiters_.erase(it);
  return done;
}

void JournalProposals::Propose(Journal* journal, v1::AgreementEvent event, Done done, absl::Duration timeout) {
  const std::string id = Add(std::move(done), timeout);
  event.set_proposal_id(id);
  {
    absl::MutexLock lock(&mu_);
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return;  // answered already (FailAll)
    it->second.journal = journal;
    it->second.event = event;
  }
  Append(journal, id, event);
}

void JournalProposals::Append(Journal* journal, const std::string& id, const v1::AgreementEvent& event) {
  journal->AppendAgreement(event, [this, id](absl::Status s) {
    if (!s.ok()) AppendFailed(id, s);  // on success the waiter runs when this process applies it
  });
}

void JournalProposals::AppendFailed(std::string_view id, const absl::Status& status) {
  Done give_up;
  int failures = 0;
  absl::Duration backoff;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiters_.find(std::string(id));
    if (it == waiters_.end()) return;
    Waiter& w = it->second;
    failures = ++w.failures;
    w.last_error = status;
    backoff = Backoff(failures);
    const absl::Time retry_at = clock_->Now() + backoff;
    if (w.journal == nullptr || retry_at >= w.deadline) {
      give_up = std::move(w.done);
      waiters_.erase(it);
    } else {
      w.retry_at = retry_at;
    }
  }
  if (give_up) {
    ops::LogEvent(spdlog::level::err, "journal", "append_failed",
                  {{"proposal", std::string(id)}, {"attempts", failures}, {"error", std::string(status.message())}});
    give_up(AppliedChange{AppendFailedStatus(status)});
    return;
  }
  ops::LogEvent(spdlog::level::warn, "journal", "append_failed_will_retry",
                {{"proposal", std::string(id)},
                 {"attempt", failures},
                 {"retry_in_ms", absl::ToInt64Milliseconds(backoff)},
                 {"error", std::string(status.message())}});
}

size_t JournalProposals::RetryDue() {
  struct Due {
    Journal* journal;
    std::string id;
    v1::AgreementEvent event;
    int attempt;
  };
  std::vector<Due> due;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    for (auto& [id, w] : waiters_) {
      if (w.retry_at > now) continue;
      w.retry_at = absl::InfiniteFuture();  // in flight again
      due.push_back(Due{w.journal, id, w.event, w.failures + 1});
    }
  }
  for (const Due& d : due) {
    retries_.fetch_add(1, std::memory_order_relaxed);
    ops::LogEvent(spdlog::level::info, "journal", "append_retry", {{"proposal", d.id}, {"attempt", d.attempt}});
    Append(d.journal, d.id, d.event);
  }
  return due.size();
}

void JournalProposals::Resolve(std::string_view id, const AppliedChange& change) {
  if (Done done = Take(id)) done(change);
}

void JournalProposals::Fail(std::string_view id, absl::Status status) {
  if (Done done = Take(id)) done(AppliedChange{std::move(status)});
}

size_t JournalProposals::Expire() {
  std::vector<Done> expired;
  std::vector<std::pair<Done, absl::Status>> never_sent;  // their appends failed, the last retry's outcome unknown
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline <= now) {
        if (it->second.failures > 0) {
          never_sent.emplace_back(std::move(it->second.done), AppendFailedStatus(it->second.last_error));
        } else {
          expired.push_back(std::move(it->second.done));
        }
        waiters_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  if (!expired.empty()) {
    spdlog::warn("journal: {} agreement or key changes not applied here within their deadline; "
                 "their callers were told to check",
                 expired.size());
  }
  for (auto& [done, status] : never_sent) done(AppliedChange{std::move(status)});
  for (Done& done : expired) {
    done(AppliedChange{absl::UnavailableError(
        "the change was sent to the journal the hub processes share, but this process has not "
        "applied it yet (it is behind); check in a moment with `accordctl agreement list` or "
        "`accordctl key list` before sending it again")});
  }
  return expired.size() + never_sent.size();
}

void JournalProposals::FailAll(absl::Status status) {
  std::vector<Done> all;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, waiter] : waiters_) all.push_back(std::move(waiter.done));
    waiters_.clear();
  }
  for (Done& done : all) done(AppliedChange{status});
}

size_t JournalProposals::size() const {
  absl::MutexLock lock(&mu_);
  return waiters_.size();
}

absl::Duration ProposalTimeout(absl::Time now, absl::Time client_deadline) {
  return std::max(absl::Milliseconds(100), std::min(absl::Seconds(20), client_deadline - now - absl::Seconds(1)));
}

void ProposeThroughJournal(Journal* journal, JournalProposals* proposals, v1::AgreementEvent event,
                           JournalProposals::Done done, absl::Duration timeout) {
  proposals->Propose(journal, std::move(event), std::move(done), timeout);
}

}  // namespace accord::hub
