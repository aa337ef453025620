#include "journal_proposals.h"

#include <functional>
#include <optional>
#include <vector>

#include "accord/base/clock.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

struct Seen {
  int calls = 0;
  absl::Status status;
  uint64_t log_index = 0;
};

JournalProposals::Done Record(Seen* seen) {
  return [seen](const AppliedChange& c) {
    ++seen->calls;
    seen->status = c.status;
    if (c.key != nullptr) seen->log_index = c.key->log_index;
  };
}

class JournalProposalsTest : public ::testing::Test {
 protected:
  base::ManualClock clock_;
  JournalProposals proposals_{"hub-a", &clock_};
};

TEST_F(JournalProposalsTest, ResolveRunsTheWaiterOnceWithWhatTheApplyDid) {
  Seen seen;
  const std::string id = proposals_.Add(Record(&seen), absl::Seconds(30));
  EXPECT_EQ(id.rfind("hub-a/", 0), 0u) << id;
  KeyRegistry::Result result;
  result.log_index = 7;
  proposals_.Resolve(id, AppliedChange{absl::OkStatus(), &result});
  EXPECT_EQ(seen.calls, 1);
  EXPECT_TRUE(seen.status.ok());
  EXPECT_EQ(seen.log_index, 7u);
  // Applied again (a duplicate in the journal), failed late, or expired: nothing more.
  proposals_.Resolve(id, AppliedChange{absl::OkStatus(), &result});
  proposals_.Fail(id, absl::UnavailableError("late"));
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(proposals_.Expire(), 0u);
  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(proposals_.size(), 0u);
}

TEST_F(JournalProposalsTest, ARefusalFromTheApplyReachesTheCaller) {
  Seen seen;
  const std::string id = proposals_.Add(Record(&seen), absl::Seconds(30));
  proposals_.Resolve(id, AppliedChange{absl::FailedPreconditionError("already has signing key")});
  EXPECT_EQ(seen.calls, 1);
  EXPECT_TRUE(absl::IsFailedPrecondition(seen.status));
}

TEST_F(JournalProposalsTest, AnotherProcessesIdIsIgnored) {
  Seen seen;
  proposals_.Add(Record(&seen), absl::Seconds(30));
  proposals_.Resolve("hub-b/0011223344556677/1", AppliedChange{absl::OkStatus()});
  EXPECT_EQ(seen.calls, 0);
  EXPECT_EQ(proposals_.size(), 1u);
}

TEST_F(JournalProposalsTest, IdsAreUniqueAcrossRestartsOfOneInstance) {
  JournalProposals again("hub-a", &clock_);
  Seen a, b;
  EXPECT_NE(proposals_.Add(Record(&a), absl::Seconds(1)), again.Add(Record(&b), absl::Seconds(1)));
}

TEST_F(JournalProposalsTest, AFailedAppendAndTheDeadlineEachAnswerOnce) {
  Seen failed, late, waiting;
  const std::string f = proposals_.Add(Record(&failed), absl::Seconds(30));
  proposals_.Add(Record(&late), absl::Seconds(10));
  proposals_.Add(Record(&waiting), absl::Seconds(60));
  proposals_.Fail(f, absl::UnavailableError("broker down"));
  EXPECT_EQ(failed.calls, 1);
  EXPECT_EQ(failed.status.message(), "broker down");
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(proposals_.Expire(), 1u);
  EXPECT_EQ(late.calls, 1);
  EXPECT_TRUE(absl::IsUnavailable(late.status));
  EXPECT_NE(late.status.message().find("accordctl key list"), std::string::npos);
  EXPECT_EQ(waiting.calls, 0);
  proposals_.FailAll(absl::UnavailableError("shutting down"));
  EXPECT_EQ(waiting.calls, 1);
  EXPECT_EQ(proposals_.size(), 0u);
}

TEST_F(JournalProposalsTest, DestructionAnswersEveryWaiterLeft) {
  Seen seen;
  {
    JournalProposals scoped("hub-c", &clock_);
    scoped.Add(Record(&seen), absl::Seconds(30));
  }
  EXPECT_EQ(seen.calls, 1);
  EXPECT_TRUE(absl::IsUnavailable(seen.status));
}

// A journal whose appends the test completes by hand.
class FakeJournal final : public Journal {
 public:
  absl::Status AppendOutcome(const StageOutcome&) override { return absl::OkStatus(); }
  void AppendAgreement(const v1::AgreementEvent& event, std::function<void(absl::Status)> done) override {
    events.push_back(event);
    pending.push_back(std::move(done));
  }
  // Completes the oldest append still in flight.
  void Complete(absl::Status status) {
    ASSERT_FALSE(pending.empty());
    auto done = std::move(pending.front());
    pending.erase(pending.begin());
    done(std::move(status));
  }
  std::vector<v1::AgreementEvent> events;
  std::vector<std::function<void(absl::Status)>> pending;
};

v1::AgreementEvent AnEvent() {
  v1::AgreementEvent event;
  event.set_kind(v1::AgreementEvent::AGREEMENT);
  event.set_document("doc");
  return event;
}

TEST_F(JournalProposalsTest, AFailedAppendIsAppendedAgainAfterItsBackoffWithTheSameId) {
  FakeJournal journal;
  Seen seen;
  proposals_.Propose(&journal, AnEvent(), Record(&seen), absl::Seconds(20));
  ASSERT_EQ(journal.events.size(), 1u);
  const std::string id = journal.events[0].proposal_id();
  EXPECT_EQ(id.rfind("hub-a/", 0), 0u) << id;
  journal.Complete(absl::UnavailableError("Local: Unknown partition"));
  EXPECT_EQ(seen.calls, 0);  // not answered: to be retried
  // Not before the backoff (librdkafka would fail an immediate retry at once).
  EXPECT_EQ(proposals_.RetryDue(), 0u);
  clock_.Advance(JournalProposals::kFirstRetry - absl::Milliseconds(1));
  EXPECT_EQ(proposals_.RetryDue(), 0u);
  EXPECT_EQ(journal.events.size(), 1u);
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(proposals_.RetryDue(), 1u);
  EXPECT_EQ(proposals_.retries(), 1u);
  ASSERT_EQ(journal.events.size(), 2u);
  EXPECT_EQ(journal.events[1].proposal_id(), id);
  EXPECT_EQ(journal.events[1].document(), "doc");
  EXPECT_EQ(proposals_.RetryDue(), 0u);  // in flight: not appended a third time
  // The second failure waits twice as long.
  journal.Complete(absl::UnavailableError("Local: Message timed out"));
  clock_.Advance(JournalProposals::kFirstRetry);
  EXPECT_EQ(proposals_.RetryDue(), 0u);
  clock_.Advance(JournalProposals::kFirstRetry);
  EXPECT_EQ(proposals_.RetryDue(), 1u);
  EXPECT_EQ(proposals_.retries(), 2u);
  journal.Complete(absl::OkStatus());
  EXPECT_EQ(seen.calls, 0);  // stored: answered when applied here
  proposals_.Resolve(id, AppliedChange{absl::OkStatus()});
  EXPECT_EQ(seen.calls, 1);
  EXPECT_TRUE(seen.status.ok());
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(proposals_.RetryDue(), 0u);
  EXPECT_EQ(proposals_.Expire(), 0u);
  EXPECT_EQ(journal.events.size(), 3u);
}

TEST_F(JournalProposalsTest, RetriesStopBeforeTheDeadlineAndTheCallerHearsWhy) {
  FakeJournal journal;
  Seen seen;
  proposals_.Propose(&journal, AnEvent(), Record(&seen), absl::Seconds(5));
  // Backoffs 0.5 + 1 + 2 s fit in 5 s; the next (4 s) would not.
  for (int attempt = 0; attempt < 3; ++attempt) {
    journal.Complete(absl::UnavailableError("broker down"));
    ASSERT_EQ(seen.calls, 0) << attempt;
    clock_.Advance(JournalProposals::kFirstRetry * (1 << attempt));
    ASSERT_EQ(proposals_.RetryDue(), 1u) << attempt;
  }
  EXPECT_EQ(journal.events.size(), 4u);
  journal.Complete(absl::UnavailableError("broker down"));
  EXPECT_EQ(seen.calls, 1);
  EXPECT_TRUE(absl::IsUnavailable(seen.status));
  EXPECT_NE(seen.status.message().find("broker down"), std::string::npos) << seen.status;
  EXPECT_NE(seen.status.message().find("send it again"), std::string::npos) << seen.status;
  EXPECT_EQ(proposals_.retries(), 3u);
  EXPECT_EQ(proposals_.size(), 0u);
}

TEST_F(JournalProposalsTest, AWaiterAnsweredWhileItsRetryWaitsIsNotAppendedAgain) {
  FakeJournal journal;
  Seen applied, expired;
  proposals_.Propose(&journal, AnEvent(), Record(&applied), absl::Seconds(20));
  proposals_.Propose(&journal, AnEvent(), Record(&expired), absl::Seconds(1));
  const std::string first = journal.events[0].proposal_id();
  journal.Complete(absl::UnavailableError("timed out"));  // yet stored: another process applied it
  journal.Complete(absl::UnavailableError("timed out"));
  proposals_.Resolve(first, AppliedChange{absl::OkStatus()});
  EXPECT_EQ(applied.calls, 1);
  clock_.Advance(absl::Seconds(1));
  // The second's retry (due at 0.5 s) was never run: its deadline answers it
  // with the append's error, not "this process is behind".
  EXPECT_EQ(proposals_.Expire(), 1u);
  EXPECT_EQ(expired.calls, 1);
  EXPECT_NE(expired.status.message().find("timed out"), std::string::npos) << expired.status;
  EXPECT_EQ(proposals_.RetryDue(), 0u);
  EXPECT_EQ(journal.events.size(), 2u);
}

TEST_F(JournalProposalsTest, ProposeThroughJournalSetsTheIdAndRetries) {
  FakeJournal journal;
  Seen seen;
  ProposeThroughJournal(&journal, &proposals_, AnEvent(), Record(&seen), absl::Seconds(20));
  ASSERT_EQ(journal.events.size(), 1u);
  EXPECT_FALSE(journal.events[0].proposal_id().empty());
  journal.Complete(absl::UnavailableError("down"));
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(proposals_.RetryDue(), 1u);
  EXPECT_EQ(seen.calls, 0);
  proposals_.FailAll(absl::UnavailableError("stopping"));  // before `seen` goes
  EXPECT_EQ(seen.calls, 1);
}

}  // namespace
}  // namespace accord::hub
