// What Publish checks against the hub's clock (hub/server/src/ingest_checks.h),
// with an injected clock and no sleeps: an agreement's expiry applies at its
// exact instant (not at the next 200 ms refresh), an event month past
// retention and an event in the future are refused, not accepted and lost.
#include "ingest_checks.h"

#include "absl/time/civil_time.h"
#include "accord/hub/core/agreement_registry.h"
#include "accord/hub/core/hub_db.h"
#include "accord/base/clock.h"
#include "gtest/gtest.h"
#include "test_support.h"

namespace accord::testing {
namespace {

using hub::AgreementRegistry;
using hub::CheckAtIngest;

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone());
}

class IngestChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub::HubDbOptions db_options;
    db_options.path = dir_.path() + "/db";
    auto db = hub::HubDb::Open(db_options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(db).value();
    hub::AgreementRegistryOptions options;
    options.linkage_master_key = std::string(32, 'k');
    options.clock = &clock_;
    options.keys = [keys = TestKeyDirectory()] { return keys; };
    auto registry = AgreementRegistry::Open(db_.get(), options);
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(registry).value();
    // In force until the end of 2030-06-30 (UTC); retention 365 days.
    auto view = registry_->Submit(SignedPoliceAgreement("deadline-test", "2030-06-30"), "test");
    ASSERT_TRUE(view.ok()) << view.status();
    ASSERT_EQ(registry_->policy()->agreements().size(), 1u);
  }

  policy::Rejection Check(const v1::Record& record) {
    return CheckAtIngest(*registry_->policy(), record, clock_.Now(), *registry_->deadlines());
  }

  TempDir dir_;
  base::ManualClock clock_{Utc(2030, 6, 30, 12)};
  std::unique_ptr<hub::HubDb> db_;
  std::unique_ptr<AgreementRegistry> registry_;
};

v1::Record At(absl::Time event) {
  v1::Record r = PoliceRecord(1);
  r.mutable_event_time()->set_seconds(absl::ToUnixSeconds(event));
  return r;
}

TEST_F(IngestChecksTest, ExpiryAppliesAtItsExactInstantWithoutARefresh) {
  const std::string& fingerprint = registry_->policy()->agreements()[0]->fingerprint();
  ASSERT_EQ(registry_->deadlines()->count(fingerprint), 1u);
  EXPECT_EQ(registry_->deadlines()->at(fingerprint), Utc(2030, 7, 1));
  const v1::Record record = At(Utc(2030, 6, 29));
  clock_.Set(Utc(2030, 7, 1) - absl::Nanoseconds(1));
  EXPECT_TRUE(Check(record).ok()) << Check(record).message;
  clock_.Set(Utc(2030, 7, 1));
  // The registry has not refreshed: its policy still lists the agreement ...
  ASSERT_EQ(registry_->policy()->agreements().size(), 1u);
  // ... but Publish refuses from the deadline on.
  policy::Rejection r = Check(record);
  EXPECT_EQ(r.reason, v1::REJECT_NO_AGREEMENT) << r.message;
  EXPECT_NE(r.message.find("expired or been withdrawn"), std::string::npos) << r.message;
}

TEST_F(IngestChecksTest, AWithdrawalAppliesAtItsExactEffectiveInstantWithoutARefresh) {
  // The police withdraw the agreement from 2030-06-30T15:00:00Z, signed now
  // (12:00) with their registered key.
  const absl::Time effective = Utc(2030, 6, 30, 15);
  const std::string withdrawal = SignedWithdrawal(SignedPoliceAgreement("deadline-test", "2030-06-30"),
                                                  kPolice, PartyKey(kPolice), effective);
  ASSERT_FALSE(withdrawal.empty());
  auto view = registry_->SubmitWithdrawal(withdrawal);
  ASSERT_TRUE(view.ok()) << view.status();
  // The deadline is the withdrawal's effective time, earlier than expiry.
  const std::string& fingerprint = registry_->policy()->agreements()[0]->fingerprint();
  ASSERT_EQ(registry_->deadlines()->count(fingerprint), 1u);
  EXPECT_EQ(registry_->deadlines()->at(fingerprint), effective);
  const v1::Record record = At(Utc(2030, 6, 29));
  clock_.Set(effective - absl::Nanoseconds(1));
  EXPECT_TRUE(Check(record).ok()) << Check(record).message;
  clock_.Set(effective);
  // No refresh since: the policy snapshot still lists the agreement ...
  ASSERT_EQ(registry_->policy()->agreements().size(), 1u);
  // ... but Publish refuses from the effective instant on.
  policy::Rejection r = Check(record);
  EXPECT_EQ(r.reason, v1::REJECT_NO_AGREEMENT) << r.message;
  EXPECT_NE(r.message.find("expired or been withdrawn"), std::string::npos) << r.message;
}

TEST_F(IngestChecksTest, AnEventMonthPastRetentionIsRefusedNotAcceptedAndErased) {
  // retention_days 365: May 2029 is erased once 2029-06-01 + 365 days has passed.
  const absl::Time erased_at = Utc(2029, 6, 1) + absl::Hours(24 * 365);
  const v1::Record may = At(Utc(2029, 5, 20));
  clock_.Set(erased_at - absl::Seconds(1));
  EXPECT_TRUE(Check(may).ok()) << Check(may).message;
  clock_.Set(erased_at);
  policy::Rejection r = Check(may);
  EXPECT_EQ(r.reason, v1::REJECT_PAST_RETENTION) << r.message;
  EXPECT_EQ(r.field, "event_time");
  EXPECT_NE(r.message.find("retention of 365 days"), std::string::npos) << r.message;
}

TEST_F(IngestChecksTest, AnEventInTheFutureIsRefused) {
  clock_.Set(Utc(2030, 1, 1));
  EXPECT_TRUE(Check(At(clock_.Now() + absl::Hours(24))).ok()) << "a day of clock skew is allowed";
  policy::Rejection r = Check(At(clock_.Now() + absl::Hours(24) + absl::Seconds(1)));
  EXPECT_EQ(r.reason, v1::REJECT_TIME_OUT_OF_RANGE) << r.message;
  EXPECT_EQ(r.field, "event_time");
  EXPECT_NE(r.message.find("in the future"), std::string::npos) << r.message;
}

// What CheckAtIngest decided per record before IngestChecker: the event's
// month end plus retention_days at or before now.
bool PastRetentionByDefinition(absl::Time event, absl::Time now, int days) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time month_end = absl::FromCivil(absl::ToCivilMonth(event, utc) + 1, utc);
  return month_end + absl::Hours(24) * days <= now;
}

// One IngestChecker per batch (its agreements in force and retention cut-offs
// worked out once) decides as the definition at every instant around the
// edges: month starts, the instant a month is erased, a nanosecond either side.
TEST_F(IngestChecksTest, OneCheckerPerBatchDecidesAsTheDefinitionAroundEveryEdge) {
  std::vector<absl::Time> events;
  for (int m = 1; m <= 12; ++m) {
    const absl::Time start = Utc(2029, m, 1);
    for (absl::Duration d : {absl::Seconds(-1), absl::ZeroDuration(), absl::Seconds(1), absl::Hours(24 * 14)}) {
      events.push_back(start + d);
    }
  }
  int past = 0, kept = 0;
  for (int m = 1; m <= 12; ++m) {
    const absl::Time erased = Utc(2029, m, 1) + absl::Hours(24 * 365);
    for (absl::Duration d : {absl::Nanoseconds(-1), absl::ZeroDuration(), absl::Nanoseconds(1), absl::Hours(-5),
                             absl::Hours(5)}) {
      const absl::Time now = erased + d;
      if (now >= Utc(2030, 7, 1)) continue;  // the agreement has expired: nothing is in force
      hub::IngestChecker checker(*registry_->policy(), now, *registry_->deadlines());
      for (absl::Time event : events) {
        if (event > now + hub::kMaxEventTimeSkew) continue;
        const v1::Record record = At(event);
        const policy::Rejection r = checker.Check(record);
        const bool want_past = PastRetentionByDefinition(event, now, 365);
        EXPECT_EQ(r.reason, want_past ? v1::REJECT_PAST_RETENTION : v1::REJECT_REASON_UNSPECIFIED)
            << "event " << absl::FormatTime(event) << " now " << absl::FormatTime(now) << ": " << r.message;
        const policy::Rejection single = CheckAtIngest(*registry_->policy(), record, now, *registry_->deadlines());
        EXPECT_EQ(single.reason, r.reason);
        EXPECT_EQ(single.message, r.message);
        EXPECT_EQ(single.field, r.field);
        (want_past ? past : kept)++;
      }
    }
  }
  EXPECT_GT(past, 0);
  EXPECT_GT(kept, 0);
}

// A checker keeps the triples of a batch apart: a record of another
// provider, dataset or version is decided on its own.
TEST_F(IngestChecksTest, OneCheckerDecidesEachProviderDatasetAndVersionOnItsOwn) {
  hub::IngestChecker checker(*registry_->policy(), clock_.Now(), *registry_->deadlines());
  const v1::Record good = At(Utc(2030, 6, 1));
  v1::Record other_version = good;
  other_version.set_dataset_version(good.dataset_version() + 1);
  v1::Record other_provider = good;
  other_provider.set_provider("someone-else");
  for (int round = 0; round < 2; ++round) {
    EXPECT_TRUE(checker.Check(good).ok()) << checker.Check(good).message;
    policy::Rejection r = checker.Check(other_version);
    EXPECT_EQ(r.reason, v1::REJECT_NO_AGREEMENT);
    r = checker.Check(other_provider);
    EXPECT_EQ(r.reason, v1::REJECT_NO_AGREEMENT);
    EXPECT_NE(r.message.find("'someone-else'"), std::string::npos) << r.message;
    EXPECT_EQ(r.message, CheckAtIngest(*registry_->policy(), other_provider, clock_.Now(), *registry_->deadlines())
                             .message);
  }
  // More triples than it keeps apart: each still decided on its own.
  for (int i = 0; i < 20; ++i) {
    v1::Record r = good;
    r.set_dataset("dataset-" + std::to_string(i));
    EXPECT_EQ(checker.Check(r).reason, v1::REJECT_NO_AGREEMENT);
    EXPECT_TRUE(checker.Check(good).ok());
  }
}

}  // namespace
}  // namespace accord::testing
