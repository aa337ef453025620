// The day period (periods.h, publish.h) and the attacker check over daily
// tables (attack.h): days sum to their week and month, consecutive days are
// compared, and a dataset whose event times are coarser than a day is left
// out of the daily tables with the reason.
#include <random>
#include <string>

#include "attack.h"
#include "attack_fixtures.h"
#include "gtest/gtest.h"
#include "periods.h"
#include "publish.h"
#include "report_csv.h"
#include "report_html.h"

namespace accord::analyst {
namespace {

using nlohmann::json;
using namespace fixtures;  // NOLINT: the test fixtures

const std::vector<PeriodKind> kAllKinds = {PeriodKind::kDay, PeriodKind::kWeek, PeriodKind::kMonth,
                                           PeriodKind::kQuarter};

// Daily tables on, every dataset's event times day-precise.
PublishInput DailyInput(const std::vector<Fact>& facts, int64_t t, absl::Time as_of) {
  PublishInput in = InputFor(facts, t, as_of);
  in.config.periods = kAllKinds;
  for (const Fact& f : facts) in.terms.event_time_by_dataset[f.dataset] = {"day", f.agreement_id};
  return in;
}

const json* Row(const json& f, const std::string& ds, const std::string& kind, const std::string& period,
                const std::string& c, const std::string& a) {
  for (const auto& r : f["counts"]) {
    if (r["dataset"] == ds && r["period_kind"] == kind && r["period"] == period && r["category"] == c &&
        r["area"] == a) {
      return &r;
    }
  }
  return nullptr;
}

TEST(PeriodsTest, DaysAreLabelledIndexedAndComparedWithTheSameWeekday) {
  const absl::Time t = At(2026, 9, 16);
  const long d = PeriodIndex(PeriodKind::kDay, t);
  EXPECT_EQ(PeriodLabel(PeriodKind::kDay, d), "2026-09-16");
  EXPECT_EQ(PeriodLabel(PeriodKind::kDay, d - 1), "2026-09-15");
  EXPECT_EQ(PeriodLabel(PeriodKind::kDay, PeriodIndex(PeriodKind::kDay, At(1970, 1, 1))), "1970-01-01");
  // A year back is 52 weeks: 2025-09-17 was a Wednesday, as 2026-09-16 is.
  EXPECT_EQ(PeriodLabel(PeriodKind::kDay, d - PeriodsPerYear(PeriodKind::kDay)), "2025-09-17");
  PeriodKind k;
  ASSERT_TRUE(ParsePeriodKind("day", &k));
  EXPECT_EQ(k, PeriodKind::kDay);
  EXPECT_FALSE(ParsePeriodKind("fortnight", &k));
}

// Seven records, one a day of week 2026-W38, in one cell: the threshold-only
// publisher shows the week (7) and hides each day ("<5"); days add up to
// their week, so each is 1.
TEST(AttackDayTest, DaysPinnedByTheirWeekTotal) {
  std::vector<Fact> facts;
  for (int i = 0; i < 7; ++i) facts.push_back(Record("asb_report", At(2026, 9, 14 + i), "noise", "a1"));
  for (int i = 0; i < 40; ++i) facts.push_back(Record("asb_report", At(2026, 9, 1 + i % 27), "litter", "a2"));
  const absl::Time as_of = At(2026, 10, 20);
  json weekly = ThresholdOnlyPack(facts, 5, as_of);
  AttackReport r = AttackPack(weekly, facts);
  EXPECT_TRUE(r.inconsistent.empty()) << Describe(r);
  EXPECT_TRUE(r.leaks.empty()) << Describe(r);  // no day tables: nothing small to find

  json daily = ThresholdOnlyPack(facts, 5, as_of, kAllKinds);
  ASSERT_NE(CountRow(daily, "day", "2026-09-16", "noise", "a1"), nullptr);
  EXPECT_EQ((*CountRow(daily, "day", "2026-09-16", "noise", "a1"))["count"], "<5");
  r = AttackPack(daily, facts);
  EXPECT_TRUE(r.inconsistent.empty()) << Describe(r);
  EXPECT_TRUE(LeaksFigure(r, "day 2026-09-16 noise x a1", 1)) << Describe(r);

  // The cell-key pack of the same data, daily tables included: clean.
  json f = PublishFigures(DailyInput(facts, 5, as_of));
  EXPECT_NE(Row(f, "asb_report", "day", "2026-09-16", "noise", "a1"), nullptr);
  EXPECT_EQ(f["disclosure"]["attacker_check"]["recoverable_small_counts"], 0);
  EXPECT_EQ(f["disclosure"]["attacker_check"]["model_errors"], 0);
}

// A month of small daily counts whose month total is shown: the days of a
// cell add up to the month, so with as many records as days each is 1.
TEST(AttackDayTest, DaysPinnedByTheirMonthTotal) {
  std::vector<Fact> facts;
  for (int i = 0; i < 12; ++i) facts.push_back(Record("asb_report", At(2026, 11, 1 + 2 * i), "arson", "a3"));
  for (int i = 0; i < 40; ++i) facts.push_back(Record("asb_report", At(2026, 11, 1 + i % 28), "litter", "a3"));
  const absl::Time as_of = At(2026, 12, 20);
  json daily = ThresholdOnlyPack(facts, 5, as_of, {PeriodKind::kDay, PeriodKind::kMonth});
  AttackReport r = AttackPack(daily, facts);
  EXPECT_TRUE(r.inconsistent.empty()) << Describe(r);
  EXPECT_TRUE(LeaksFigure(r, "day 2026-11-03 arson x a3", 1)) << Describe(r);
  json f = PublishFigures(DailyInput(facts, 5, as_of));
  EXPECT_EQ(f["disclosure"]["attacker_check"]["recoverable_small_counts"], 0);
  EXPECT_EQ(f["disclosure"]["attacker_check"]["model_errors"], 0);
}

// The same records give the same published count in every table: a day that
// holds all of its week's records carries the week's count.
TEST(AttackDayTest, ADayWithAllItsWeeksRecordsHasTheWeeksCount) {
  std::vector<Fact> facts;
  for (int i = 0; i < 23; ++i) facts.push_back(Record("recorded_crime", At(2026, 9, 16), "theft", "a1"));
  json f = PublishFigures(DailyInput(facts, 5, At(2026, 10, 20)));
  const json* day = Row(f, "recorded_crime", "day", "2026-09-16", "all", "all");
  const json* week = Row(f, "recorded_crime", "week", "2026-W38", "all", "all");
  ASSERT_NE(day, nullptr);
  ASSERT_NE(week, nullptr);
  EXPECT_EQ((*day)["count"], (*week)["count"]);
  // Consecutive days: the day before had no record of this dataset.
  EXPECT_EQ((*day)["previous_period"], "no earlier data");
  // The CSV and the HTML pack carry the daily rows.
  const std::string csv = RenderCsv(f).at("counts.csv");
  EXPECT_NE(csv.find(absl::StrCat("recorded_crime,5,day,2026-09-16,all,all,", (*day)["count"].get<std::string>(), ",")),
            std::string::npos)
      << csv;
  const std::string html = RenderHtml(f);
  EXPECT_NE(html.find("Daily: the last 14 days with records"), std::string::npos);
  EXPECT_NE(html.find(">2026-09-16</td>"), std::string::npos);
}

// Event times generalised to the week or the month (the agreement's flow
// event_time) are not guessed into days: the dataset is listed as not
// included, with the reason; month-precise times are not in weekly tables
// either.
TEST(PublishDayTest, CoarseEventTimesAreLeftOutOfDailyTablesWithTheReason) {
  std::vector<Fact> facts;
  for (int i = 0; i < 30; ++i) {
    facts.push_back(Record("daily_ds", At(2026, 9, 1 + i % 28), "theft", "a1"));
    facts.push_back(Record("weekly_ds", At(2026, 9, 7 + 7 * (i % 3)), "theft", "a1"));
    facts.push_back(Record("monthly_ds", At(2026, 9, 1), "theft", "a1"));
  }
  PublishInput in = DailyInput(facts, 5, At(2026, 10, 20));
  in.terms.event_time_by_dataset["weekly_ds"] = {"week", "isa-weekly_ds"};
  in.terms.event_time_by_dataset["monthly_ds"] = {"month", "isa-monthly_ds"};
  json f = PublishFigures(in);
  std::map<std::string, std::set<std::string>> kinds;
  for (const auto& r : f["counts"]) kinds[r["dataset"]].insert(r["period_kind"]);
  EXPECT_EQ(kinds["daily_ds"], (std::set<std::string>{"day", "week", "month", "quarter"}));
  EXPECT_EQ(kinds["weekly_ds"], (std::set<std::string>{"week", "month", "quarter"}));
  EXPECT_EQ(kinds["monthly_ds"], (std::set<std::string>{"month", "quarter"}));
  std::map<std::string, json> not_included;
  for (const auto& d : f["datasets"]) not_included[d["dataset"]] = d["not_included"];
  auto has = [&](const std::string& ds, const std::string& from, const std::string& because) {
    for (const auto& x : not_included[ds]) {
      if (x["from"] == from && x["because"].get<std::string>().find(because) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("weekly_ds", "daily tables", "its event times are generalised to the week (agreement isa-weekly_ds)"))
      << not_included["weekly_ds"].dump();
  EXPECT_TRUE(has("monthly_ds", "daily tables", "its event times are generalised to the month")) << not_included["monthly_ds"].dump();
  EXPECT_TRUE(has("monthly_ds", "weekly tables", "its event times are generalised to the month"));
  EXPECT_FALSE(has("daily_ds", "daily tables", ""));
  // Unknown precision (no agreement states it): no daily table either.
  in.terms.event_time_by_dataset.erase("daily_ds");
  f = PublishFigures(in);
  for (const auto& r : f["counts"]) EXPECT_FALSE(r["dataset"] == "daily_ds" && r["period_kind"] == "day");
  EXPECT_EQ(f["disclosure"]["attacker_check"]["model_errors"], 0);
}

// Random datasets with daily tables (several thresholds, skewed days and
// cells): the backstop leaves nothing recoverable, and the model holds at
// the truth (days, weeks, months, quarters and the changes between
// consecutive days all tie the same records).
TEST(AttackDayTest, RandomDailyPacksLeakNothing) {
  std::mt19937 rng(20261203);
  for (int run = 0; run < 12; ++run) {
    std::vector<Fact> facts;
    const int64_t t = std::vector<int64_t>{0, 3, 5, 10}[run % 4];
    const int n = 20 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) {
      const int day = static_cast<int>(rng() % 50);
      facts.push_back(Record(run % 2 ? "asb_report" : "recorded_crime", At(2026, 9, 1) + absl::Hours(24 * day),
                             std::vector<std::string>{"theft", "noise", "arson"}[rng() % 3],
                             std::vector<std::string>{"a1", "a2"}[rng() % 2]));
    }
    json f = PublishFigures(DailyInput(facts, t, At(2026, 11, 25)));
    const json check = f["disclosure"]["attacker_check"];
    EXPECT_EQ(check["recoverable_small_counts"], 0) << "run " << run;
    EXPECT_EQ(check["model_errors"], 0) << "run " << run;
    bool daily = false;
    for (const auto& r : f["counts"]) daily |= r["period_kind"] == "day";
    EXPECT_TRUE(daily) << "run " << run;
  }
}

}  // namespace
}  // namespace accord::analyst
