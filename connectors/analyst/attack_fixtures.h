// Fixtures for the attacker check's tests (attack_test.cc and the others):
// records, a threshold-only publisher of the kind issue 15 broke, and ways
// to look into an AttackReport. Test-only, header-only.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "attack.h"
#include "cell_key.h"
#include "gtest/gtest.h"
#include "periods.h"
#include "publish.h"

namespace accord::analyst::fixtures {

using nlohmann::json;

inline absl::Time At(int y, int m, int d) { return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone()) + absl::Hours(12); }

inline int serial = 0;
inline Fact Record(const std::string& dataset, absl::Time t, const std::string& category, const std::string& area) {
  Fact f;
  f.agreement_id = "isa-" + dataset;
  f.provider = "agency-" + dataset;
  f.dataset = dataset;
  f.event_time = t;
  f.received_at = t;
  f.category = category;
  f.area = area;
  f.fields_present = {"category", "area"};
  f.record_key = RecordKey(absl::StrCat("fixture-ref-", serial++));
  return f;
}

// A threshold-only publisher, the kind issue 15 broke: exact counts, every
// count 1..T-1 shown "<T", zero cells left out, totals shown, the health
// table's record count shown as is, changes as true differences.
inline json ThresholdOnlyPack(const std::vector<Fact>& facts, int64_t t, absl::Time as_of,
                       const std::vector<PeriodKind>& kinds = {PeriodKind::kWeek, PeriodKind::kMonth,
                                                               PeriodKind::kQuarter}) {
  json counts = json::array();
  auto show = [t](int64_t n) { return n > 0 && n < t ? absl::StrCat("<", t) : absl::StrCat(n); };
  std::map<std::tuple<std::string, int, long, std::string, std::string>, int64_t> cells;
  for (const Fact& f : facts) {
    for (PeriodKind kind : kinds) {
      const long p = PeriodIndex(kind, f.event_time);
      for (const auto& c : {f.category, std::string("all")}) {
        for (const auto& a : {f.area, std::string("all")}) ++cells[{f.dataset, static_cast<int>(kind), p, c, a}];
      }
    }
  }
  for (const auto& [key, n] : cells) {
    auto [ds, kind, p, c, a] = key;
    counts.push_back({{"dataset", ds}, {"threshold", t}, {"period_kind", PeriodKindName(static_cast<PeriodKind>(kind))},
                      {"period", PeriodLabel(static_cast<PeriodKind>(kind), p)}, {"category", c}, {"area", a},
                      {"count", show(n)}, {"change_vs_previous", ""}, {"change_vs_last_year", ""}});
  }
  std::map<std::pair<std::string, std::string>, int64_t> by_provider;
  for (const Fact& f : facts) ++by_provider[{f.provider, f.dataset}];
  json datasets = json::array();
  for (const auto& [pd, n] : by_provider) {
    datasets.push_back({{"provider", pd.first}, {"dataset", pd.second}, {"records_received", absl::StrCat(n)},
                        {"last_week", ""}});
  }
  return {{"as_of", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", as_of, absl::UTCTimeZone())},
          {"disclosure", {{"method", "threshold"}}},
          {"counts", counts},
          {"health", {{"datasets", datasets}}},
          {"displacement", json::array()}};
}

inline json* CountRow(json& f, const std::string& kind, const std::string& period, const std::string& c, const std::string& a) {
  for (auto& r : f["counts"]) {
    if (r["period_kind"] == kind && r["period"] == period && r["category"] == c && r["area"] == a) return &r;
  }
  return nullptr;
}

inline bool LeaksFigure(const AttackReport& r, const std::string& fragment, int64_t value) {
  for (const Leak& l : r.leaks) {
    if (l.what.find(fragment) != std::string::npos && l.true_value == value && l.low <= value && value <= l.high) {
      return true;
    }
  }
  return false;
}

inline std::string Describe(const AttackReport& r) {
  std::string out;
  for (const auto& s : r.inconsistent) absl::StrAppend(&out, "inconsistent: ", s, "\n");
  for (const Leak& l : r.leaks) absl::StrAppend(&out, l.what, " true ", l.true_value, " in [", l.low, ", ", l.high, "]\n");
  return out;
}

inline PublishInput InputFor(const std::vector<Fact>& facts, int64_t t, absl::Time as_of) {
  PublishInput in;
  in.facts = facts;
  in.as_of = as_of;
  for (const Fact& f : facts) in.terms.threshold[f.agreement_id] = t;
  return in;
}

// And the cell-key publisher on the same data: nothing to find.
inline void ExpectCellKeyPackClean(const std::vector<Fact>& facts, int64_t t, absl::Time as_of) {
  PublishInput in = InputFor(facts, t, as_of);
  json f = PublishFigures(in);
  AttackReport r = AttackPack(f, facts);
  EXPECT_TRUE(r.inconsistent.empty()) << Describe(r);
  EXPECT_TRUE(r.leaks.empty()) << Describe(r);
  EXPECT_GT(r.protected_, 0u);
}

}  // namespace accord::analyst::fixtures
