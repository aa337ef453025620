#include "publish.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "report_csv.h"
#include "report_html.h"

namespace accord::analyst {
namespace {

absl::Time Day(int m, int d) { return absl::FromCivil(absl::CivilDay(2026, m, d), absl::UTCTimeZone()); }

Fact Crime(absl::Time t, const std::string& category, const std::string& area, const std::string& victim) {
  Fact f;
  f.agreement_id = "isa-crime";
  f.provider = "herts-police";
  f.dataset = "recorded_crime";
  f.event_time = t;
  f.category = category;
  f.area = area;
  f.victim = "isa-crime|" + victim;
  f.fields_present = {"offence_category", "location"};
  f.received_at = t;
  return f;
}

PublishInput Input() {
  PublishInput in;
  in.terms.threshold["isa-crime"] = 10;
  in.as_of = Day(11, 20);
  const std::string a = "BNG250:514000:207000", b = "BNG250:514250:207000";
  for (int i = 0; i < 12; ++i) in.facts.push_back(Crime(Day(9, 1 + i), "robbery", a, "pz1_v" + std::to_string(i)));
  for (int i = 0; i < 3; ++i) in.facts.push_back(Crime(Day(10, 1 + i), "robbery", a, "pz1_w" + std::to_string(i)));
  for (int i = 0; i < 4; ++i) in.facts.push_back(Crime(Day(9, 1 + i), "theft", b, "pz1_v0"));
  for (int i = 0; i < 15; ++i) in.facts.push_back(Crime(Day(9, 1 + i), "criminal_damage", b, "pz1_x" + std::to_string(i)));
  v1::AgreementInfo info;
  info.set_id("isa-crime");
  info.set_review_by("2026-12-01");
  info.set_valid_until("2028-03-31");
  in.agreements.push_back(info);
  return in;
}

const nlohmann::json* Row(const nlohmann::json& f, const std::string& kind, const std::string& period,
                          const std::string& category, const std::string& area) {
  for (const auto& r : f["counts"]) {
    if (r["period_kind"] == kind && r["period"] == period && r["category"] == category && r["area"] == area) return &r;
  }
  return nullptr;
}

TEST(PublishTest, SuppressesSmallCountsAndWhatTotalsWouldGiveAway) {
  nlohmann::json f = PublishFigures(Input());
  const std::string a = "BNG250:514000:207000", b = "BNG250:514250:207000";
  ASSERT_NE(Row(f, "month", "2026-09", "robbery", a), nullptr);
  EXPECT_EQ((*Row(f, "month", "2026-09", "robbery", a))["count"], "12");
  EXPECT_EQ((*Row(f, "month", "2026-09", "theft", b))["count"], "<10");
  EXPECT_EQ((*Row(f, "month", "2026-09", "criminal_damage", b))["count"], "[c]");  // secondary
  EXPECT_EQ((*Row(f, "month", "2026-09", "all", "all"))["count"], "31");
  const auto* oct = Row(f, "month", "2026-10", "robbery", a);
  ASSERT_NE(oct, nullptr);
  EXPECT_EQ((*oct)["count"], "<10");
  EXPECT_EQ((*oct)["previous_period"], "12");
  EXPECT_EQ((*oct)["change_vs_previous"], "");  // would reveal the 3
  EXPECT_EQ((*Row(f, "quarter", "2026-Q3", "robbery", a))["count"], "12");
  EXPECT_EQ((*Row(f, "month", "2026-09", "robbery", a))["same_period_last_year"], "0");
  EXPECT_EQ((*Row(f, "month", "2026-09", "robbery", a))["change_vs_last_year"], "12");
}

TEST(PublishTest, NoPseudonymInAnyOutput) {
  nlohmann::json f = PublishFigures(Input());
  std::string everything = f.dump() + RenderHtml(f);
  for (const auto& [name, csv] : RenderCsv(f)) everything += csv;
  EXPECT_EQ(everything.find("pz1_"), std::string::npos);
  EXPECT_EQ(everything.find("isa-crime|"), std::string::npos);
}

TEST(PublishTest, RepeatVictimisationAndHealth) {
  nlohmann::json f = PublishFigures(Input());
  ASSERT_EQ(f["repeat_victimisation"].size(), 1u);
  // 12 + 3 + 15 distinct victims + pz1_v0 (4 thefts, all in one week -> 1 incident,
  // but v0 also has a robbery on 1 Sep, the same week: still one incident).
  EXPECT_EQ(f["repeat_victimisation"][0]["victims"], "30");
  EXPECT_EQ(f["repeat_victimisation"][0]["repeat_victims"], "0");
  const auto& health = f["health"];
  ASSERT_EQ(health["datasets"].size(), 1u);
  // 34 = Sep 31 + Oct 3: publishing it would give the suppressed October away.
  EXPECT_EQ(health["datasets"][0]["records_received"], "[c]");
  EXPECT_EQ(health["agreements"][0]["flag"], "review due in 11 days");
  EXPECT_TRUE(health["rejections_hub_wide"].is_null());
}

TEST(ReportTest, CsvAndHtmlEscape) {
  EXPECT_EQ(CsvField("The Crown, George Street"), "\"The Crown, George Street\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(HtmlEscape("<script>&'\""), "&lt;script&gt;&amp;&#39;&quot;");
}

TEST(ReportTest, HtmlIsSelfContained) {
  std::string html = RenderHtml(PublishFigures(Input()));
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  // No external assets: nothing to fetch.
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(PublishTest, DisplacementUsesOnlyPublishedCounts) {
  nlohmann::json f = PublishFigures(Input());  // as of 2026-11-20: October against September
  ASSERT_EQ(f["displacement"].size(), 2u);
  std::map<std::string, nlohmann::json> by_cell;
  for (const auto& d : f["displacement"]) by_cell[d["cell"]] = d;
  const auto& a = by_cell["BNG250:514000:207000"];  // 12 -> 3; neighbour b 19 -> 0
  EXPECT_EQ(a["previous_period"], "2026-09");
  EXPECT_EQ(a["previous"], "12");
  EXPECT_EQ(a["current"], "<10");
  EXPECT_EQ(a["change"], "");
  EXPECT_EQ(a["neighbours_change"], "-19");
  const auto& b = by_cell["BNG250:514250:207000"];  // 19 -> 0; neighbour a's 3 is suppressed
  EXPECT_EQ(b["previous"], "19");
  EXPECT_EQ(b["change"], "-19");
  EXPECT_EQ(b["neighbours_previous"], "withheld");
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(PublishTest, TotalsEqualToAWithheldCountStayWithheld) {
  // A&E: 12 attendances in September, 2 in October (threshold 5). The
  // all-time 14 is withheld with October; the Cardiff linkage and hotspot
  // totals are the same 14, so they must not show it either.
  PublishInput in;
  in.terms.threshold["isa-ae"] = 5;
  in.as_of = absl::FromCivil(absl::CivilDay(2026, 11, 20), absl::UTCTimeZone());
  for (int i = 0; i < 14; ++i) {
    Fact f;
    f.agreement_id = "isa-ae";
    f.provider = "nhs-lister-ae";
    f.dataset = "ae_assault";
    f.source = Source::kAe;
    f.event_time = absl::FromCivil(absl::CivilDay(2026, i < 12 ? 9 : 10, 1 + i), absl::UTCTimeZone());
    f.category = "fist";
    f.area = "AL1 3";
    f.postcode_area = "AL1 3";
    f.location = "The Crown, George Street";
    f.hour_of_week = 5 * 24 + 22;
    in.facts.push_back(f);
  }
  nlohmann::json f = PublishFigures(in);
  EXPECT_EQ(f["health"]["datasets"][0]["records_received"], "[c]");
  ASSERT_EQ(f["cardiff_linkage"].size(), 1u);
  EXPECT_NE(f["cardiff_linkage"][0]["ae_assault_attendances"], "14");
  EXPECT_NE(f["ae_hotspots"]["attendances"], "14");
  EXPECT_EQ(f.dump().find("\"14\""), std::string::npos);
  EXPECT_EQ(f.dump().find(":14,"), std::string::npos);
}

}  // namespace
}  // namespace accord::analyst
