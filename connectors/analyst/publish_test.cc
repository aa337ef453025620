#include "publish.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "audit.h"
#include "gtest/gtest.h"
#include "periods.h"
#include "report_csv.h"
#include "report_html.h"
#include "suppression.h"

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

// ---------------------------------------------------------------------------
// The linked-tables attacker (one dataset). It reads only the published JSON and knows what
// every figure means: a count row is the number of records of its category
// (or all) x area (or all) in its period; a row that is absent is 0; a change
// is the difference of two counts; the health table's records_received and
// last_week are the all-time and last-week totals; the top-level record count
// is everyone's total; displacement rows are month totals of a cell and of
// its neighbours. The unknowns are the counts per category x area x
// (week n month) segment, the finest split any figure can see. It solves every
// visible figure together (Gauss-Jordan, with non-negativity: a visible 0
// makes all its segments 0) and reports each hidden figure that lies in the
// span of the visible ones, with the value it recovers.
// ---------------------------------------------------------------------------

namespace accord::analyst {
namespace {

struct Span {
  absl::CivilDay first, last;  // inclusive
};

Span PeriodDays(const std::string& kind, const std::string& label) {
  int year = 0, n = 0;
  if (kind == "week") {
    std::sscanf(label.c_str(), "%d-W%d", &year, &n);
    absl::CivilDay jan4(year, 1, 4);
    int back = (static_cast<int>(absl::GetWeekday(jan4)) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
    absl::CivilDay monday = jan4 - back + 7 * (n - 1);
    return {monday, monday + 6};
  }
  if (kind == "month") {
    std::sscanf(label.c_str(), "%d-%d", &year, &n);
    absl::CivilMonth m(year, n);
    return {absl::CivilDay(m), absl::CivilDay(m + 1) - 1};
  }
  std::sscanf(label.c_str(), "%d-Q%d", &year, &n);
  absl::CivilMonth m(year, 3 * (n - 1) + 1);
  return {absl::CivilDay(m), absl::CivilDay(m + 3) - 1};
}

std::string Shift(const std::string& kind, const std::string& label, int periods) {
  Span s = PeriodDays(kind, label);
  absl::CivilDay d = s.first;
  if (kind == "week") d += 7 * periods;
  if (kind == "month") d = absl::CivilDay(absl::CivilMonth(d) + periods);
  if (kind == "quarter") d = absl::CivilDay(absl::CivilMonth(d) + 3 * periods);
  absl::Time t = absl::FromCivil(d, absl::UTCTimeZone());
  PeriodKind k = kind == "week" ? PeriodKind::kWeek : kind == "month" ? PeriodKind::kMonth : PeriodKind::kQuarter;
  return PeriodLabel(k, PeriodIndex(k, t));
}

class Attacker {
 public:
  struct Leak {
    std::string what;
    double value;
  };

  explicit Attacker(const nlohmann::json& f) {
    // The universe: every category, area and day any count row mentions.
    absl::CivilDay first(9999, 1, 1), last(1, 1, 1);
    for (const auto& r : f["counts"]) {
      if (r["category"] != "all") categories_.insert(Str(r["category"]));
      if (r["area"] != "all") areas_.insert(Str(r["area"]));
      Span s = PeriodDays(Str(r["period_kind"]), Str(r["period"]));
      first = std::min(first, s.first);
      last = std::max(last, s.last);
    }
    // Segments: runs of days in the same ISO week and month.
    for (absl::CivilDay d = first; d <= last; ++d) {
      auto key = std::make_pair(PeriodIndex(PeriodKind::kWeek, absl::FromCivil(d, absl::UTCTimeZone())),
                                absl::CivilMonth(d));
      if (segments_.empty() || segment_key_.back() != key) {
        segments_.push_back({d, d});
        segment_key_.push_back(key);
      } else {
        segments_.back().last = d;
      }
    }
    for (const auto& c : categories_) {
      for (const auto& a : areas_) {
        for (size_t s = 0; s < segments_.size(); ++s) unknown_[{c, a, s}] = static_cast<int>(unknown_.size());
      }
    }
    // Every count row, and 0 for every absent combination in the span.
    std::map<std::tuple<std::string, std::string, std::string, std::string>, std::string> published;
    for (const auto& r : f["counts"]) {
      published[{Str(r["period_kind"]), Str(r["period"]), Str(r["category"]), Str(r["area"])}] = Str(r["count"]);
    }
        std::vector<std::string> cats(categories_.begin(), categories_.end()), areas(areas_.begin(), areas_.end());
    cats.push_back("all");
    areas.push_back("all");
    for (const std::string kind : {"week", "month", "quarter"}) {
      // Every period of the kind overlapping the span.
      std::set<std::string> labels;
      for (absl::CivilDay d = first; d <= last; ++d) {
        absl::Time t = absl::FromCivil(d, absl::UTCTimeZone());
        PeriodKind k = kind == "week" ? PeriodKind::kWeek : kind == "month" ? PeriodKind::kMonth : PeriodKind::kQuarter;
        labels.insert(PeriodLabel(k, PeriodIndex(k, t)));
      }
      for (const auto& label : labels) {
        for (const auto& c : cats) {
          for (const auto& a : areas) {
            auto it = published.find({kind, label, c, a});
            Figure(Count(kind, label, c, a), it == published.end() ? "0" : it->second,
                   absl::StrCat(kind, " ", label, " ", c, " x ", a));
          }
        }
      }
    }
    // Changes: count - previous (or same period last year).
    for (const auto& r : f["counts"]) {
      std::string kind = Str(r["period_kind"]), label = Str(r["period"]), c = Str(r["category"]), a = Str(r["area"]);
      int per_year = kind == "week" ? 52 : kind == "month" ? 12 : 4;
      for (auto [field, back] : {std::pair{"change_vs_previous", 1}, std::pair{"change_vs_last_year", per_year}}) {
        if (Str(r[field]).empty()) continue;
        std::vector<double> v = Count(kind, label, c, a), prev = Count(kind, Shift(kind, label, -back), c, a);
        for (size_t i = 0; i < v.size(); ++i) v[i] -= prev[i];
        Figure(v, Str(r[field]), "change");
      }
    }
    // Health and the overall record count: all-time and last-week totals.
    for (const auto& d : f["health"]["datasets"]) {
      Figure(std::vector<double>(unknown_.size(), 1.0), Str(d["records_received"]), "records_received");
      absl::Time as_of;
      std::string err;
      EXPECT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", Str(f["as_of"]), &as_of, &err));
      std::string week = PeriodLabel(PeriodKind::kWeek, PeriodIndex(PeriodKind::kWeek, as_of) - 1);
      if (PeriodDays("week", week).first >= first && PeriodDays("week", week).last <= last) {
        Figure(Count("week", week, "all", "all"), Str(d["last_week"]), "last_week");
      }
    }
    Figure(std::vector<double>(unknown_.size(), 1.0), Str(f["records"]), "records");
    // Displacement: month totals of a cell and of its neighbours.
    for (const auto& d : f["displacement"]) {
      for (auto [field, period] : {std::pair{"previous", "previous_period"}, std::pair{"current", "current_period"}}) {
        Figure(Count("month", Str(d[period]), "all", Str(d["cell"])), Str(d[field]), "displacement");
        std::vector<double> n(unknown_.size(), 0.0);
        for (const std::string& cell : GridNeighbours(Str(d["cell"]))) {
          if (!areas_.count(cell)) continue;
          std::vector<double> v = Count("month", Str(d[period]), "all", cell);
          for (size_t i = 0; i < n.size(); ++i) n[i] += v[i];
        }
        Figure(n, Str(d[absl::StrCat("neighbours_", field)]), "displacement neighbours");
      }
    }
  }

  // Every hidden figure the visible ones pin, with the value recovered.
  std::vector<Leak> Leaks() const {
    const size_t n = unknown_.size();
    // Non-negativity: a visible 0 makes each of its segments 0.
    std::vector<bool> zero(n, false);
    for (const auto& [v, value] : visible_) {
      // (Counts only: a change of 0 says nothing about signs.)
      if (value != 0 || std::any_of(v.begin(), v.end(), [](double x) { return x < 0; })) continue;
      for (size_t i = 0; i < n; ++i) zero[i] = zero[i] || v[i] != 0;
    }
    // Gauss-Jordan on [visible | value], zero segments as unit rows.
    std::vector<std::vector<double>> m;
    for (const auto& [v, value] : visible_) {
      m.push_back(v);
      m.back().push_back(value);
    }
    for (size_t i = 0; i < n; ++i) {
      if (!zero[i]) continue;
      m.emplace_back(n + 1, 0.0);
      m.back()[i] = 1;
    }
    std::vector<int> pivot_of_row;
    size_t r = 0;
    for (size_t c = 0; c < n && r < m.size(); ++c) {
      size_t best = r;
      for (size_t i = r; i < m.size(); ++i) {
        if (std::fabs(m[i][c]) > std::fabs(m[best][c])) best = i;
      }
      if (std::fabs(m[best][c]) < 1e-9) continue;
      std::swap(m[r], m[best]);
      double p = m[r][c];
      for (double& x : m[r]) x /= p;
      for (size_t i = 0; i < m.size(); ++i) {
        if (i == r || std::fabs(m[i][c]) < 1e-12) continue;
        double k = m[i][c];
        for (size_t j = 0; j <= n; ++j) m[i][j] -= k * m[r][j];
      }
      pivot_of_row.push_back(static_cast<int>(c));
      ++r;
    }
    std::vector<Leak> leaks;
    for (const auto& [what, v] : hidden_) {
      std::vector<double> t = v;
      double value = 0;
      for (size_t i = 0; i < r; ++i) {
        double k = t[pivot_of_row[i]];
        if (std::fabs(k) < 1e-12) continue;
        for (size_t j = 0; j < n; ++j) t[j] -= k * m[i][j];
        value += k * m[i][n];
      }
      double residual = 0;
      for (double x : t) residual = std::max(residual, std::fabs(x));
      if (residual < 1e-6) leaks.push_back({what, value});
    }
    return leaks;
  }

  size_t hidden() const { return hidden_.size(); }
  static std::string Str(const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

  // Soundness of the attacker's reading: every visible figure holds for the
  // true counts. Returns the figures that do not.
  std::string Inconsistent(const std::vector<Fact>& facts) const {
    std::vector<double> x(unknown_.size(), 0.0);
    for (const Fact& f : facts) {
      absl::CivilDay d = absl::ToCivilDay(f.event_time, absl::UTCTimeZone());
      for (size_t s = 0; s < segments_.size(); ++s) {
        if (d >= segments_[s].first && d <= segments_[s].last) x[unknown_.at({f.category, f.area, s})] += 1;
      }
    }
    std::string out;
    for (size_t k = 0; k < visible_.size(); ++k) {
      double sum = 0;
      for (size_t i = 0; i < x.size(); ++i) sum += visible_[k].first[i] * x[i];
      if (std::fabs(sum - visible_[k].second) > 1e-9) absl::StrAppend(&out, visible_what_[k], ": ", visible_[k].second, " but true ", sum, "\n");
    }
    return out;
  }

 private:

  std::vector<double> Count(const std::string& kind, const std::string& label, const std::string& c,
                            const std::string& a) const {
    std::vector<double> v(unknown_.size(), 0.0);
    Span p = PeriodDays(kind, label);
    for (const auto& [key, i] : unknown_) {
      auto [cat, area, s] = key;
      if ((c == "all" || c == cat) && (a == "all" || a == area) && segments_[s].first >= p.first &&
          segments_[s].last <= p.last) {
        v[i] = 1;
      }
    }
    return v;
  }

  void Figure(std::vector<double> v, const std::string& published, const std::string& what) {
    double value = 0;
    if (absl::SimpleAtod(published, &value)) {
      visible_.emplace_back(std::move(v), value);
      visible_what_.push_back(what);
    } else if (published.starts_with("<") || published == kWithheld) {
      hidden_.emplace_back(what, std::move(v));
    }  // "", "withheld": not published
  }

  std::set<std::string> categories_, areas_;
  std::vector<Span> segments_;
  std::vector<std::pair<long, absl::CivilMonth>> segment_key_;
  std::map<std::tuple<std::string, std::string, size_t>, int> unknown_;
  std::vector<std::pair<std::vector<double>, double>> visible_;
  std::vector<std::string> visible_what_;
  std::vector<std::pair<std::string, std::vector<double>>> hidden_;
};

std::string Describe(const std::vector<Attacker::Leak>& leaks) {
  std::string out;
  for (const auto& l : leaks) absl::StrAppend(&out, l.what, " = ", l.value, "\n");
  return out;
}

Fact CrimeAt(absl::CivilDay d, const std::string& category, const std::string& area) {
  return Crime(absl::FromCivil(d, absl::UTCTimeZone()) + absl::Hours(12), category, area, "pz1_" + category);
}

TEST(PublishAttackTest, AttackerRecoversAFigureThatIsNotHidden) {
  // Sanity of the attacker: mark a published month total hidden and it is
  // worked out again (quarter minus the other months, or weeks).
  nlohmann::json f = PublishFigures(Input());
  for (auto& r : f["counts"]) {
    if (r["period_kind"] == "month" && r["period"] == "2026-09" && r["category"] == "all" && r["area"] == "all") {
      ASSERT_EQ(r["count"], "31");
      r["count"] = "[c]";
    }
  }
  auto leaks = Attacker(f).Leaks();
  bool found = false;
  for (const auto& l : leaks) found |= l.what == "month 2026-09 all x all" && std::fabs(l.value - 31) < 1e-6;
  EXPECT_TRUE(found) << Describe(leaks);
}

TEST(PublishAttackTest, WeekCannotBeWorkedOutFromItsMonth) {
  // February 2027 is exactly ISO weeks 5-8. Robbery in A: 12, 12, 12 and 3
  // (threshold 10), theft in B: 20 a week. Published per table, the 3 was
  // the month's 39 minus the three visible weeks.
  PublishInput in;
  in.terms.threshold["isa-crime"] = 10;
  in.as_of = absl::FromCivil(absl::CivilDay(2027, 3, 10), absl::UTCTimeZone());
  const std::string a = "BNG250:514000:207000", b = "BNG250:520000:207000";
  for (int w = 0; w < 4; ++w) {
    for (int i = 0; i < (w < 3 ? 12 : 3); ++i) in.facts.push_back(CrimeAt(absl::CivilDay(2027, 2, 1 + 7 * w + i % 7), "robbery", a));
    for (int i = 0; i < 20; ++i) in.facts.push_back(CrimeAt(absl::CivilDay(2027, 2, 1 + 7 * w + i % 7), "theft", b));
  }
  nlohmann::json f = PublishFigures(in);
  EXPECT_EQ((*Row(f, "week", "2027-W08", "robbery", a))["count"], "<10");
  Attacker attacker(f);
  EXPECT_EQ(attacker.Inconsistent(in.facts), "");
  EXPECT_GT(attacker.hidden(), 0u);
  auto leaks = attacker.Leaks();
  EXPECT_TRUE(leaks.empty()) << Describe(leaks);
}

TEST(PublishAttackTest, WeekStraddlingTwoMonthsLinksThem) {
  // ISO week 2026-W40 runs Mon 28 Sep to Sun 4 Oct. Robbery in A has
  // records on both sides of the month end; a small week must not be
  // derivable from September + October minus the other weeks.
  PublishInput in;
  in.terms.threshold["isa-crime"] = 5;
  in.as_of = absl::FromCivil(absl::CivilDay(2026, 11, 20), absl::UTCTimeZone());
  const std::string a = "BNG250:514000:207000", b = "BNG250:514250:207000";
  auto add = [&](absl::CivilDay d, int n, const std::string& cat, const std::string& area) {
    for (int i = 0; i < n; ++i) in.facts.push_back(CrimeAt(d, cat, area));
  };
  add(absl::CivilDay(2026, 9, 21), 8, "robbery", a);   // W39
  add(absl::CivilDay(2026, 9, 29), 1, "robbery", a);   // W40, September side
  add(absl::CivilDay(2026, 10, 2), 2, "robbery", a);   // W40, October side
  add(absl::CivilDay(2026, 10, 6), 9, "robbery", a);   // W41
  add(absl::CivilDay(2026, 9, 22), 7, "theft", b);
  add(absl::CivilDay(2026, 9, 30), 6, "theft", b);
  add(absl::CivilDay(2026, 10, 7), 9, "theft", b);
  nlohmann::json f = PublishFigures(in);
  EXPECT_EQ((*Row(f, "week", "2026-W40", "robbery", a))["count"], "<5");
  auto leaks = Attacker(f).Leaks();
  EXPECT_TRUE(leaks.empty()) << Describe(leaks);
}

TEST(PublishAttackTest, RandomLinkedTablesResistTheAttack) {
  // Known random inputs over four months (weeks straddling every month end),
  // three categories x three areas: no hidden figure in any table can be
  // worked out from every published figure together.
  const std::vector<std::string> areas = {"BNG250:514000:207000", "BNG250:514250:207000", "BNG250:514000:207250"};
  const std::vector<std::string> cats = {"robbery", "theft", "criminal_damage"};
  for (int seed = 1; seed <= 6; ++seed) {
    std::mt19937 rng(seed);
    PublishInput in;
    in.terms.threshold["isa-crime"] = seed % 2 ? 5 : 10;
    in.as_of = absl::FromCivil(absl::CivilDay(2026, 12, 3), absl::UTCTimeZone());
    int records = 150 + 50 * seed;
    for (int i = 0; i < records; ++i) {
      absl::CivilDay d = absl::CivilDay(2026, 8, 1) + static_cast<int>(rng() % 122);
      // Skewed: one busy cell, the rest sparse.
      int c = rng() % 2 ? 0 : static_cast<int>(rng() % 3), a = rng() % 2 ? 0 : static_cast<int>(rng() % 3);
      in.facts.push_back(CrimeAt(d, cats[c], areas[a]));
    }
    nlohmann::json f = PublishFigures(in);
    Attacker attacker(f);
    SCOPED_TRACE(seed);
    EXPECT_EQ(attacker.Inconsistent(in.facts), "");
    EXPECT_GT(attacker.hidden(), 10u);
    auto leaks = attacker.Leaks();
    EXPECT_TRUE(leaks.empty()) << Describe(leaks);
    // Not everything withheld: a fair share of month totals is published.
    int months = 0, published = 0;
    for (const auto& r : f["counts"]) {
      if (r["period_kind"] != "month" || r["area"] != "all") continue;
      ++months;
      published += std::isdigit(static_cast<unsigned char>(Attacker::Str(r["count"])[0])) ? 1 : 0;
    }
    EXPECT_GE(4 * published, months);
  }
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(PublishTest, UsualWeekOnlyWhenItsWeeksArePublished) {
  // The usual week is the median of the 8 weekly totals before last week;
  // Input() has a 2 in 2026-W38, inside that window, so it is withheld.
  nlohmann::json f = PublishFigures(Input());
  EXPECT_EQ(f["health"]["datasets"][0]["usual_week"], kWithheld);
  // 12 records every week for 10 weeks: all published, so is the median.
  PublishInput in;
  in.terms.threshold["isa-crime"] = 10;
  in.as_of = absl::FromCivil(absl::CivilDay(2026, 11, 20), absl::UTCTimeZone());
  for (int w = 0; w < 10; ++w) {
    for (int i = 0; i < 12; ++i) {
      in.facts.push_back(CrimeAt(absl::CivilDay(2026, 9, 7) + 7 * w + i % 7, "robbery", "BNG250:514000:207000"));
    }
  }
  f = PublishFigures(in);
  EXPECT_EQ(f["health"]["datasets"][0]["usual_week"], 12.0);
  auto leaks = Attacker(f).Leaks();
  EXPECT_TRUE(leaks.empty()) << Describe(leaks);
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(PublishTest, ProvidersOfOneDatasetDoNotAddUpToAWithheldTotal) {
  // Two forces send recorded_crime: 20 and 14 records, in September (31)
  // and October (3, withheld). The counts withhold the all-time 34 with
  // October; the health rows per provider must not show 20 and 14.
  PublishInput in = Input();
  for (size_t i = 0; i < in.facts.size(); ++i) {
    if (i % 2) in.facts[i].provider = "beds-police";
  }
  nlohmann::json f = PublishFigures(in);
  ASSERT_EQ(f["health"]["datasets"].size(), 2u);
  for (const auto& d : f["health"]["datasets"]) {
    EXPECT_EQ(d["records_received"], kWithheld) << d["provider"];
  }
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(PublishAttackTest, SixMonthsAcrossAYearEndResistTheAttack) {
  // Four categories x four areas, October 2026 to March 2027: ISO week
  // 2026-W53 straddles the year, two quarters, every month end straddled.
  const std::vector<std::string> areas = {"BNG250:514000:207000", "BNG250:514250:207000", "BNG250:514000:207250",
                                          "BNG250:514250:207250"};
  const std::vector<std::string> cats = {"robbery", "theft", "criminal_damage", "violence_with_injury"};
  for (int seed = 1; seed <= 2; ++seed) {
    std::mt19937 rng(100 + seed);
    PublishInput in;
    in.terms.threshold["isa-crime"] = seed == 1 ? 5 : 10;
    in.as_of = absl::FromCivil(absl::CivilDay(2027, 4, 2), absl::UTCTimeZone());
    for (int i = 0; i < 900; ++i) {
      absl::CivilDay d = absl::CivilDay(2026, 10, 1) + static_cast<int>(rng() % 182);
      int c = rng() % 3 ? static_cast<int>(rng() % 2) : static_cast<int>(rng() % 4);
      int a = rng() % 3 ? static_cast<int>(rng() % 2) : static_cast<int>(rng() % 4);
      in.facts.push_back(CrimeAt(d, cats[c], areas[a]));
    }
    nlohmann::json f = PublishFigures(in);
    ASSERT_NE(Row(f, "week", "2026-W53", "all", "all"), nullptr);
    Attacker attacker(f);
    SCOPED_TRACE(seed);
    EXPECT_EQ(attacker.Inconsistent(in.facts), "");
    EXPECT_GT(attacker.hidden(), 50u);
    auto leaks = attacker.Leaks();
    EXPECT_TRUE(leaks.empty()) << Describe(leaks);
  }
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(PublishTest, TotalsEqualToAPublishedCountArePublished) {
  // 14 A&E assault attendances, all in September (threshold 5), mostly at
  // one hour: the counts publish the all-time 14, so the linkage and
  // hotspot totals (the same 14) are public too, never a withheld partner.
  PublishInput in;
  in.terms.threshold["isa-ae"] = 5;
  in.as_of = absl::FromCivil(absl::CivilDay(2026, 11, 20), absl::UTCTimeZone());
  for (int i = 0; i < 14; ++i) {
    Fact f;
    f.agreement_id = "isa-ae";
    f.provider = "nhs-lister-ae";
    f.dataset = "ae_assault";
    f.source = Source::kAe;
    f.event_time = absl::FromCivil(absl::CivilDay(2026, 9, 7 + i), absl::UTCTimeZone());  // two full weeks
    f.category = "fist";
    f.area = "AL1 3";
    f.postcode_area = "AL1 3";
    f.location = i < 12 ? "The Crown, George Street" : "Bus station";
    f.hour_of_week = i < 13 ? 5 * 24 + 22 : 2 * 24 + 3;
    in.facts.push_back(f);
  }
  nlohmann::json f = PublishFigures(in);
  EXPECT_EQ(f["health"]["datasets"][0]["records_received"], "14");
  EXPECT_EQ(f["cardiff_linkage"][0]["ae_assault_attendances"], "14");
  EXPECT_EQ(f["ae_hotspots"]["attendances"], "14");
  EXPECT_EQ(f["ae_hotspots"]["hour_of_week"][2]["hours"][3], "<5");
}

}  // namespace
}  // namespace accord::analyst
