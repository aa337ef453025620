#include "journal_proposals.h"

#include <openssl/rand.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
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

}  // namespace

JournalProposals::JournalProposals(std::string hub_instance, std::function<absl::Time()> now)
    : hub_instance_(std::move(hub_instance)), now_(std::move(now)) {}

JournalProposals::~JournalProposals() {
  FailAll(absl::UnavailableError("this hub process stopped before the change was applied"));
}

std::string JournalProposals::Add(Done done, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  std::string id = absl::StrCat(hub_instance_, "/", RandomTag(), "/", ++next_);
  waiters_.emplace(id, Waiter{std::move(done), now_() + timeout});
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

void JournalProposals::Resolve(std::string_view id, const AppliedChange& change) {
  if (Done done = Take(id)) done(change);
}

void JournalProposals::Fail(std::string_view id, absl::Status status) {
  if (Done done = Take(id)) done(AppliedChange{std::move(status)});
}

size_t JournalProposals::Expire() {
  std::vector<Done> expired;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = now_();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline <= now) {
        expired.push_back(std::move(it->second.done));
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
  for (Done& done : expired) {
    done(AppliedChange{absl::UnavailableError(
        "the change was sent to the journal the hub processes share, but this process has not "
        "applied it yet (it is behind); check in a moment with `accordctl agreement list` or "
        "`accordctl key list` before sending it again")});
  }
  return expired.size();
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
  const std::string id = proposals->Add(std::move(done), timeout);
  event.set_proposal_id(id);
  journal->AppendAgreement(event, [proposals, id](absl::Status s) {
    if (s.ok()) return;  // the waiter runs when this process applies it
    proposals->Fail(id, absl::UnavailableError(absl::StrCat(
                            "the change could not be sent to the journal the hub processes share (",
                            s.message(), "); check with `accordctl agreement list` or `accordctl key "
                            "list`, and send it again if it is not there")));
  });
}

}  // namespace accord::hub
