#include "audit.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace accord::analyst {
namespace {

absl::Time At(int y, int m, int d, int h = 0) {
  return absl::FromCivil(absl::CivilHour(y, m, d, h), absl::UTCTimeZone());
}

Fact Police(absl::Time t, std::string category, std::string area, std::string victim = "",
            std::string agreement = "isa-crime", std::string sector = "") {
  Fact f;
  f.agreement_id = agreement;
  f.provider = "herts-police";
  f.dataset = "recorded_crime";
  f.source = Source::kPolice;
  f.event_time = t;
  f.category = std::move(category);
  f.area = std::move(area);
  f.postcode_area = std::move(sector);
  if (!victim.empty()) f.victim = agreement + "|" + victim;
  return f;
}

Fact Ae(absl::Time t, std::string agreement, std::string victim, std::string sector,
        std::string location = "", int hour_of_week = -1) {
  Fact f;
  f.agreement_id = agreement;
  f.provider = "nhs-lister-ae";
  f.dataset = "ae_assault";
  f.source = Source::kAe;
  f.event_time = t;
  f.category = "fist";
  f.area = sector;
  f.postcode_area = sector;
  if (!victim.empty()) f.victim = agreement + "|" + victim;
  f.location = std::move(location);
  f.hour_of_week = hour_of_week;
  return f;
}

TEST(PeriodsTest, Labels) {
  absl::Time t = At(2026, 9, 20);  // a Sunday in ISO week 38
  EXPECT_EQ(PeriodLabel(PeriodKind::kWeek, PeriodIndex(PeriodKind::kWeek, t)), "2026-W38");
  EXPECT_EQ(PeriodLabel(PeriodKind::kWeek, PeriodIndex(PeriodKind::kWeek, At(2026, 9, 21))), "2026-W39");
  EXPECT_EQ(PeriodLabel(PeriodKind::kWeek, PeriodIndex(PeriodKind::kWeek, At(2027, 1, 1))), "2026-W53");
  EXPECT_EQ(PeriodLabel(PeriodKind::kMonth, PeriodIndex(PeriodKind::kMonth, t)), "2026-09");
  EXPECT_EQ(PeriodLabel(PeriodKind::kQuarter, PeriodIndex(PeriodKind::kQuarter, t)), "2026-Q3");
  EXPECT_EQ(PeriodLabel(PeriodKind::kMonth, PeriodIndex(PeriodKind::kMonth, t) - 12), "2025-09");
}

TEST(AuditTest, CountsByCategoryAreaPeriod) {
  std::vector<Fact> facts = {
      Police(At(2026, 9, 1), "robbery", "A"), Police(At(2026, 9, 2), "robbery", "A"),
      Police(At(2026, 9, 3), "robbery", "B"), Police(At(2026, 10, 1), "theft", "A"),
      Police(At(2026, 10, 1), "", "A"),  // no category: not counted
  };
  auto months = CountByCategoryAreaPeriod(facts, PeriodKind::kMonth);
  long sep = PeriodIndex(PeriodKind::kMonth, At(2026, 9, 1));
  EXPECT_EQ(months.size(), 3u);
  EXPECT_EQ((months[{"recorded_crime", sep, "robbery", "A"}]), 2);
  EXPECT_EQ((months[{"recorded_crime", sep, "robbery", "B"}]), 1);
  EXPECT_EQ((months[{"recorded_crime", sep + 1, "theft", "A"}]), 1);
  auto quarters = CountByCategoryAreaPeriod(facts, PeriodKind::kQuarter);
  EXPECT_EQ(quarters.size(), 3u);
}

TEST(AuditTest, RepeatVictimisation) {
  absl::Time as_of = At(2026, 11, 30);
  std::vector<Fact> facts = {
      // v1: three incidents in different weeks -> repeat.
      Police(At(2026, 3, 2), "robbery", "A", "v1", "isa-rv"),
      Police(At(2026, 6, 2), "robbery", "B", "v1", "isa-rv"),
      Police(At(2026, 9, 2), "robbery", "B", "v1", "isa-rv"),
      // v2: police and A&E in the same week: one incident.
      Police(At(2026, 9, 14), "other", "C", "v2", "isa-rv"),
      Ae(At(2026, 9, 15), "isa-rv", "v2", "C"),
      // v3: two incidents, but the first is older than 12 months.
      Police(At(2025, 10, 1), "robbery", "A", "v3", "isa-rv"),
      Police(At(2026, 10, 1), "robbery", "A", "v3", "isa-rv"),
      // The same token under another agreement is another person.
      Police(At(2026, 10, 5), "robbery", "A", "v2", "isa-other"),
  };
  auto r = RepeatVictimisation(facts, as_of);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].agreement_id, "isa-other");
  EXPECT_EQ(r[0].victims, 1);
  EXPECT_EQ(r[0].repeat_victims, 0);
  EXPECT_EQ(r[1].agreement_id, "isa-rv");
  EXPECT_EQ(r[1].victims, 3);
  EXPECT_EQ(r[1].repeat_victims, 1);
  EXPECT_EQ(r[1].repeat_locations, (std::map<std::string, int64_t>{{"A", 1}, {"B", 2}}));
}

TEST(AuditTest, CardiffLinkageByPseudonymAndByTimeAndPlace) {
  std::vector<Fact> facts = {
      // Pseudonym agreement: v1 known to police within 7 days, v2 not, v3 too late.
      Police(At(2026, 9, 1), "other", "AL1", "v1", "isa-rv"),
      Ae(At(2026, 9, 3), "isa-rv", "v1", "AL1"),
      Ae(At(2026, 9, 3), "isa-rv", "v2", "AL1"),
      Police(At(2026, 9, 1), "other", "AL1", "v3", "isa-rv"),
      Ae(At(2026, 9, 20), "isa-rv", "v3", "AL1"),
      // Cardiff agreement, no police pseudonyms: time and place.
      Police(At(2026, 9, 5), "violence_with_injury", "BNG", "", "isa-crime", "AL1 3"),
      Police(At(2026, 9, 8), "theft", "BNG", "", "isa-crime", "AL1 4"),
      Ae(At(2026, 9, 5, 22), "isa-ae", "p1", "AL1 3"),  // matched
      Ae(At(2026, 9, 8, 22), "isa-ae", "p2", "AL1 4"),  // theft is not violence
      Ae(At(2026, 9, 5, 22), "isa-ae", "p3", "AL2 1"),  // elsewhere
      Ae(At(2026, 9, 5, 22), "isa-ae", "p4", "AL1"),    // district only: matches AL1 3
  };
  auto l = CardiffLinkage(facts);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].agreement_id, "isa-ae");
  EXPECT_EQ(l[0].method, "time_and_place");
  EXPECT_EQ(l[0].place, "home postcode");
  EXPECT_EQ(l[0].attendances, 4);
  EXPECT_EQ(l[0].unmatched, 2);
  EXPECT_EQ(l[1].agreement_id, "isa-rv");
  EXPECT_EQ(l[1].method, "pseudonym");
  EXPECT_EQ(l[1].place, "");
  EXPECT_EQ(l[1].attendances, 3);
  EXPECT_EQ(l[1].unmatched, 2);
}

TEST(AuditTest, HotspotsByLocationAndHourOfWeek) {
  std::vector<Fact> facts = {
      Ae(At(2026, 9, 5), "isa-ae", "", "", "The Crown, George Street", 5 * 24 + 23),
      Ae(At(2026, 9, 5), "isa-ae", "", "", "The Crown, George Street", 5 * 24 + 23),
      Ae(At(2026, 9, 6), "isa-ae", "", "", "Clarence Park", 6 * 24 + 1),
  };
  Hotspots h = AeHotspots(facts);
  EXPECT_EQ(h.by_location["The Crown, George Street"], 2);
  EXPECT_EQ(h.by_location["Clarence Park"], 1);
  EXPECT_EQ(h.by_hour_of_week[5 * 24 + 23], 2);
  EXPECT_EQ(h.by_hour_of_week[6 * 24 + 1], 1);
}

TEST(AuditTest, DisplacementLooksAtTheEightNeighbours) {
  const std::string hot = "BNG250:514000:207000";
  auto n = GridNeighbours(hot);
  ASSERT_EQ(n.size(), 8u);
  EXPECT_EQ(n[0], "BNG250:513750:206750");
  EXPECT_TRUE(GridNeighbours("AL1 3").empty());
  std::vector<Fact> facts;
  for (int i = 0; i < 6; ++i) facts.push_back(Police(At(2026, 9, 1 + i), "robbery", hot));
  facts.push_back(Police(At(2026, 10, 1), "robbery", hot));
  facts.push_back(Police(At(2026, 9, 1), "robbery", "BNG250:514250:207000"));
  for (int i = 0; i < 4; ++i) facts.push_back(Police(At(2026, 10, 2 + i), "robbery", "BNG250:514250:207000"));
  facts.push_back(Police(At(2026, 10, 2), "robbery", "BNG250:515000:207000"));  // not adjacent
  long sep = PeriodIndex(PeriodKind::kMonth, At(2026, 9, 1));
  auto d = DisplacementCheck(facts, PeriodKind::kMonth, sep, sep + 1);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cell, hot);
  EXPECT_EQ(d[0].previous, 6);
  EXPECT_EQ(d[0].current, 1);
  EXPECT_EQ(d[0].neighbours_previous, 1);
  EXPECT_EQ(d[0].neighbours_current, 4);
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(FactTest, ReadsTheHubsGeneralisedForms) {
  v1::CleanedRecord r;
  r.set_agreement_id("isa-ae");
  r.set_dataset("ae_assault");
  auto add = [&](const std::string& name, const std::string& text) {
    auto* f = r.add_fields();
    f->set_name(name);
    f->mutable_value()->set_text(text);
  };
  add("nhs_number", "pz1_abc");
  add("home_postcode", "AL1 4");
  add("arrival_time", "2026-09-20T21");  // hour label; 2026-09-20 is a Sunday
  add("assault_method", "fist");
  add("location_description", "The Crown, George Street");
  Fact f = FactFromRecord(r);
  EXPECT_EQ(f.source, Source::kAe);
  EXPECT_EQ(f.hour_of_week, 6 * 24 + 21);
  EXPECT_EQ(f.category, "fist");
  EXPECT_EQ(f.area, "AL1 4");
  EXPECT_EQ(f.victim, "isa-ae|pz1_abc");
  EXPECT_EQ(f.location, "The Crown, George Street");
  EXPECT_EQ(f.postcode_area, "AL1 4");
  EXPECT_FALSE(f.incident_place);
  // An agreement that shares where the assault happened: that place wins.
  auto* loc = r.add_fields();
  loc->set_name("location_postcode");
  loc->mutable_value()->set_text("AL1 3");
  Fact g = FactFromRecord(r);
  EXPECT_EQ(g.postcode_area, "AL1 3");
  EXPECT_TRUE(g.incident_place);
}

}  // namespace
}  // namespace accord::analyst
