#include "journal_proposals.h"

#include <optional>

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
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  JournalProposals proposals_{"hub-a", [this] { return now_; }};
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
  now_ += absl::Minutes(5);
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
  JournalProposals again("hub-a", [this] { return now_; });
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
  now_ += absl::Seconds(10);
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
    JournalProposals scoped("hub-c", [this] { return now_; });
    scoped.Add(Record(&seen), absl::Seconds(30));
  }
  EXPECT_EQ(seen.calls, 1);
  EXPECT_TRUE(absl::IsUnavailable(seen.status));
}

}  // namespace
}  // namespace accord::hub
