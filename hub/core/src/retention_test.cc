#include "accord/hub/core/retention.h"

#include "absl/strings/str_cat.h"
#include "core_test_util.h"
#include "accord/base/clock.h"
#include "gtest/gtest.h"
#include "store_test_util.h"

namespace accord::hub {
namespace {

using policy::AgreementState;
using testing::Cleaned;
using testing::Count;
using testing::Day;
using testing::kAgreement;
using testing::Stage;
using testing::Store;
using testing::TempDir;

AgreementView View(const std::string& id, uint32_t version, uint32_t retention_days, AgreementState state) {
  auto agreement = std::make_shared<policy::Agreement>();
  agreement->id = id;
  agreement->version = version;
  agreement->retention_days = retention_days;
  AgreementView view;
  view.agreement = std::move(agreement);
  view.status.state = state;
  return view;
}


TEST(RetentionTest, HighestVersionInForceWins) {
  // Listed out of order: the highest version counts, whichever state ended it.
  const RetentionTerms terms = Retention::TermsInForce({
      View("a", 2, 90, AgreementState::kWithdrawn),
      View("a", 1, 30, AgreementState::kActive),
      View("a", 3, 5, AgreementState::kPendingSignatures),  // never in force: no say
      View("b", 1, 400, AgreementState::kExpired),
      View("b", 2, 10, AgreementState::kActive),
  });
  EXPECT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms.at("a"), 90u);
  EXPECT_EQ(terms.at("b"), 10u);
}

TEST(RetentionTest, AgreementsNeverInForceSetNoTerms) {
  const RetentionTerms terms = Retention::TermsInForce({
      View("p", 1, 1, AgreementState::kPendingSignatures),
      View("n", 1, 1, AgreementState::kNotYetValid),
      View("i", 1, 1, AgreementState::kInvalid),
  });
  EXPECT_TRUE(terms.empty());
}

// The hub's wiring against a real record store, with the clock moved.
class RetentionStoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  Store store_{dir_.path()};
  base::ManualClock clock_{Day(2025, 6, 1)};
  std::vector<AgreementView> views_;

  std::unique_ptr<Retention> Make() {
    RetentionOptions options;
    options.agreements = [this] { return views_; };
    options.erase_expired = [this](const RetentionTerms& terms, absl::Time now) {
      return store_.records->EraseExpired(terms, now);
    };
    options.clock = &clock_;
    auto made = Retention::Create(std::move(options));
    EXPECT_TRUE(made.ok()) << made.status();
    return std::move(made).value();
  }

  void StageOldAndRecent() {
    std::vector<v1::CleanedRecord> batch;
    for (int i = 0; i < 4; ++i) batch.push_back(Cleaned(Day(2024, 1, 10 + i), i));
    for (int i = 4; i < 7; ++i) batch.push_back(Cleaned(Day(2026, 10, 10 + i), i));
    Stage(store_, batch, 0);
    ASSERT_EQ(Count(store_), 7u);
  }
};

class RetentionByStateTest : public RetentionStoreTest, public ::testing::WithParamInterface<AgreementState> {};

TEST_P(RetentionByStateTest, DataLeavesOnTimeWhateverEndedTheAgreement) {
  StageOldAndRecent();
  views_ = {View(kAgreement, 1, 730, GetParam())};
  auto retention = Make();

  // 2025-06-01: January 2024 is within 730 days.
  auto first = retention->RunOnce();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->empty());
  EXPECT_EQ(Count(store_), 7u);

  // The clock moves past January 2024's end + 730 days; no sleep.
  clock_.Set(Day(2026, 11, 30));
  auto second = retention->RunOnce();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, std::vector<std::string>{absl::StrCat(kAgreement, "/2024-01")});
  EXPECT_EQ(Count(store_), 3u);
  EXPECT_EQ(retention->stats().runs.load(), 2u);
  EXPECT_EQ(retention->stats().periods_erased.load(), 1u);
  EXPECT_EQ(retention->stats().erase_errors.load(), 0u);
}

INSTANTIATE_TEST_SUITE_P(States, RetentionByStateTest,
                         ::testing::Values(AgreementState::kActive, AgreementState::kExpired,
                                           AgreementState::kWithdrawn),
                         [](const ::testing::TestParamInfo<AgreementState>& info) -> std::string {
                           switch (info.param) {
                             case AgreementState::kActive:
                               return "Active";
                             case AgreementState::kExpired:
                               return "Expired";
                             default:
                               return "Withdrawn";
                           }
                         });

TEST_F(RetentionStoreTest, APendingVersionNeitherShortensNorSetsTerms) {
  StageOldAndRecent();
  clock_.Set(Day(2030, 1, 1));
  // Only a pending version: the id keeps its data.
  views_ = {View(kAgreement, 1, 1, AgreementState::kPendingSignatures)};
  auto retention = Make();
  auto run = retention->RunOnce();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->empty());
  EXPECT_EQ(Count(store_), 7u);
  // A pending v2 with 1 day does not shorten the active v1's 3650 days.
  views_ = {View(kAgreement, 1, 3650, AgreementState::kActive),
            View(kAgreement, 2, 1, AgreementState::kPendingSignatures)};
  run = retention->RunOnce();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->empty());
  EXPECT_EQ(Count(store_), 7u);
  // Once v2 is in force, its terms apply to the whole id.
  views_[1].status.state = AgreementState::kActive;
  run = retention->RunOnce();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->size(), 2u) << "both months are past 1 day on 2030-01-01";
  EXPECT_EQ(Count(store_), 0u);
}

TEST(RetentionTest, ErasureErrorsAreCountedAndReturnedAndTheQuarantineStillSwept) {
  int erase_calls = 0;
  std::vector<absl::Time> swept;
  base::ManualClock clock(Day(2026, 1, 1));
  RetentionOptions options;
  options.agreements = [] { return std::vector<AgreementView>{View("a", 1, 30, AgreementState::kActive)}; };
  options.erase_expired = [&](const RetentionTerms& terms,
                              absl::Time) -> absl::StatusOr<std::vector<std::string>> {
    ++erase_calls;
    EXPECT_EQ(terms.at("a"), 30u);
    return absl::UnavailableError("disk unavailable");
  };
  absl::Status sweep_result = absl::OkStatus();
  options.sweep_quarantine = [&](absl::Time at) {
    swept.push_back(at);
    return sweep_result;
  };
  options.clock = &clock;
  auto retention = Retention::Create(std::move(options));
  ASSERT_TRUE(retention.ok()) << retention.status();

  auto run = (*retention)->RunOnce();
  EXPECT_EQ(run.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*retention)->stats().erase_errors.load(), 1u);
  EXPECT_EQ((*retention)->stats().quarantine_errors.load(), 0u);
  EXPECT_EQ(swept, std::vector<absl::Time>{clock.Now()}) << "a failed erasure must not skip the quarantine sweep";

  // A failing sweep is counted too; the erasure error stays the one returned.
  sweep_result = absl::InternalError("sweep failed");
  clock.Advance(absl::Hours(1));
  run = (*retention)->RunOnce();
  EXPECT_EQ(run.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*retention)->stats().erase_errors.load(), 2u);
  EXPECT_EQ((*retention)->stats().quarantine_errors.load(), 1u);
  EXPECT_EQ(swept.back(), clock.Now());
  EXPECT_EQ(erase_calls, 2);
  EXPECT_EQ((*retention)->stats().runs.load(), 2u);
}

TEST(RetentionTest, AFailedSweepAloneIsReturned) {
  RetentionOptions options;
  options.agreements = [] { return std::vector<AgreementView>{}; };
  options.erase_expired = [](const RetentionTerms&, absl::Time) -> absl::StatusOr<std::vector<std::string>> {
    return std::vector<std::string>{};
  };
  options.sweep_quarantine = [](absl::Time) { return absl::DataLossError("kept record damaged"); };
  auto retention = Retention::Create(std::move(options));
  ASSERT_TRUE(retention.ok());
  EXPECT_EQ((*retention)->RunOnce().status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ((*retention)->stats().quarantine_errors.load(), 1u);
}

TEST(RetentionTest, OptionsAreValidated) {
  EXPECT_EQ(Retention::Create({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Retention::ForHub(nullptr, nullptr, nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace accord::hub
