// The attacker check (attack.h): it catches the leaks issue 15 found in
// threshold-only packs, reproduced here as fixtures; and it finds nothing in
// cell-key packs of the same data, nor in 100 random datasets.
#include "attack.h"
#include "attack_fixtures.h"

#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "audit.h"
#include "cell_key.h"
#include "gtest/gtest.h"
#include "periods.h"
#include "publish.h"

namespace accord::analyst {
namespace {

using nlohmann::json;
using namespace fixtures;  // NOLINT: the test fixtures

// recorded_crime, 2026-09, criminal damage: 10 cells "<10", total 10.
TEST(AttackFixtureTest, TenSmallCellsAndTheirTotal) {
  std::vector<Fact> facts;
  for (int i = 0; i < 10; ++i) facts.push_back(Record("recorded_crime", At(2026, 9, 2 + i), "criminal_damage", absl::StrCat("area", i)));
  for (int i = 0; i < 30; ++i) facts.push_back(Record("recorded_crime", At(2026, 9, 1 + i % 28), "theft", "area0"));
  const absl::Time as_of = At(2026, 10, 20);
  json pack = ThresholdOnlyPack(facts, 10, as_of);
  EXPECT_EQ((*CountRow(pack, "month", "2026-09", "criminal_damage", "all"))["count"], "10");
  AttackReport r = AttackPack(pack, facts);
  EXPECT_TRUE(r.inconsistent.empty()) << Describe(r);
  EXPECT_TRUE(LeaksFigure(r, "month 2026-09 criminal_damage x area3", 1)) << Describe(r);
  ExpectCellKeyPackClean(facts, 10, as_of);
}

// police_violence_victims, week 38: all = 19, robbery = 7, three "<5".
TEST(AttackFixtureTest, ThreeSmallCellsPinnedByTheirRow) {
  std::vector<Fact> facts;
  const absl::Time w38 = At(2026, 9, 15);  // Tuesday of ISO week 38
  for (int i = 0; i < 7; ++i) facts.push_back(Record("police_violence_victims", w38, "robbery", "sector1"));
  for (const char* c : {"assault", "wounding", "threats"}) {
    for (int i = 0; i < 4; ++i) facts.push_back(Record("police_violence_victims", w38, c, "sector1"));
  }
  const absl::Time as_of = At(2026, 10, 20);
  json pack = ThresholdOnlyPack(facts, 5, as_of);
  EXPECT_EQ((*CountRow(pack, "week", "2026-W38", "all", "all"))["count"], "19");
  AttackReport r = AttackPack(pack, facts);
  EXPECT_TRUE(LeaksFigure(r, "week 2026-W38 wounding x sector1", 4)) << Describe(r);
  ExpectCellKeyPackClean(facts, 5, as_of);
}

// asb_report, November: 106 total, 103 visible, three hidden cells of 1.
TEST(AttackFixtureTest, TotalMinusVisibleSplitAcrossHiddenCells) {
  std::vector<Fact> facts;
  for (int i = 0; i < 50; ++i) facts.push_back(Record("asb_report", At(2026, 11, 1 + i % 28), "noise", "ward_a"));
  for (int i = 0; i < 53; ++i) facts.push_back(Record("asb_report", At(2026, 11, 1 + i % 28), "vehicle", "ward_a"));
  for (const char* c : {"noise", "vehicle", "littering"}) facts.push_back(Record("asb_report", At(2026, 11, 3), c, "ward_b"));
  const absl::Time as_of = At(2026, 12, 20);
  json pack = ThresholdOnlyPack(facts, 10, as_of);
  EXPECT_EQ((*CountRow(pack, "month", "2026-11", "all", "all"))["count"], "106");
  AttackReport r = AttackPack(pack, facts);
  EXPECT_TRUE(LeaksFigure(r, "month 2026-11 littering x ward_b", 1)) << Describe(r);
  ExpectCellKeyPackClean(facts, 10, as_of);
}

// Displacement: a change of -3 for a cell that went 3 -> 0, threshold 5.
TEST(AttackFixtureTest, DisplacementChangeOfAHiddenCount) {
  std::vector<Fact> facts;
  const std::string cell = "BNG250:514000:207000";
  for (int i = 0; i < 3; ++i) facts.push_back(Record("recorded_crime", At(2026, 9, 3 + i), "robbery", cell));
  for (int i = 0; i < 40; ++i) facts.push_back(Record("recorded_crime", At(2026, 9 + i % 2, 1 + i % 28), "theft", "BNG250:514250:207000"));
  const absl::Time as_of = At(2026, 11, 3);
  json pack = ThresholdOnlyPack(facts, 5, as_of);
  pack["displacement"].push_back({{"dataset", "recorded_crime"}, {"cell", cell}, {"previous_period", "2026-09"},
                                  {"current_period", "2026-10"}, {"previous", "<5"}, {"current", "0"},
                                  {"change", "-3"}, {"neighbours_previous", ""}, {"neighbours_current", ""},
                                  {"neighbours_change", ""}});
  AttackReport r = AttackPack(pack, facts);
  EXPECT_TRUE(LeaksFigure(r, "month 2026-09 all x " + cell, 3)) << Describe(r);
  ExpectCellKeyPackClean(facts, 5, as_of);
}

// A hidden grand total that the health table's record count gives away.
TEST(AttackFixtureTest, HiddenTotalRecoveredFromTheHealthTable) {
  std::vector<Fact> facts;
  for (int i = 0; i < 8; ++i) facts.push_back(Record("asb_report", At(2026, 9, 1 + i), i % 2 ? "noise" : "vehicle", "ward_a"));
  const absl::Time as_of = At(2026, 10, 20);
  json pack = ThresholdOnlyPack(facts, 10, as_of);
  EXPECT_EQ((*CountRow(pack, "quarter", "2026-Q3", "all", "all"))["count"], "<10");
  EXPECT_EQ(pack["health"]["datasets"][0]["records_received"], "8");
  AttackReport r = AttackPack(pack, facts);
  EXPECT_TRUE(LeaksFigure(r, "quarter 2026-Q3 all x all", 8)) << Describe(r);
  ExpectCellKeyPackClean(facts, 10, as_of);
}

// The check does not cry wolf: a pack whose small cells are really open.
TEST(AttackFixtureTest, NoLeakWhereNothingPinsTheSmallCells) {
  std::vector<Fact> facts;
  for (int i = 0; i < 4; ++i) facts.push_back(Record("asb_report", At(2026, 9, 2), "noise", "ward_a"));
  for (int i = 0; i < 3; ++i) facts.push_back(Record("asb_report", At(2026, 9, 2), "vehicle", "ward_a"));
  json pack = ThresholdOnlyPack(facts, 10, At(2026, 10, 20));
  // Withhold every total: two cells in 1..9 each with nothing else known.
  for (auto& r : pack["counts"]) {
    if (r["category"] == "all" || r["area"] == "all") r["count"] = "[c]";
  }
  pack["health"]["datasets"][0]["records_received"] = "[c]";
  AttackReport r = AttackPack(pack, facts);
  EXPECT_TRUE(r.inconsistent.empty()) << Describe(r);
  EXPECT_TRUE(r.leaks.empty()) << Describe(r);
  EXPECT_GT(r.protected_, 0u);
}

// Threshold 0 (an action group's agreement): nothing is protected by a
// threshold, nothing is "<10".
TEST(AttackFixtureTest, ThresholdZeroHasNoSmallCellsToProtect) {
  std::vector<Fact> facts;
  for (int i = 0; i < 3; ++i) facts.push_back(Record("action_group", At(2026, 9, 2), "noise", "ward_a"));
  PublishInput in = InputFor(facts, 0, At(2026, 10, 20));
  json f = PublishFigures(in);
  EXPECT_EQ(f.dump().find("<10"), std::string::npos);
  AttackReport r = AttackPack(f, facts);
  EXPECT_EQ(r.protected_, 0u);
  EXPECT_TRUE(r.leaks.empty());
}

// 100 random datasets: several datasets and agreements (thresholds 0, 3, 5
// and 10), categories, grid-cell areas, months crossing a quarter and a year
// end, A&E assaults with locations and hours: the cell-key pack leaks nothing.
TEST(AttackRandomTest, HundredRandomDatasetsLeakNothing) {
  std::mt19937 rng(20261202);
  size_t protected_total = 0, withheld_total = 0;
  for (int round = 0; round < 100; ++round) {
    std::vector<Fact> facts;
    const int64_t thresholds[] = {0, 3, 5, 10};
    const int datasets = 1 + static_cast<int>(rng() % 2);
    std::map<std::string, int64_t> t_of;
    const absl::CivilDay start = absl::CivilDay(2026, 11, 1) + static_cast<int>(rng() % 60);
    const int days = 20 + static_cast<int>(rng() % 50);
    for (int d = 0; d < datasets; ++d) {
      const std::string ds = absl::StrCat("ds", d, "_", round);
      const int categories = 2 + static_cast<int>(rng() % 3), areas = 2 + static_cast<int>(rng() % 3);
      const int records = 10 + static_cast<int>(rng() % 90);
      for (int i = 0; i < records; ++i) {
        // Skewed: many small cells.
        int c = static_cast<int>(rng() % categories), a = static_cast<int>(rng() % areas);
        if (rng() % 3 == 0) c = a = 0;
        Fact f = Record(ds, absl::FromCivil(start + static_cast<int>(rng() % days), absl::UTCTimeZone()) + absl::Hours(rng() % 24),
                        absl::StrCat("cat", c), absl::StrCat("BNG250:", 514000 + 250 * a, ":207000"));
        if (rng() % 10 == 0) f.category.clear();  // some records without a category
        facts.push_back(f);
      }
      t_of["isa-" + ds] = thresholds[rng() % 4];
    }
    // Some A&E assault attendances.
    if (rng() % 2 == 0) {
      const int n = 5 + static_cast<int>(rng() % 40);
      for (int i = 0; i < n; ++i) {
        Fact f = Record("ae_assault", absl::FromCivil(start + static_cast<int>(rng() % days), absl::UTCTimeZone()),
                        absl::StrCat("method", rng() % 3), "AL1 4");
        f.source = Source::kAe;
        f.location = rng() % 2 ? "The Crown, George Street" : absl::StrCat("place ", rng() % 6);
        f.hour_of_week = static_cast<int>(rng() % 168);
        f.postcode_area = "AL1 4";
        facts.push_back(f);
      }
      t_of["isa-ae_assault"] = thresholds[rng() % 4];
    }
    PublishInput in;
    in.facts = facts;
    in.as_of = absl::FromCivil(start + days + 10, absl::UTCTimeZone());
    in.terms.threshold = t_of;
    json f = PublishFigures(in);
    const json& check = f["disclosure"]["attacker_check"];
    withheld_total += check["withheld"].size();
    // The check PublishFigures ran on the final figures...
    if (check["model_errors"] != 0 || check["recoverable_small_counts"] != 0) {
      FAIL() << "round " << round << "\n" << Describe(AttackPack(f, facts));
    }
    protected_total += check["small_counts_checked"].get<size_t>();
    // ... and, independently, on some of the packs as written.
    if (round % 10 == 0) {
      AttackReport r = AttackPack(f, facts);
      ASSERT_TRUE(r.inconsistent.empty()) << "round " << round << "\n" << Describe(r);
      ASSERT_TRUE(r.leaks.empty()) << "round " << round << "\n" << Describe(r);
    }
  }
  EXPECT_GT(protected_total, 500u);
  // How much the backstop had to withhold on top of the perturbation.
  std::printf("small counts checked: %zu, figures withheld by the backstop: %zu\n", protected_total, withheld_total);
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

// The component check (independent parts solved apart, verdicts cached,
// figures cleared by integer moves from the truth) finds exactly the leaks the
// whole-system solve finds, with the same proved ranges: on random packs,
// threshold-only ones (which leak) with random figures withheld (which splits
// and reshapes the system), and cell-key ones.
TEST(AttackComponentTest, SameVerdictsAsTheWholeSystemOnRandomPacks) {
  std::mt19937 rng(20261203);
  AttackOptions whole;
  whole.whole_system = true;
  whole.branch_and_bound_ms = 60000;  // exact: no time limit in practice on these
  size_t leaks_total = 0, compared = 0, multi_component = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<Fact> facts;
    const absl::CivilDay start = absl::CivilDay(2026, 9, 1) + static_cast<int>(rng() % 60);
    const int days = 10 + static_cast<int>(rng() % 40);
    const int datasets = 1 + static_cast<int>(rng() % 3);
    for (int d = 0; d < datasets; ++d) {
      const std::string ds = absl::StrCat("ds", d);
      const int categories = 2 + static_cast<int>(rng() % 3), areas = 1 + static_cast<int>(rng() % 3);
      const int records = 5 + static_cast<int>(rng() % 40);
      for (int i = 0; i < records; ++i) {
        int c = static_cast<int>(rng() % categories), a = static_cast<int>(rng() % areas);
        if (rng() % 3 == 0) c = a = 0;
        facts.push_back(Record(ds, absl::FromCivil(start + static_cast<int>(rng() % days), absl::UTCTimeZone()),
                               absl::StrCat("cat", c), absl::StrCat("area", a)));
      }
    }
    const int64_t t = 3 + static_cast<int64_t>(rng() % 8);
    const absl::Time as_of = absl::FromCivil(start + days + 5, absl::UTCTimeZone());
    json pack = ThresholdOnlyPack(facts, t, as_of);
    if (rng() % 2) {
      for (auto& r : pack["counts"]) {
        if (rng() % 4 == 0) r["count"] = "[c]";
      }
    }
    if (rng() % 2) pack["health"]["datasets"][0]["records_received"] = "[c]";
    std::vector<json> packs{pack};
    if (round % 3 == 0) {
      PublishInput in = InputFor(facts, t, as_of);
      packs.push_back(PublishFigures(in));
    }
    for (const json& p : packs) {
      AttackReport a = AttackPack(p, facts, whole);
      AttackReport b = AttackPack(p, facts);
      ASSERT_TRUE(a.inconsistent.empty()) << Describe(a);
      ASSERT_TRUE(b.inconsistent.empty()) << Describe(b);
      EXPECT_EQ(a.protected_, b.protected_) << "round " << round;
      ASSERT_EQ(a.leaks.size(), b.leaks.size()) << "round " << round << "\nwhole:\n" << Describe(a) << "components:\n" << Describe(b);
      for (size_t i = 0; i < a.leaks.size(); ++i) {
        EXPECT_EQ(a.leaks[i].pointer, b.leaks[i].pointer) << "round " << round;
        EXPECT_EQ(a.leaks[i].low, b.leaks[i].low) << "round " << round << " " << a.leaks[i].what;
        EXPECT_EQ(a.leaks[i].high, b.leaks[i].high) << "round " << round << " " << a.leaks[i].what;
      }
      // Every range the component check solved is the whole system's.
      std::map<std::string, std::pair<double, double>> exact;
      for (const auto& r : a.ranges) exact[r.pointer] = {r.low, r.high};
      for (const auto& r : b.ranges) {
        ASSERT_TRUE(exact.count(r.pointer)) << r.pointer;
        EXPECT_EQ(exact[r.pointer].first, r.low) << "round " << round << " " << r.pointer;
        EXPECT_EQ(exact[r.pointer].second, r.high) << "round " << round << " " << r.pointer;
      }
      leaks_total += a.leaks.size();
      multi_component += b.components > 1;
      ++compared;
    }
  }
  // The comparison saw leaks to find, and systems that really split.
  EXPECT_GT(leaks_total, 50u);
  EXPECT_GT(multi_component, 10u);
  std::printf("packs compared: %zu, leaks found by both: %zu, split into several components: %zu\n", compared,
              leaks_total, multi_component);
}

// The backstop with the component check (components and verdicts kept
// across rounds) withholds exactly what it withholds with the whole-system
// solve, round after round, and publishes the same pack.
TEST(AttackComponentTest, BackstopWithholdsTheSameAsTheWholeSystem) {
  std::mt19937 rng(20261204);
  size_t withheld_total = 0, multi_round = 0;
  for (int round = 0; round < 40; ++round) {
    std::vector<Fact> facts;
    const absl::CivilDay start = absl::CivilDay(2026, 10, 1) + static_cast<int>(rng() % 60);
    const int days = 20 + static_cast<int>(rng() % 40);
    for (int d = 0; d < 2; ++d) {
      const std::string ds = absl::StrCat("ds", d, "_", round);
      const int records = 10 + static_cast<int>(rng() % 60);
      for (int i = 0; i < records; ++i) {
        int c = static_cast<int>(rng() % 3), a = static_cast<int>(rng() % 3);
        if (rng() % 3 == 0) c = a = 0;
        facts.push_back(Record(ds, absl::FromCivil(start + static_cast<int>(rng() % days), absl::UTCTimeZone()),
                               absl::StrCat("cat", c), absl::StrCat("BNG250:", 514000 + 250 * a, ":207000")));
      }
    }
    PublishInput in = InputFor(facts, 3 + static_cast<int64_t>(rng() % 8), absl::FromCivil(start + days + 10, absl::UTCTimeZone()));
    json components = PublishFigures(in);
    in.attack.whole_system = true;
    in.attack.branch_and_bound_ms = 60000;
    json whole = PublishFigures(in);
    const json& a = whole["disclosure"]["attacker_check"];
    const json& b = components["disclosure"]["attacker_check"];
    ASSERT_EQ(a["withheld"], b["withheld"]) << "round " << round;
    EXPECT_EQ(a["rounds"], b["rounds"]) << "round " << round;
    EXPECT_EQ(b["recoverable_small_counts"], 0) << "round " << round;
    EXPECT_EQ(whole["counts"], components["counts"]) << "round " << round;
    withheld_total += b["withheld"].size();
    multi_round += b["rounds"].get<int>() > 1;
  }
  EXPECT_GT(multi_round, 3u);  // the cache was used across rounds
  std::printf("withheld by both: %zu, packs needing more than one round: %zu\n", withheld_total, multi_round);
}

}  // namespace
}  // namespace accord::analyst
