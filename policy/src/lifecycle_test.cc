#include "accord/policy/lifecycle.h"

#include <string>

#include "accord/policy/canonical.h"
#include "gtest/gtest.h"
#include "lint_test_util.h"

namespace accord::policy {
namespace {

using testing::Dump;
using testing::MakeKeyedExample;

absl::Time At(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone());
}

Agreement Parse(const std::string& text) {
  ParseResult r = ParseAgreement(text, "t.yaml");
  EXPECT_TRUE(r.ok()) << Dump(r.diagnostics);
  return r.ok() ? *r.agreement : Agreement{};
}

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    k_ = MakeKeyedExample();
    unsigned_ = Parse(k_.text);
    std::string text = AppendSignatureYaml(
        k_.text, SignAgreement(unsigned_, "nhs-lister-ae", k_.provider.private_pem, At(2025, 12, 1)).value());
    half_text_ = text;
    signed_text_ = AppendSignatureYaml(
        text, SignAgreement(unsigned_, "csp-herts-analyst", k_.recipient.private_pem, At(2025, 12, 2)).value());
    signed_ = Parse(signed_text_);
  }

  testing::KeyedExample k_;
  Agreement unsigned_;
  std::string half_text_;
  std::string signed_text_;
  Agreement signed_;
};

TEST_F(LifecycleTest, ActiveWhenAllSignedAndInDates) {
  AgreementStatus s = EvaluateStatus(signed_, {}, At(2026, 6, 1));
  EXPECT_EQ(s.state, AgreementState::kActive) << s.reason;
  EXPECT_FALSE(s.review_overdue);
  ASSERT_EQ(s.parties.size(), 2u);
  EXPECT_TRUE(s.parties[0].signed_valid);
  EXPECT_TRUE(s.parties[1].signed_valid);
  EXPECT_EQ(s.reason, "signed by all 2 parties and valid until the end of 2027-12-31");
  EXPECT_EQ(AgreementStateName(s.state), "active");
}

TEST_F(LifecycleTest, ValidityBoundsAreInclusiveDaysInUtc) {
  EXPECT_EQ(EvaluateStatus(signed_, {}, At(2025, 12, 31, 23, 59, 59)).state,
            AgreementState::kNotYetValid);
  EXPECT_EQ(EvaluateStatus(signed_, {}, At(2026, 1, 1)).state, AgreementState::kActive);
  EXPECT_EQ(EvaluateStatus(signed_, {}, At(2027, 12, 31, 23, 59, 59)).state,
            AgreementState::kActive);
  AgreementStatus expired = EvaluateStatus(signed_, {}, At(2028, 1, 1));
  EXPECT_EQ(expired.state, AgreementState::kExpired);
  EXPECT_NE(expired.reason.find("expired at the end of 2027-12-31"), std::string::npos);
  EXPECT_EQ(AgreementStateName(AgreementState::kNotYetValid), "not_yet_valid");
}

TEST_F(LifecycleTest, ReviewOverdueStillActive) {
  EXPECT_FALSE(EvaluateStatus(signed_, {}, At(2027, 6, 30, 23, 59, 59)).review_overdue);
  AgreementStatus s = EvaluateStatus(signed_, {}, At(2027, 7, 1));
  EXPECT_EQ(s.state, AgreementState::kActive);
  EXPECT_TRUE(s.review_overdue);
  EXPECT_NE(s.reason.find("review was due by 2027-06-30"), std::string::npos);
}

TEST_F(LifecycleTest, PendingNamesTheMissingParty) {
  AgreementStatus s = EvaluateStatus(Parse(half_text_), {}, At(2026, 6, 1));
  EXPECT_EQ(s.state, AgreementState::kPendingSignatures);
  EXPECT_TRUE(s.parties[0].signed_valid);
  EXPECT_FALSE(s.parties[1].signed_valid);
  EXPECT_EQ(s.parties[1].party, "csp-herts-analyst");
  EXPECT_NE(s.parties[1].problem.find("has not signed"), std::string::npos);
  EXPECT_NE(s.reason.find("from csp-herts-analyst"), std::string::npos) << s.reason;
  EXPECT_EQ(EvaluateStatus(unsigned_, {}, At(2026, 6, 1)).state, AgreementState::kPendingSignatures);
}

TEST_F(LifecycleTest, TamperedAgreementIsPendingWithPartiesNamed) {
  std::string text = signed_text_;
  std::string_view from = "      sex: keep\n";
  text.replace(text.find(from), from.size(), "      sex: pseudonymise\n");
  AgreementStatus s = EvaluateStatus(Parse(text), {}, At(2026, 6, 1));
  EXPECT_EQ(s.state, AgreementState::kPendingSignatures) << s.reason;
  for (const PartySignatureStatus& p : s.parties) {
    EXPECT_FALSE(p.signed_valid);
    EXPECT_NE(p.problem.find("changed after it was signed"), std::string::npos) << p.problem;
    EXPECT_NE(p.problem.find(p.party), std::string::npos);
  }
  EXPECT_NE(s.reason.find("nhs-lister-ae, csp-herts-analyst"), std::string::npos) << s.reason;
}

TEST_F(LifecycleTest, ForgedSignatureMakesItInvalid) {
  Agreement a = signed_;
  Signature forged = SignAgreement(unsigned_, "csp-herts-analyst", k_.recipient.private_pem,
                                   At(2026, 1, 1)).value();
  forged.party = "nhs-lister-ae";
  a.signatures.push_back(forged);
  AgreementStatus s = EvaluateStatus(a, {}, At(2026, 6, 1));
  EXPECT_EQ(s.state, AgreementState::kInvalid) << s.reason;
  EXPECT_NE(s.reason.find("'nhs-lister-ae'"), std::string::npos);
}

TEST_F(LifecycleTest, WithdrawalTakesEffectAtItsTime) {
  Withdrawal w{signed_.id, signed_.version, Fingerprint(signed_), "csp-herts-analyst",
               At(2026, 9, 1), "Analyst post vacant", ""};
  Withdrawal sw = SignWithdrawal(w, k_.recipient.private_pem).value();
  std::vector<Withdrawal> ws = {sw};
  EXPECT_EQ(EvaluateStatus(signed_, ws, At(2026, 8, 31, 23, 59, 59)).state, AgreementState::kActive);
  AgreementStatus s = EvaluateStatus(signed_, ws, At(2026, 9, 1));
  EXPECT_EQ(s.state, AgreementState::kWithdrawn);
  EXPECT_NE(s.reason.find("party 'csp-herts-analyst' withdrew with effect from 2026-09-01 00:00:00 UTC: Analyst post vacant"),
            std::string::npos) << s.reason;
  // A withdrawal not signed by the named party is ignored.
  Withdrawal fake = SignWithdrawal(w, k_.provider.private_pem).value();
  std::vector<Withdrawal> fakes = {fake};
  EXPECT_EQ(EvaluateStatus(signed_, fakes, At(2026, 10, 1)).state, AgreementState::kActive);
}

}  // namespace
}  // namespace accord::policy
