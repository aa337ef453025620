#include "publish.h"

#include <string>

#include "attack.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "cell_key.h"
#include "gtest/gtest.h"
#include "report_csv.h"
#include "report_html.h"

namespace accord::analyst {
namespace {

absl::Time Day(int m, int d) { return absl::FromCivil(absl::CivilDay(2026, m, d), absl::UTCTimeZone()); }

int serial = 0;

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
  f.record_key = RecordKey(absl::StrCat("ref-", serial++));
  return f;
}

const std::string kA = "BNG250:514000:207000", kB = "BNG250:514250:207000";

PublishInput Input(int64_t threshold = 10) {
  serial = 0;
  PublishInput in;
  in.terms.threshold["isa-crime"] = threshold;
  in.as_of = Day(11, 20);
  for (int i = 0; i < 12; ++i) in.facts.push_back(Crime(Day(9, 1 + i), "robbery", kA, "pz1_v" + std::to_string(i)));
  for (int i = 0; i < 3; ++i) in.facts.push_back(Crime(Day(10, 1 + i), "robbery", kA, "pz1_w" + std::to_string(i)));
  for (int i = 0; i < 4; ++i) in.facts.push_back(Crime(Day(9, 1 + i), "theft", kB, "pz1_v0"));
  for (int i = 0; i < 15; ++i) in.facts.push_back(Crime(Day(9, 1 + i), "criminal_damage", kB, "pz1_x" + std::to_string(i)));
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

int64_t Number(const nlohmann::json& v) {
  int64_t n = -1;
  EXPECT_TRUE(v.is_string() && IsPublishedNumber(v.get<std::string>(), &n)) << v;
  return n;
}

TEST(PublishTest, SmallCountsHiddenOthersPerturbedWithinThePTable) {
  nlohmann::json f = PublishFigures(Input());
  EXPECT_EQ(f["disclosure"]["method"], "cell_key");
  EXPECT_EQ(f["disclosure"]["max_perturbation"], kMaxPerturbation);
  const int64_t robbery = Number((*Row(f, "month", "2026-09", "robbery", kA))["count"]);
  EXPECT_LE(std::abs(robbery - 12), kMaxPerturbation);
  EXPECT_EQ((*Row(f, "month", "2026-09", "theft", kB))["count"], "<10");
  EXPECT_EQ((*Row(f, "month", "2026-10", "robbery", kA))["count"], "<10");
  // A zero inside the grid is hidden like a small count.
  EXPECT_EQ((*Row(f, "month", "2026-09", "theft", kA))["count"], "<10");
  // The same records give the same count in every table: all September
  // robbery in kA is also the quarter's (October's 3 are in Q4).
  EXPECT_EQ((*Row(f, "quarter", "2026-Q3", "robbery", kA))["count"], (*Row(f, "month", "2026-09", "robbery", kA))["count"]);
  // Changes come from published counts only.
  EXPECT_EQ((*Row(f, "month", "2026-10", "robbery", kA))["change_vs_previous"], "");
  EXPECT_TRUE(f["disclosure"]["attacker_check"]["withheld"].is_array());
}

TEST(PublishTest, StableAcrossRuns) {
  nlohmann::json a = PublishFigures(Input()), b = PublishFigures(Input());
  EXPECT_EQ(a["counts"], b["counts"]);
  EXPECT_EQ(a["health"], b["health"]);
}

TEST(PublishTest, ThresholdZeroIsHonoured) {
  nlohmann::json f = PublishFigures(Input(0));
  EXPECT_EQ(f["thresholds"]["isa-crime"], 0);
  for (const auto& r : f["counts"]) {
    EXPECT_EQ(r["threshold"], 0);
    EXPECT_FALSE(r["count"].get<std::string>().starts_with("<")) << r.dump();
  }
  const int64_t theft = Number((*Row(f, "month", "2026-09", "theft", kB))["count"]);
  EXPECT_LE(std::abs(theft - 4), kMaxPerturbation);
  EXPECT_EQ(f.dump().find("\"<10\""), std::string::npos);
}

TEST(PublishTest, NoComparisonWithoutEarlierData) {
  nlohmann::json f = PublishFigures(Input());
  const auto& first = *Row(f, "month", "2026-09", "robbery", kA);
  EXPECT_EQ(first["previous_period"], "no earlier data");
  EXPECT_EQ(first["same_period_last_year"], "no earlier data");
  EXPECT_EQ(first["change_vs_last_year"], "");
  EXPECT_EQ(first["change_vs_previous"], "");
}

TEST(PublishTest, FreshnessFromTheEventAndTheArrival) {
  PublishInput in = Input();
  for (Fact& x : in.facts) x.received_at = Day(11, 20) - absl::Hours(2);  // synced just now
  nlohmann::json f = PublishFigures(in);
  const auto& d = f["health"]["datasets"][0];
  EXPECT_EQ(d["hours_since_last_received"], 2);
  // The newest event is 3 October: weeks old, and said so.
  EXPECT_EQ(d["hours_since_last_event"], absl::ToInt64Hours(Day(11, 20) - Day(10, 3)));
}

TEST(PublishTest, OneNewRecordDoesNotFlipTotalsToWithheld) {
  PublishInput in = Input();
  nlohmann::json before = PublishFigures(in);
  in.facts.push_back(Crime(Day(10, 5), "theft", kA, "pz1_new"));
  nlohmann::json after = PublishFigures(in);
  EXPECT_TRUE(IsPublishedNumber(before["records"].get<std::string>()));
  EXPECT_TRUE(IsPublishedNumber(after["records"].get<std::string>()));
  EXPECT_TRUE(IsPublishedNumber(after["health"]["datasets"][0]["records_received"].get<std::string>()));
  // Unchanged cells (September) keep their published counts exactly.
  EXPECT_EQ((*Row(before, "month", "2026-09", "robbery", kA))["count"],
            (*Row(after, "month", "2026-09", "robbery", kA))["count"]);
}

TEST(PublishTest, TheAttackerFindsNothingInThePack) {
  PublishInput in = Input();
  nlohmann::json f = PublishFigures(in);
  AttackReport r = AttackPack(f, in.facts);
  EXPECT_TRUE(r.inconsistent.empty()) << r.inconsistent.front();
  EXPECT_GT(r.protected_, 5u);
  EXPECT_TRUE(r.leaks.empty()) << r.leaks.front().what;
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
  // 30 distinct victims (perturbed), none repeat (under the threshold).
  EXPECT_LE(std::abs(Number(f["repeat_victimisation"][0]["victims"]) - 30), kMaxPerturbation);
  EXPECT_EQ(f["repeat_victimisation"][0]["repeat_victims"], "<10");
  const auto& health = f["health"];
  ASSERT_EQ(health["datasets"].size(), 1u);
  EXPECT_LE(std::abs(Number(health["datasets"][0]["records_received"]) - 34), kMaxPerturbation);
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

TEST(ReportTest, CsvShowsExactlyThePublishedCounts) {
  nlohmann::json f = PublishFigures(Input());
  const std::string csv = RenderCsv(f).at("counts.csv");
  for (const auto& r : f["counts"]) {
    EXPECT_NE(csv.find(absl::StrCat(",", r["count"].get<std::string>(), ",")), std::string::npos) << r.dump();
  }
}

}  // namespace
}  // namespace accord::analyst
