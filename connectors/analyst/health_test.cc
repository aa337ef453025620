#include "health.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace accord::analyst {
namespace {

absl::Time Day(int m, int d) { return absl::FromCivil(absl::CivilDay(2026, m, d), absl::UTCTimeZone()); }

Fact Record(absl::Time t, bool with_location) {
  Fact f;
  f.provider = "nhs-lister-ae";
  f.dataset = "ae_assault";
  f.event_time = t;
  f.received_at = t + absl::Hours(1);
  f.fields_present = {"arrival_time", "assault_method"};
  if (with_location) f.fields_present.push_back("location_description");
  return f;
}

TEST(HealthTest, FlagsAVolumeDropAndMissingFields) {
  // Mondays 2026-09-07 .. 2026-11-02: 8 weeks of 10 records, then 2.
  std::vector<Fact> facts;
  absl::Time week0 = Day(9, 7);
  for (int w = 0; w < 8; ++w) {
    for (int i = 0; i < 10; ++i) facts.push_back(Record(week0 + absl::Hours(24 * 7 * w + i), i % 4 != 0));
  }
  facts.push_back(Record(Day(11, 9), true));
  facts.push_back(Record(Day(11, 10), true));
  auto h = DatasetHealthFigures(facts, Day(11, 18), {{"ae_assault", {"arrival_time", "sex"}}});
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].records, 82);
  EXPECT_EQ(h[0].last_week, 2);
  EXPECT_EQ(h[0].usual_week, 10);
  EXPECT_TRUE(h[0].volume_drop);
  EXPECT_EQ(h[0].last_received, Day(11, 10) + absl::Hours(1));
  EXPECT_DOUBLE_EQ(h[0].missing_rate["sex"], 1.0);             // expected, never sent
  EXPECT_DOUBLE_EQ(h[0].missing_rate["arrival_time"], 0.0);
  EXPECT_NEAR(h[0].missing_rate["location_description"], 24.0 / 82, 1e-9);  // i = 0, 4, 8 of each week
}

TEST(HealthTest, SteadyFeedIsNotFlagged) {
  std::vector<Fact> facts;
  for (int w = 0; w < 10; ++w) {
    for (int i = 0; i < 10; ++i) facts.push_back(Record(Day(9, 7) + absl::Hours(24 * 7 * w + i), true));
  }
  auto h = DatasetHealthFigures(facts, Day(11, 18));
  ASSERT_EQ(h.size(), 1u);
  EXPECT_FALSE(h[0].volume_drop);
}

TEST(HealthTest, AgreementDates) {
  v1::AgreementInfo a, b, c;
  a.set_id("a"), a.set_review_by("2026-10-01"), a.set_valid_until("2027-03-31");
  b.set_id("b"), b.set_review_by("2027-06-30"), b.set_valid_until("2026-12-31");
  c.set_id("c"), c.set_review_by("2027-06-30"), c.set_valid_until("2027-12-31");
  auto h = AgreementDates({a, b, c}, Day(11, 22));
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].flag, "review overdue");
  EXPECT_EQ(h[0].days_to_review, -52);
  EXPECT_EQ(h[1].flag, "expires in 39 days");
  EXPECT_EQ(h[2].flag, "");
}

TEST(HealthTest, ParsesRejectionsFromMetrics) {
  auto r = ParseRejections(
      "# TYPE accord_records_rejected_total counter\n"
      "accord_records_rejected_total{reason=\"REJECT_UNKNOWN_FIELD\"} 3\n"
      "accord_records_rejected_total{reason=\"REJECT_INVALID_UTF8\"} 1\n"
      "accord_records_received_total 40\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("REJECT_UNKNOWN_FIELD"), 3);
  EXPECT_EQ(r->at("REJECT_INVALID_UTF8"), 1);
  EXPECT_FALSE(ParseRejections("<html>not metrics</html>").ok());
}

TEST(HealthTest, ParsesRejectionsPerAgencyAndDataset) {
  auto r = ParseRejectionsBySource(
      "accord_records_rejected_total{reason=\"REJECT_UNKNOWN_FIELD\"} 3\n"
      "accord_records_rejected_by_source_total{agency=\"herts-police\",dataset=\"recorded_crime\","
      "reason=\"REJECT_UNKNOWN_FIELD\"} 2\n"
      "accord_records_rejected_by_source_total{agency=\"nhs-lister-ae\",dataset=\"unknown\","
      "reason=\"REJECT_NO_AGREEMENT\"} 1\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].agency, "herts-police");
  EXPECT_EQ((*r)[0].dataset, "recorded_crime");
  EXPECT_EQ((*r)[0].reason, "REJECT_UNKNOWN_FIELD");
  EXPECT_EQ((*r)[0].records, 2);
  EXPECT_EQ((*r)[1].dataset, "unknown");
  EXPECT_FALSE(ParseRejectionsBySource("<html>not metrics</html>").ok());
}

}  // namespace
}  // namespace accord::analyst
