#include "attack.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "audit.h"
#include "cell_key.h"
#include "periods.h"

namespace accord::analyst {
namespace {

using nlohmann::json;
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Str(const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

struct Span {
  absl::CivilDay first, last;  // inclusive
};

bool KindOf(const std::string& kind, PeriodKind* out) {
  if (kind == "week") *out = PeriodKind::kWeek;
  else if (kind == "month") *out = PeriodKind::kMonth;
  else if (kind == "quarter") *out = PeriodKind::kQuarter;
  else return false;
  return true;
}

// The days of a period label ("2026-W38", "2026-09", "2026-Q3").
bool PeriodSpan(const std::string& kind, const std::string& label, Span* span) {
  int year = 0, n = 0;
  if (kind == "week") {
    if (std::sscanf(label.c_str(), "%d-W%d", &year, &n) != 2) return false;
    absl::CivilDay jan4(year, 1, 4);
    int back = (static_cast<int>(absl::GetWeekday(jan4)) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
    absl::CivilDay monday = jan4 - back + 7 * (n - 1);
    *span = {monday, monday + 6};
    return true;
  }
  if (kind == "month") {
    if (std::sscanf(label.c_str(), "%d-%d", &year, &n) != 2) return false;
    absl::CivilMonth m(year, n);
    *span = {absl::CivilDay(m), absl::CivilDay(m + 1) - 1};
    return true;
  }
  if (kind == "quarter") {
    if (std::sscanf(label.c_str(), "%d-Q%d", &year, &n) != 2) return false;
    absl::CivilMonth m(year, 3 * (n - 1) + 1);
    *span = {absl::CivilDay(m), absl::CivilDay(m + 3) - 1};
    return true;
  }
  return false;
}

// The label `back` periods before `label` (of the same kind).
std::string ShiftLabel(const std::string& kind, const std::string& label, long back) {
  PeriodKind k;
  Span s;
  if (!KindOf(kind, &k) || !PeriodSpan(kind, label, &s)) return "";
  return PeriodLabel(k, PeriodIndex(k, absl::FromCivil(s.first, absl::UTCTimeZone())) - back);
}

struct Method {
  bool cell_key = false;
  int64_t d = 0;  // largest perturbation
};

// What a published string says about the true count.
struct Form {
  bool known = false;
  double lo = 0, hi = kInf;
  bool number = false;
};

Form Interval(const std::string& s, int64_t t, const Method& m) {
  Form f;
  int64_t v = 0;
  if (IsPublishedNumber(s, &v)) {
    f.known = f.number = true;
    if (!m.cell_key) {
      f.lo = f.hi = static_cast<double>(v);
    } else {
      f.lo = static_cast<double>(std::max<int64_t>({0, v - m.d, t > 0 ? t : 0}));
      f.hi = static_cast<double>(v + m.d);
    }
    return f;
  }
  if (s.size() > 1 && s[0] == '<' && absl::SimpleAtoi(s.substr(1), &v)) {
    f.known = true;
    if (m.cell_key) {
      f.lo = 0;
      f.hi = static_cast<double>(v - 1 + m.d);
    } else {
      f.lo = 1;
      f.hi = static_cast<double>(v - 1);
    }
  }
  return f;  // "[c]", "", "withheld", "no earlier data": nothing
}

using Sparse = std::vector<std::pair<int, double>>;

struct Figure {
  Sparse coef;
  double constant = 0;  // known part of the figure
  double lo = -kInf, hi = kInf;  // bounds on coef.x + constant
  std::string what, pointer, published;
  int64_t threshold = 0;
  bool is_count = false;  // a count a reader sees (may be protected)
  double prior_width = kInf;
  bool number = false;
};

class Model {
 public:
  Model(const json& f, const std::vector<Fact>& facts) : f_(f) {
    const json& d = f.contains("disclosure") ? f["disclosure"] : json::object();
    method_.cell_key = d.is_object() && d.value("method", "") == "cell_key";
    method_.d = method_.cell_key ? d.value("max_perturbation", int64_t{0}) : 0;
    BuildCounts(facts);
    BuildHealth(facts);
    BuildDisplacement();
    BuildLinkage(facts);
    BuildHotspots(facts);
    BuildRepeat(facts);
    BuildInterventions();
    BuildNeighbourhoods();
  }

  std::vector<Figure>& figures() { return figures_; }
  const std::vector<double>& truth() const { return truth_; }
  size_t vars() const { return truth_.size(); }
  double Truth(const Figure& fig) const {
    double v = fig.constant;
    for (auto [i, c] : fig.coef) v += c * truth_[i];
    return v;
  }

 private:
  int Var(double truth) {
    truth_.push_back(truth);
    return static_cast<int>(truth_.size()) - 1;
  }

  // A published figure: coef.x + constant is what `published` says.
  void Add(Sparse coef, double constant, const std::string& published, int64_t t, const std::string& what,
           const std::string& pointer, bool is_count = true) {
    Figure fig;
    fig.coef = std::move(coef);
    fig.constant = constant;
    fig.published = published;
    fig.threshold = t;
    fig.what = what;
    fig.pointer = pointer;
    fig.is_count = is_count;
    Form form = Interval(published, t, method_);
    if (form.known) {
      fig.lo = form.lo;
      fig.hi = form.hi;
      fig.prior_width = form.hi - form.lo;
      fig.number = form.number;
    }
    figures_.push_back(std::move(fig));
  }
  // A relation the attacker knows for sure: coef.x + constant in [lo, hi].
  void Relation(Sparse coef, double constant, double lo, double hi, const std::string& what) {
    Figure fig;
    fig.coef = std::move(coef);
    fig.constant = constant;
    fig.lo = lo;
    fig.hi = hi;
    fig.what = what;
    figures_.push_back(std::move(fig));
  }

  Sparse Count(const std::string& ds, const std::string& kind, const std::string& label, const std::string& c,
               const std::string& a) const {
    Sparse v;
    Span p;
    auto it = cells_.find(ds);
    if (it == cells_.end() || !PeriodSpan(kind, label, &p)) return v;
    for (const auto& [ca, segs] : it->second) {
      if ((c != "all" && c != ca.first) || (a != "all" && a != ca.second)) continue;
      for (auto [s, var] : segs) {
        if (segments_[s].first >= p.first && segments_[s].last <= p.last) v.emplace_back(var, 1.0);
      }
    }
    return v;
  }

  void BuildCounts(const std::vector<Fact>& facts) {
    if (!f_.contains("counts")) return;
    const json& rows = f_["counts"];
    absl::CivilDay first(9999, 1, 1), last(1, 1, 1);
    std::set<std::tuple<std::string, std::string, std::string, std::string, std::string>> exists;
    for (const auto& r : rows) {
      Span s;
      if (!PeriodSpan(Str(r["period_kind"]), Str(r["period"]), &s)) continue;
      first = std::min(first, s.first);
      last = std::max(last, s.last);
      exists.insert({Str(r["dataset"]), Str(r["period_kind"]), Str(r["period"]), Str(r["category"]), Str(r["area"])});
      threshold_[Str(r["dataset"])] = r.value("threshold", int64_t{0});
    }
    // Segments: runs of days in one ISO week and one month.
    std::map<absl::CivilDay, int> segment_of_day;
    for (absl::CivilDay d = first; d <= last; ++d) {
      long w = PeriodIndex(PeriodKind::kWeek, absl::FromCivil(d, absl::UTCTimeZone()));
      if (segments_.empty() || seg_week_.back() != w || absl::CivilMonth(segments_.back().first) != absl::CivilMonth(d)) {
        segments_.push_back({d, d});
        seg_week_.push_back(w);
      } else {
        segments_.back().last = d;
      }
      segment_of_day[d] = static_cast<int>(segments_.size()) - 1;
    }
    // True counts per dataset x category x area x segment.
    std::map<std::tuple<std::string, std::string, std::string, int>, double> truth;
    for (const Fact& x : facts) {
      if (x.category.empty() || x.area.empty()) {
        ++uncounted_[x.dataset];
        ++uncounted_week_[{x.dataset, PeriodIndex(PeriodKind::kWeek, x.event_time)}];
        continue;
      }
      auto it = segment_of_day.find(absl::ToCivilDay(x.event_time, absl::UTCTimeZone()));
      if (it == segment_of_day.end()) {
        ++outside_[x.dataset];
        continue;
      }
      truth[{x.dataset, x.category, x.area, it->second}] += 1;
    }
    // Unknowns: a segment of a category x area whose week, month and quarter
    // rows all exist (an absent row is 0).
    for (const auto& r : rows) {
      if (Str(r["period_kind"]) != "week" || r["category"] == "all" || r["area"] == "all") continue;
      const std::string ds = Str(r["dataset"]), c = Str(r["category"]), a = Str(r["area"]);
      Span w;
      if (!PeriodSpan("week", Str(r["period"]), &w)) continue;
      for (int s = segment_of_day[w.first]; s < static_cast<int>(segments_.size()) && segments_[s].last <= w.last; ++s) {
        absl::Time t = absl::FromCivil(segments_[s].first, absl::UTCTimeZone());
        if (!exists.count({ds, "month", PeriodLabel(PeriodKind::kMonth, PeriodIndex(PeriodKind::kMonth, t)), c, a}) ||
            !exists.count({ds, "quarter", PeriodLabel(PeriodKind::kQuarter, PeriodIndex(PeriodKind::kQuarter, t)), c, a})) {
          continue;
        }
        auto it = truth.find({ds, c, a, s});
        cells_[ds][{c, a}].emplace_back(s, Var(it == truth.end() ? 0 : it->second));
      }
    }
    // Records the unknowns miss (true counts there, e.g. a zero row the
    // publisher left out while records exist) make the model unsound:
    // Inconsistent() reports them through the figures they break.
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string ds = Str(r["dataset"]), kind = Str(r["period_kind"]), label = Str(r["period"]);
      const std::string c = Str(r["category"]), a = Str(r["area"]);
      const std::string what = absl::StrCat(ds, " ", kind, " ", label, " ", c, " x ", a);
      const int64_t t = r.value("threshold", int64_t{0});
      Add(Count(ds, kind, label, c, a), 0, Str(r["count"]), t, what, absl::StrCat("/counts/", i, "/count"));
      // Changes: differences of two counts (exact in old packs; within 2D
      // under perturbation, where they are differences of published counts).
      const long per_year = kind == "week" ? 52 : kind == "month" ? 12 : 4;
      for (auto [field, back] : {std::pair{"change_vs_previous", 1L}, std::pair{"change_vs_last_year", per_year}}) {
        int64_t change = 0;
        if (!r.contains(field) || !absl::SimpleAtoi(Str(r[field]), &change)) continue;
        Sparse v = Count(ds, kind, label, c, a);
        for (auto [var, k] : Count(ds, kind, ShiftLabel(kind, label, back), c, a)) v.emplace_back(var, -k);
        const double slack = 2.0 * static_cast<double>(method_.d);
        Relation(std::move(v), 0, static_cast<double>(change) - slack, static_cast<double>(change) + slack,
                 absl::StrCat(what, " ", field));
      }
    }
  }

  Sparse DatasetAll(const std::string& ds) const {
    Sparse v;
    auto it = cells_.find(ds);
    if (it == cells_.end()) return v;
    for (const auto& [ca, segs] : it->second) {
      for (auto [s, var] : segs) v.emplace_back(var, 1.0);
    }
    return v;
  }

  int64_t ThresholdOf(const std::string& ds, const std::string& published) const {
    auto it = threshold_.find(ds);
    if (it != threshold_.end()) return it->second;
    int64_t v = 0;
    if (published.size() > 1 && published[0] == '<' && absl::SimpleAtoi(published.substr(1), &v)) return v;
    return kDefaultThresholdForAttack;
  }
  static constexpr int64_t kDefaultThresholdForAttack = 10;

  void BuildHealth(const std::vector<Fact>& facts) {
    if (!f_.contains("health") || !f_["health"].contains("datasets")) return;
    absl::Time as_of = absl::InfinitePast();
    std::string err;
    if (f_.contains("as_of")) (void)absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", Str(f_["as_of"]), &as_of, &err);
    const long last_week = PeriodIndex(PeriodKind::kWeek, as_of) - 1;
    std::map<std::pair<std::string, std::string>, std::pair<double, double>> truth;  // (provider, ds) -> all, week
    for (const Fact& x : facts) {
      auto& [all, week] = truth[{x.provider, x.dataset}];
      all += 1;
      if (PeriodIndex(PeriodKind::kWeek, x.event_time) == last_week) week += 1;
    }
    std::map<std::string, std::pair<Sparse, Sparse>> by_dataset;  // ds -> provider vars (all, week)
    const json& rows = f_["health"]["datasets"];
    Sparse everyone;
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string ds = Str(r["dataset"]), provider = Str(r["provider"]);
      const auto [all_truth, week_truth] = truth[{provider, ds}];
      int all = Var(all_truth), week = Var(week_truth);
      by_dataset[ds].first.emplace_back(all, 1.0);
      by_dataset[ds].second.emplace_back(week, 1.0);
      everyone.emplace_back(all, 1.0);
      const std::string rec = Str(r["records_received"]), lw = Str(r["last_week"]);
      const int64_t t = r.contains("threshold") ? r.value("threshold", int64_t{0}) : ThresholdOf(ds, rec);
      Add({{all, 1.0}}, 0, rec, t, absl::StrCat("health ", provider, " ", ds, " records_received"),
          absl::StrCat("/health/datasets/", i, "/records_received"));
      Add({{week, 1.0}}, 0, lw, r.contains("threshold") ? t : ThresholdOf(ds, lw), absl::StrCat("health ", provider, " ", ds, " last_week"),
          absl::StrCat("/health/datasets/", i, "/last_week"));
    }
    const std::string week_label = PeriodLabel(PeriodKind::kWeek, last_week);
    for (auto& [ds, vars] : by_dataset) {
      dataset_total_[ds] = vars.first;
      // The providers' records add up to the dataset's counted records plus
      // those without a category or area (assumed known to the attacker).
      Sparse all = vars.first;
      for (auto [v, k] : DatasetAll(ds)) all.emplace_back(v, -k);
      Relation(all, 0, uncounted_[ds] + outside_[ds], uncounted_[ds] + outside_[ds], ds + " providers add up");
      Sparse week = vars.second;
      for (auto [v, k] : Count(ds, "week", week_label, "all", "all")) week.emplace_back(v, -k);
      const double u = uncounted_week_[{ds, last_week}];
      double outside = 0;  // last week's records beyond the counts tables' days
      Span s;
      if (!PeriodSpan("week", week_label, &s) || segments_.empty() || s.first < segments_.front().first ||
          s.last > segments_.back().last) {
        outside = -1;  // not covered: no relation
      }
      if (outside == 0) {
        // Last week's records without a category or area: the reader knows
        // how many the dataset has in all (conservatively), not which week
        // they fall in.
        const int uw = Var(u);
        Relation({{uw, 1.0}}, 0, 0, uncounted_[ds], ds + " uncounted records last week");
        week.emplace_back(uw, -1.0);
        Relation(week, 0, 0, 0, ds + " last week adds up");
      }
    }
    if (f_.contains("records")) {
      const std::string rec = Str(f_["records"]);
      int64_t t = 0;
      for (const auto& [ds, th] : threshold_) t = std::max(t, th);
      if (rec.size() > 1 && rec[0] == '<') (void)absl::SimpleAtoi(rec.substr(1), &t);
      if (f_.contains("records_threshold")) t = f_.value("records_threshold", t);
      Add(everyone, 0, rec, t, "records (all datasets)", "/records");
    }
  }

  void BuildDisplacement() {
    if (!f_.contains("displacement")) return;
    const json& rows = f_["displacement"];
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string ds = Str(r["dataset"]), cell = Str(r["cell"]);
      const int64_t t = ThresholdOf(ds, "");
      Sparse both[2], neighbours[2];
      const char* fields[2] = {"previous", "current"};
      const char* periods[2] = {"previous_period", "current_period"};
      for (int k = 0; k < 2; ++k) {
        both[k] = Count(ds, "month", Str(r[periods[k]]), "all", cell);
        Add(both[k], 0, Str(r[fields[k]]), t, absl::StrCat("displacement ", cell, " ", fields[k]),
            absl::StrCat("/displacement/", i, "/", fields[k]));
        for (const std::string& n : GridNeighbours(cell)) {
          for (auto x : Count(ds, "month", Str(r[periods[k]]), "all", n)) neighbours[k].push_back(x);
        }
        Add(neighbours[k], 0, Str(r[absl::StrCat("neighbours_", fields[k])]), t,
            absl::StrCat("displacement ", cell, " neighbours_", fields[k]),
            absl::StrCat("/displacement/", i, "/neighbours_", fields[k]));
      }
      for (auto [field, which] : {std::pair{"change", 0}, std::pair{"neighbours_change", 1}}) {
        int64_t change = 0;
        if (!r.contains(field) || !absl::SimpleAtoi(Str(r[field]), &change)) continue;
        Sparse v = which == 0 ? both[1] : neighbours[1];
        for (auto [var, k] : which == 0 ? both[0] : neighbours[0]) v.emplace_back(var, -k);
        const double slack = 2.0 * static_cast<double>(method_.d);
        Relation(v, 0, change - slack, change + slack, absl::StrCat("displacement ", cell, " ", field));
      }
    }
  }

  // `total` (vars) minus the records of `datasets` is known: ties a table's
  // total to the health table's providers.
  void TieToDatasets(int total, const std::set<std::string>& datasets, double others, const std::string& what) {
    Sparse v{{total, 1.0}};
    for (const auto& ds : datasets) {
      auto it = dataset_total_.find(ds);
      if (it == dataset_total_.end()) return;  // not in the health table: no tie
      for (auto [var, k] : it->second) v.emplace_back(var, -k);
    }
    Relation(v, 0, -others, -others, what);
  }

  void BuildLinkage(const std::vector<Fact>& facts) {
    if (!f_.contains("cardiff_linkage")) return;
    std::map<std::string, LinkageFigures> truth;
    for (const auto& l : CardiffLinkage(facts)) truth[l.agreement_id] = l;
    const json& rows = f_["cardiff_linkage"];
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string id = Str(r["agreement"]);
      const int64_t t = r.value("threshold", int64_t{0});
      const LinkageFigures& l = truth[id];
      int unmatched = Var(static_cast<double>(l.unmatched));
      int matched = Var(static_cast<double>(l.attendances - l.unmatched));
      int total = Var(static_cast<double>(l.attendances));
      Relation({{total, 1.0}, {unmatched, -1.0}, {matched, -1.0}}, 0, 0, 0, "linkage adds up");
      std::string p = absl::StrCat("/cardiff_linkage/", i, "/");
      Add({{total, 1.0}}, 0, Str(r["ae_assault_attendances"]), t, "linkage " + id + " attendances", p + "ae_assault_attendances");
      Add({{unmatched, 1.0}}, 0, Str(r["unknown_to_police"]), t, "linkage " + id + " unknown", p + "unknown_to_police");
      Add({{matched, 1.0}}, 0, Str(r["matched_police_violence"]), t, "linkage " + id + " matched", p + "matched_police_violence");
      std::set<std::string> datasets;
      for (const Fact& x : facts) {
        if (x.source == Source::kAe && x.agreement_id == id) datasets.insert(x.dataset);
      }
      double others = 0;
      for (const Fact& x : facts) {
        if (datasets.count(x.dataset) && !(x.source == Source::kAe && x.agreement_id == id)) ++others;
      }
      TieToDatasets(total, datasets, others, "linkage total vs health");
    }
  }

  void BuildHotspots(const std::vector<Fact>& facts) {
    if (!f_.contains("ae_hotspots") || !f_["ae_hotspots"].is_object()) return;
    const json& h = f_["ae_hotspots"];
    const int64_t t = h.value("threshold", int64_t{0});
    Hotspots truth = AeHotspots(facts);
    int64_t no_location = 0, no_hour = 0;
    std::set<std::string> datasets;
    double others = 0;
    for (const Fact& x : facts) {
      bool in = x.source == Source::kAe && x.dataset.find("assault") != std::string::npos;
      if (in) {
        datasets.insert(x.dataset);
        no_location += x.location.empty();
        no_hour += !(x.hour_of_week >= 0 && x.hour_of_week < 168);
      }
    }
    for (const Fact& x : facts) {
      if (datasets.count(x.dataset) && !(x.source == Source::kAe && x.dataset.find("assault") != std::string::npos)) ++others;
    }
    int total = Var(static_cast<double>(truth.all_cell.count));
    Add({{total, 1.0}}, 0, Str(h["attendances"]), t, "hotspots attendances", "/ae_hotspots/attendances");
    TieToDatasets(total, datasets, others, "hotspots total vs health");
    // Locations: named ones, then "other" (the named ones' truths are known
    // by name; "other" is the rest).
    Sparse locations{{total, 1.0}};
    const json& rows = h.value("locations", json::array());
    int64_t named_truth = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string name = Str(rows[i]["location"]);
      const bool other = i + 1 == rows.size();
      double tv = 0;
      if (!other) {
        auto it = truth.by_location.find(name);
        tv = it == truth.by_location.end() ? 0 : static_cast<double>(it->second);
        named_truth += static_cast<int64_t>(tv);
      } else {
        int64_t with_location = 0;
        for (const auto& [loc, n] : truth.by_location) with_location += n;
        tv = static_cast<double>(with_location - named_truth);
      }
      int v = Var(tv);
      locations.emplace_back(v, -1.0);
      // A location is named only when at least max(T, 1) attendances share it.
      if (!other) Relation({{v, 1.0}}, 0, static_cast<double>(std::max<int64_t>(t, 1)), kInf, "named location");
      Add({{v, 1.0}}, 0, Str(rows[i]["attendances"]), t, "hotspots location " + name,
          absl::StrCat("/ae_hotspots/locations/", i, "/attendances"));
    }
    if (!rows.empty()) Relation(locations, 0, static_cast<double>(no_location), static_cast<double>(no_location), "locations add up");
    // Hour of week grid with day and hour totals.
    const json& days = h.value("hour_of_week", json::array());
    if (days.size() != 7) return;
    std::vector<int> cell(168);
    for (int i = 0; i < 168; ++i) cell[i] = Var(static_cast<double>(truth.by_hour_of_week[i]));
    Sparse grid{{total, 1.0}};
    for (int d = 0; d < 7; ++d) {
      Sparse day;
      for (int hr = 0; hr < 24; ++hr) {
        day.emplace_back(cell[d * 24 + hr], 1.0);
        grid.emplace_back(cell[d * 24 + hr], -1.0);
        Add({{cell[d * 24 + hr], 1.0}}, 0, Str(days[d]["hours"][hr]), t, absl::StrCat("hotspots hour ", d, "/", hr),
            absl::StrCat("/ae_hotspots/hour_of_week/", d, "/hours/", hr));
      }
      Add(day, 0, Str(days[d]["total"]), t, absl::StrCat("hotspots day ", d), absl::StrCat("/ae_hotspots/hour_of_week/", d, "/total"));
    }
    Relation(grid, 0, static_cast<double>(no_hour), static_cast<double>(no_hour), "hours add up");
    const json& hours = h.value("hour_totals", json::array());
    for (size_t hr = 0; hr < hours.size() && hr < 24; ++hr) {
      Sparse col;
      for (int d = 0; d < 7; ++d) col.emplace_back(cell[d * 24 + hr], 1.0);
      Add(col, 0, Str(hours[hr]), t, absl::StrCat("hotspots hour total ", hr), absl::StrCat("/ae_hotspots/hour_totals/", hr));
    }
  }

  void BuildRepeat(const std::vector<Fact>& facts) {
    if (!f_.contains("repeat_victimisation")) return;
    absl::Time as_of = absl::InfinitePast();
    std::string err;
    if (f_.contains("as_of")) (void)absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", Str(f_["as_of"]), &as_of, &err);
    std::map<std::string, RepeatFigures> truth;
    for (const auto& r : RepeatVictimisation(facts, as_of)) truth[r.agreement_id] = r;
    const json& rows = f_["repeat_victimisation"];
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string id = Str(r["agreement"]);
      const int64_t t = r.value("threshold", int64_t{0});
      const RepeatFigures& x = truth[id];
      int victims = Var(static_cast<double>(x.victims)), repeat = Var(static_cast<double>(x.repeat_victims));
      Relation({{victims, 1.0}, {repeat, -1.0}}, 0, 0, kInf, "repeat victims are victims");
      const std::string p = absl::StrCat("/repeat_victimisation/", i, "/");
      Add({{victims, 1.0}}, 0, Str(r["victims"]), t, "repeat " + id + " victims", p + "victims");
      Add({{repeat, 1.0}}, 0, Str(r["repeat_victims"]), t, "repeat " + id + " repeat victims", p + "repeat_victims");
    }
  }

  // Intervention zones before/after: sums of weekly category x area cells
  // (interventions start on a Monday and last whole weeks).
  void BuildInterventions() {
    if (!f_.contains("interventions")) return;
    const json& rows = f_["interventions"];
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const int64_t t = r.value("threshold", int64_t{0});
      std::vector<std::string> datasets, categories;
      for (const auto& d : r.value("datasets", json::array())) datasets.push_back(Str(d));
      if (datasets.empty()) {
        for (const auto& [ds, cells] : cells_) datasets.push_back(ds);
      }
      for (const auto& c : r.value("categories", json::array())) categories.push_back(Str(c));
      if (categories.empty()) categories.push_back("all");
      const json zones = r.value("counts", json::object());  // (items() of a temporary would dangle)
      for (const auto& [zone, z] : zones.items()) {
        for (const char* when : {"before", "after"}) {
          absl::CivilDay from, to;
          if (!absl::ParseCivilTime(Str(r[when]["from"]), &from) || !absl::ParseCivilTime(Str(r[when]["to"]), &to)) continue;
          Sparse v;
          for (absl::CivilDay d = from; d <= to; d += 7) {
            const std::string week = PeriodLabel(PeriodKind::kWeek, PeriodIndex(PeriodKind::kWeek, absl::FromCivil(d, absl::UTCTimeZone())));
            for (const auto& ds : datasets) {
              for (const auto& c : categories) {
                for (const auto& a : z.value("areas", json::array())) {
                  for (auto x : Count(ds, "week", week, c, Str(a))) v.push_back(x);
                }
              }
            }
          }
          Add(v, 0, Str(z[when]), t, absl::StrCat("intervention ", Str(r["name"]), " ", zone, " ", when),
              absl::StrCat("/interventions/", i, "/counts/", zone, "/", when));
        }
      }
    }
  }

  // A neighbourhood's count: the sum of its grid cells' counts.
  void BuildNeighbourhoods() {
    if (!f_.contains("neighbourhoods")) return;
    const json& rows = f_["neighbourhoods"];
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      Sparse v;
      for (const auto& cell : r.value("cells", json::array())) {
        for (auto x : Count(Str(r["dataset"]), Str(r["period_kind"]), Str(r["period"]), "all", Str(cell))) v.push_back(x);
      }
      Add(v, 0, Str(r["count"]), r.value("threshold", int64_t{0}),
          absl::StrCat("neighbourhood ", Str(r["neighbourhood"]), " ", Str(r["period"])),
          absl::StrCat("/neighbourhoods/", i, "/count"));
    }
  }

  const json& f_;
  Method method_;
  std::vector<Figure> figures_;
  std::vector<double> truth_;
  std::vector<Span> segments_;
  std::vector<long> seg_week_;
  // dataset -> (category, area) -> (segment, var)
  std::map<std::string, std::map<std::pair<std::string, std::string>, std::vector<std::pair<int, int>>>> cells_;
  std::map<std::string, int64_t> threshold_;
  std::map<std::string, double> uncounted_, outside_;
  std::map<std::pair<std::string, long>, double> uncounted_week_;
  std::map<std::string, Sparse> dataset_total_;
};

struct GlpDeleter {
  void operator()(glp_prob* p) const { glp_delete_prob(p); }
};

// Min and max of a linear function over a set of published relations (the
// whole system, or one independent component of it). Keeps its GLPK problem
// between calls: each call only changes the objective and re-solves from the
// previous optimal basis (a warm start), which is a few pivots where the
// figures asked about in turn are neighbours.
class Solver {
 public:
  // Rows: figures[rows[k]]; columns: the unknowns `cols` (ids in figures'
  // coefficients), in that order. `tm_lim_ms`: branch-and-bound time limit
  // per call (where it is hit, the LP's wider, still proved, range stands).
  Solver(const std::vector<Figure>& figures, const std::vector<int>& rows, const std::vector<int>& cols, int tm_lim_ms)
      : lp_(glp_create_prob()), cols_(cols) {
    glp_term_out(GLP_OFF);
    for (size_t k = 0; k < cols.size(); ++k) col_[cols[k]] = static_cast<int>(k) + 1;
    rows_of_.resize(cols.size() + 1);
    row_cols_.resize(rows.size() + 1);
    glp_add_cols(lp_.get(), static_cast<int>(cols.size()));
    for (size_t j = 1; j <= cols.size(); ++j) glp_set_col_bnds(lp_.get(), static_cast<int>(j), GLP_LO, 0.0, 0.0);
    for (int r : rows) {
      const Figure& f = figures[r];
      const bool lo = std::isfinite(f.lo), hi = std::isfinite(f.hi);
      int row = glp_add_rows(lp_.get(), 1);
      std::vector<int> ind{0};
      std::vector<double> val{0};
      std::map<int, double> merged;
      for (auto [i, c] : f.coef) merged[col_.at(i)] += c;
      for (auto [j, c] : merged) {
        if (c == 0) continue;
        ind.push_back(j);
        val.push_back(c);
        rows_of_[j].push_back(row);
        row_cols_[row].push_back(j);
      }
      glp_set_mat_row(lp_.get(), row, static_cast<int>(ind.size()) - 1, ind.data(), val.data());
      const double l = f.lo - f.constant, h = f.hi - f.constant;
      if (lo && hi) {
        glp_set_row_bnds(lp_.get(), row, l == h ? GLP_FX : GLP_DB, l, h);
      } else if (lo) {
        glp_set_row_bnds(lp_.get(), row, GLP_LO, l, 0.0);
      } else {
        glp_set_row_bnds(lp_.get(), row, GLP_UP, 0.0, h);
      }
    }
    glp_init_smcp(&smcp_);
    smcp_.msg_lev = GLP_MSG_OFF;
    smcp_.presolve = GLP_OFF;
    glp_init_iocp(&iocp_);
    iocp_.msg_lev = GLP_MSG_OFF;
    iocp_.presolve = GLP_OFF;
    if (tm_lim_ms > 0) iocp_.tm_lim = tm_lim_ms;
  }

  // The LP's [min, max] of coef.x (unrounded; infinite where unbounded);
  // false if the LP could not be solved.
  bool LinearBounds(const Sparse& coef, double* lo, double* hi) {
    SetObjective(coef);
    double out[2];
    for (int k = 0; k < 2; ++k) {
      glp_set_obj_dir(lp_.get(), k == 0 ? GLP_MIN : GLP_MAX);
      if (glp_simplex(lp_.get(), &smcp_) != 0) {
        // A stale basis can fail: start again from the standard basis.
        glp_std_basis(lp_.get());
        if (glp_simplex(lp_.get(), &smcp_) != 0) return false;
      }
      int status = glp_get_status(lp_.get());
      if (status == GLP_UNBND) {
        out[k] = k == 0 ? -kInf : kInf;
        continue;
      }
      if (status != GLP_OPT) return false;
      out[k] = glp_get_obj_val(lp_.get());
    }
    *lo = out[0];
    *hi = out[1];
    return true;
  }

  // Integer solutions near the truth (`truth`: every unknown's true count):
  // every unknown more than `hops` relations away from the objective's is
  // fixed at its true count, and the small integer program over the rest is
  // solved for the min and the max of coef.x. Every solution found satisfies
  // EVERY published relation (the fixed unknowns at their true counts do), so
  // the values widen [*lo, *hi] (which must start at the truth's value): a
  // range the attacker provably cannot narrow below. A search that does not
  // finish leaves what it found.
  void NearbyIntegerRange(const Sparse& coef, const std::vector<double>& truth, int hops, int tm_lim_ms,
                          double* lo, double* hi, std::vector<double>* lo_x, std::vector<double>* hi_x) {
    std::vector<char> free(cols_.size() + 1, 0);
    std::vector<int> frontier;
    for (auto [i, c] : coef) {
      const int j = col_.at(i);
      if (!free[j]) frontier.push_back(j);
      free[j] = 1;
    }
    for (int h = 0; h < hops && !frontier.empty(); ++h) {
      std::vector<int> next;
      for (int j : frontier) {
        for (int r : rows_of_[j]) {
          for (int k : row_cols_[r]) {
            if (!free[k]) next.push_back(k);
            free[k] = 1;
          }
        }
      }
      frontier = std::move(next);
    }
    for (size_t j = 1; j <= cols_.size(); ++j) {
      if (!free[j]) glp_set_col_bnds(lp_.get(), static_cast<int>(j), GLP_FX, truth[cols_[j - 1]], truth[cols_[j - 1]]);
    }
    const int saved = iocp_.tm_lim;
    iocp_.tm_lim = tm_lim_ms;
    SetObjective(coef);
    MakeInteger();
    for (int k = 0; k < 2; ++k) {
      glp_set_obj_dir(lp_.get(), k == 0 ? GLP_MIN : GLP_MAX);
      if (glp_simplex(lp_.get(), &smcp_) != 0) {
        glp_std_basis(lp_.get());
        if (glp_simplex(lp_.get(), &smcp_) != 0) continue;
      }
      if (glp_get_status(lp_.get()) != GLP_OPT) continue;
      const int rc = glp_intopt(lp_.get(), &iocp_);
      const int status = glp_mip_status(lp_.get());
      if ((rc != 0 && rc != GLP_ETMLIM) || (status != GLP_OPT && status != GLP_FEAS)) continue;
      const double v = std::round(glp_mip_obj_val(lp_.get()));
      double& best = k == 0 ? *lo : *hi;
      if (k == 0 ? v < best : v > best) {
        best = v;
        std::vector<double>& x = k == 0 ? *lo_x : *hi_x;
        x.assign(cols_.size() + 1, 0.0);
        for (size_t j = 1; j <= cols_.size(); ++j) x[j] = std::round(glp_mip_col_val(lp_.get(), static_cast<int>(j)));
      }
    }
    iocp_.tm_lim = saved;
    for (size_t j = 1; j <= cols_.size(); ++j) {
      if (!free[j]) glp_set_col_bnds(lp_.get(), static_cast<int>(j), GLP_LO, 0.0, 0.0);
    }
  }

  // The truth as a GLPK column vector (x[j] for column j, 1-based).
  std::vector<double> Columns(const std::vector<double>& truth) const {
    std::vector<double> x(cols_.size() + 1, 0.0);
    for (size_t j = 1; j <= cols_.size(); ++j) x[j] = truth[cols_[j - 1]];
    return x;
  }

  // The integer program's min and max of coef.x (counts are integers), each
  // where branch and bound finished (`*lo_ok`, `*hi_ok`). `start[0]` and
  // `start[1]` (integer solutions satisfying every relation: the truth, or
  // one found near it) seed branch and bound with an incumbent for the min
  // and the max, so that it prunes every node that cannot beat them.
  void IntegerBounds(const Sparse& coef, double* lo, double* hi, bool* lo_ok, bool* hi_ok,
                     const std::vector<double>* start = nullptr) {
    *lo_ok = *hi_ok = false;
    SetObjective(coef);
    MakeInteger();
    struct Seed {
      const std::vector<double>* x = nullptr;
      bool given = false;
    } seed;
    iocp_.cb_info = &seed;
    iocp_.cb_func = [](glp_tree* tree, void* info) {
      auto* s = static_cast<Seed*>(info);
      if (glp_ios_reason(tree) == GLP_IHEUR && !s->given && s->x != nullptr) {
        s->given = true;
        glp_ios_heur_sol(tree, s->x->data());
      }
    };
    for (int k = 0; k < 2; ++k) {
      glp_set_obj_dir(lp_.get(), k == 0 ? GLP_MIN : GLP_MAX);
      if (glp_simplex(lp_.get(), &smcp_) != 0 || glp_get_status(lp_.get()) != GLP_OPT) continue;
      seed = {start == nullptr || start[k].empty() ? nullptr : &start[k], false};
      if (glp_intopt(lp_.get(), &iocp_) != 0 || glp_mip_status(lp_.get()) != GLP_OPT) continue;
      (k == 0 ? *lo : *hi) = glp_mip_obj_val(lp_.get());
      (k == 0 ? *lo_ok : *hi_ok) = true;
    }
    iocp_.cb_func = nullptr;
    iocp_.cb_info = nullptr;
  }

 private:
  void MakeInteger() {
    if (integer_) return;
    for (int j = 1; j <= glp_get_num_cols(lp_.get()); ++j) glp_set_col_kind(lp_.get(), j, GLP_IV);
    integer_ = true;
  }
  void SetObjective(const Sparse& coef) {
    for (int j : objective_) glp_set_obj_coef(lp_.get(), j, 0.0);
    objective_.clear();
    for (auto [i, c] : coef) {
      const int j = col_.at(i);
      glp_set_obj_coef(lp_.get(), j, glp_get_obj_coef(lp_.get(), j) + c);
      objective_.push_back(j);
    }
  }

  std::unique_ptr<glp_prob, GlpDeleter> lp_;
  std::vector<int> cols_;   // GLPK column j is unknown cols_[j - 1]
  std::map<int, int> col_;  // unknown -> GLPK column
  std::vector<std::vector<int>> rows_of_;   // column -> rows
  std::vector<std::vector<int>> row_cols_;  // row -> columns
  glp_smcp smcp_;
  glp_iocp iocp_;
  std::vector<int> objective_;
  bool integer_ = false;
};

// What one component (or the whole system) proved about one objective.
struct PartBounds {
  bool lp_done = false, lp_ok = false;
  double lp_lo = 0, lp_hi = 0;
  bool ip_done = false, ip_lo_ok = false, ip_hi_ok = false;
  double ip_lo = 0, ip_hi = 0;
  // Values of the objective at integer solutions found near the truth
  // (NearbyIntegerRange), up to `hops_done` relations away.
  int hops_done = -1;
  double near_lo = 0, near_hi = 0;
  std::vector<double> near_x[2];  // the solutions (GLPK columns), or empty: the truth
};

// An independent part of the published system: unknowns that no published
// relation ties to any unknown outside it, and the relations among them.
// Solved on its own, it gives exactly the bounds the whole system gives (the
// feasible set is the product of the components' feasible sets, so the min
// and max of a sum over components are the sums of the components' min and
// max, for the LP and the integer program alike).
struct Component {
  std::vector<int> rows, cols;
  std::unique_ptr<Solver> solver;  // built on first use
  std::map<std::string, PartBounds> verdicts;  // by objective
};

std::string SparseKey(const Sparse& coef) {
  std::string key;
  for (auto [i, c] : coef) {
    key.append(reinterpret_cast<const char*>(&i), sizeof(i));
    key.append(reinterpret_cast<const char*>(&c), sizeof(c));
  }
  return key;
}

// Everything that determines a component's solutions: its unknowns and its
// relations (coefficients and bounds, bit for bit). The model numbers its
// unknowns the same way in every round of the backstop (withholding changes
// published strings, not the pack's shape), so an unchanged component has
// the same signature from round to round.
std::string ComponentSignature(const std::vector<Figure>& figs, const Component& c) {
  std::string sig;
  for (int v : c.cols) sig.append(reinterpret_cast<const char*>(&v), sizeof(v));
  for (int r : c.rows) {
    const Figure& f = figs[r];
    const double b[2] = {f.lo - f.constant, f.hi - f.constant};
    sig.push_back('|');
    sig.append(reinterpret_cast<const char*>(b), sizeof(b));
    sig.append(SparseKey(f.coef));
  }
  return sig;
}

// Components (and their verdicts) kept from one round of the backstop to the
// next: a round that withholds a figure changes only the components that
// figure (and the changes recomputed from it) touched; the others are not
// solved again.
struct AttackCache {
  std::map<std::string, std::unique_ptr<Component>> components;  // by signature
  size_t hits = 0;
};

// The unknowns linked by published relations: union-find over the rows.
std::vector<int> ComponentOf(const std::vector<Figure>& figs, const std::vector<int>& rows, size_t vars) {
  std::vector<int> parent(vars);
  for (size_t i = 0; i < vars; ++i) parent[i] = static_cast<int>(i);
  auto find = [&](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (int r : rows) {
    const Sparse& coef = figs[r].coef;
    for (size_t k = 1; k < coef.size(); ++k) {
      int a = find(coef[0].first), b = find(coef[k].first);
      if (a != b) parent[std::max(a, b)] = std::min(a, b);
    }
  }
  std::vector<int> of(vars);
  for (size_t i = 0; i < vars; ++i) of[i] = find(static_cast<int>(i));
  return of;
}

// The visible figure that gives away the figure at `leak_pointer`: the
// smallest one containing all its records (a total or a margin), else the
// smallest sharing some, else (the leak comes through ties to other tables)
// the largest visible figure. "" if there is none.
// Every visible number sharing records with the figure at `leak_pointer`,
// directly or through a known relation (the escalation when withholding one
// culprit at a time has not closed a leak).
std::vector<std::string> AllSharing(const std::vector<Figure>& figs, const std::string& leak_pointer) {
  std::set<int> tied;
  for (const Figure& f : figs) {
    if (f.pointer == leak_pointer) {
      for (auto [i, c] : f.coef) tied.insert(i);
    }
  }
  const std::set<int> target = tied;
  for (const Figure& f : figs) {
    if (!f.pointer.empty()) continue;
    bool touches = false;
    for (auto [i, c] : f.coef) touches |= target.count(i) > 0;
    if (!touches) continue;
    for (auto [i, c] : f.coef) tied.insert(i);
  }
  std::vector<std::string> out;
  for (const Figure& f : figs) {
    if (f.pointer.empty() || f.pointer == leak_pointer || !f.number) continue;
    bool shares = false;
    for (auto [i, c] : f.coef) shares |= tied.count(i) > 0;
    if (shares) out.push_back(f.pointer);
  }
  return out;
}

std::string Culprit(const std::vector<Figure>& figs, const std::string& leak_pointer) {
  std::set<int> target;
  for (const Figure& f : figs) {
    if (f.pointer == leak_pointer) {
      for (auto [i, c] : f.coef) target.insert(i);
    }
  }
  // The records the leaking figure is tied to through known relations (a
  // table's total to the health table, ...).
  std::set<int> tied = target;
  for (const Figure& f : figs) {
    if (!f.pointer.empty()) continue;
    bool touches = false;
    for (auto [i, c] : f.coef) touches |= target.count(i) > 0;
    if (!touches) continue;
    for (auto [i, c] : f.coef) tied.insert(i);
  }
  const Figure* best = nullptr;
  size_t best_size = 0, best_overlap = 0;
  bool best_superset = false;
  for (const Figure& f : figs) {
    if (f.pointer.empty() || f.pointer == leak_pointer || !f.number) continue;
    std::set<int> support;
    for (auto [i, c] : f.coef) support.insert(i);
    size_t overlap = 0, on_target = 0;
    for (int i : tied) overlap += support.count(i);
    for (int i : target) on_target += support.count(i);
    if (overlap == 0) continue;
    const bool superset = !target.empty() && on_target == target.size();
    const bool better = best == nullptr || (superset && !best_superset) ||
                        (superset == best_superset &&
                         (superset ? support.size() < best_size
                                   : (overlap > best_overlap || (overlap == best_overlap && support.size() < best_size))));
    if (better) {
      best = &f;
      best_size = support.size();
      best_overlap = overlap;
      best_superset = superset;
    }
  }
  if (best == nullptr) {
    for (const Figure& f : figs) {
      if (f.pointer.empty() || !f.number) continue;
      if (best == nullptr || f.coef.size() > best_size) {
        best = &f;
        best_size = f.coef.size();
      }
    }
  }
  return best == nullptr ? "" : best->pointer;
}

// The attack proper. `cache` (may be null) keeps components and their
// verdicts between calls on successive rounds of the same pack.
AttackReport Attack(const json& figures, const std::vector<Fact>& facts, const AttackOptions& options,
                    AttackCache* cache) {
  AttackReport report;
  Model model(figures, facts);
  std::vector<Figure>& figs = model.figures();
  report.unknowns = model.vars();
  for (const Figure& f : figs) {
    const bool bounded = std::isfinite(f.lo) || std::isfinite(f.hi);
    if (!bounded) continue;
    ++report.figures;
    double v = model.Truth(f);
    if (v < f.lo - 1e-9 || v > f.hi + 1e-9) {
      report.inconsistent.push_back(absl::StrCat(f.what, ": published ", f.published, " but the truth is outside [",
                                                 f.lo, ", ", f.hi, "]"));
    }
  }
  if (!report.inconsistent.empty()) return report;

  // The relations, and the components they link the unknowns into.
  const size_t vars = model.vars();
  std::vector<int> rows;
  for (size_t r = 0; r < figs.size(); ++r) {
    const Figure& f = figs[r];
    if ((std::isfinite(f.lo) || std::isfinite(f.hi)) && !f.coef.empty()) rows.push_back(static_cast<int>(r));
  }
  std::vector<std::unique_ptr<Component>> owned;
  std::vector<Component*> component_of(vars, nullptr);
  if (options.whole_system) {
    owned.push_back(std::make_unique<Component>());
    owned[0]->rows = rows;
    for (size_t i = 0; i < vars; ++i) {
      owned[0]->cols.push_back(static_cast<int>(i));
      component_of[i] = owned[0].get();
    }
  } else {
    const std::vector<int> root = ComponentOf(figs, rows, vars);
    std::map<int, std::unique_ptr<Component>> by_root;
    for (size_t i = 0; i < vars; ++i) {
      auto& c = by_root[root[i]];
      if (!c) c = std::make_unique<Component>();
      c->cols.push_back(static_cast<int>(i));
    }
    for (int r : rows) by_root[root[figs[r].coef[0].first]]->rows.push_back(r);
    for (auto& [r, c] : by_root) {
      Component* kept = nullptr;
      if (cache != nullptr && !c->rows.empty()) {
        std::string sig = ComponentSignature(figs, *c);
        auto it = cache->components.find(sig);
        if (it != cache->components.end()) {
          // The same relations, but the model may number its figures
          // differently this round (a withheld count drops its changes):
          // a solver built later must read this round's rows.
          it->second->rows = c->rows;
          ++cache->hits;
        } else {
          it = cache->components.emplace(std::move(sig), std::move(c)).first;
        }
        kept = it->second.get();
      } else {
        owned.push_back(std::move(c));
        kept = owned.back().get();
      }
      for (int v : kept->cols) component_of[v] = kept;
    }
  }
  const int tm_lim = options.branch_and_bound_ms > 0 ? options.branch_and_bound_ms
                                                     : (options.whole_system ? 500 : 2000);
  // One-unknown moves away from the truth (component check only): for each
  // unknown, how far it can go up or down, all else at its true count,
  // before some published relation would break.
  std::vector<std::vector<std::pair<int, double>>> rows_of(options.whole_system ? 0 : vars);
  std::vector<double> slack_up, slack_down;
  if (!options.whole_system) {
    slack_up.assign(figs.size(), kInf);
    slack_down.assign(figs.size(), kInf);
    for (int r : rows) {
      const Figure& fig = figs[r];
      std::map<int, double> merged;
      for (auto [i, c] : fig.coef) merged[i] += c;
      for (auto [i, c] : merged) {
        if (c != 0) rows_of[i].emplace_back(r, c);
      }
      const double at = model.Truth(fig);
      slack_up[r] = fig.hi - at;
      slack_down[r] = at - fig.lo;
    }
  }
  // The largest integer step (up to `cap`) unknown i can take in direction
  // `dir` (+1 or -1) with every relation still satisfied.
  auto step = [&](int i, int dir, double cap) {
    double k = dir < 0 ? std::min(cap, model.truth()[i]) : cap;
    for (auto [r, c] : rows_of[i]) {
      const double room = c * dir > 0 ? slack_up[r] : slack_down[r];
      k = std::min(k, std::floor(room / std::fabs(c) + 1e-9));
    }
    return std::max(0.0, k);
  };
  // The same for unknown i moving by dir*k while unknown j moves by -dir*k
  // (the pair keeps exact totals such as the health table's).
  auto pair_step = [&](int i, int j, int dir, double cap) {
    double k = std::min(cap, dir < 0 ? model.truth()[i] : model.truth()[j]);
    const auto& a = rows_of[i];
    const auto& b = rows_of[j];
    size_t x = 0, y = 0;
    while ((x < a.size() || y < b.size()) && k > 0) {
      int r;
      double d;
      if (y == b.size() || (x < a.size() && a[x].first < b[y].first)) {
        r = a[x].first, d = a[x].second * dir, ++x;
      } else if (x == a.size() || b[y].first < a[x].first) {
        r = b[y].first, d = -b[y].second * dir, ++y;
      } else {
        r = a[x].first, d = (a[x].second - b[y].second) * dir, ++x, ++y;
      }
      if (d > 0) k = std::min(k, std::floor(slack_up[r] / d + 1e-9));
      if (d < 0) k = std::min(k, std::floor(slack_down[r] / -d + 1e-9));
    }
    return std::max(0.0, k);
  };
  std::set<const Component*> components(component_of.begin(), component_of.end());
  report.components = components.size();
  for (const Component* c : components) report.largest_component = std::max(report.largest_component, c->cols.size());

  for (const Figure& f : figs) {
    if (!f.is_count || f.threshold <= 0) continue;
    const double v = model.Truth(f);
    if (v < 1 || v > static_cast<double>(f.threshold - 1)) continue;
    ++report.protected_;
    const bool may_be_own_form = !f.number && std::isfinite(f.prior_width);
    // What no attacker can narrow a range below without leaking.
    const double need = may_be_own_form ? std::min(3.0, f.prior_width) : 3.0;
    if (!options.whole_system) {
      // Two integer solutions that satisfy every published relation and
      // differ in this figure by `need` or more prove the attacker's integer
      // range (and so the LP's) at least that wide: the figure is safe, and
      // no LP is needed. Candidates: the truth with one unknown moved.
      std::map<int, double> merged;
      for (auto [i, c] : f.coef) merged[i] += c;
      double up = 0, down = 0;
      for (auto [i, c] : merged) {
        if (c == 0) continue;
        const double cap = std::ceil(need / std::fabs(c));
        for (int sense : {1, -1}) {
          const int dir = c > 0 ? sense : -sense;
          double k = step(i, dir, cap);
          // Where a relation blocks the move, a partner in that relation
          // (outside the figure) may take the opposite move.
          std::vector<int> partners;
          for (auto [r, rc] : rows_of[i]) {
            const double room = rc * dir > 0 ? slack_up[r] : slack_down[r];
            if (room >= cap * std::fabs(rc)) continue;
            for (auto [j, jc] : figs[r].coef) {
              if (partners.size() < 400 && j != i && !merged.count(j)) partners.push_back(j);
            }
          }
          for (size_t n = 0; n < partners.size() && k < cap; ++n) k = std::max(k, pair_step(i, partners[n], dir, cap));
          (sense > 0 ? up : down) = std::max(sense > 0 ? up : down, std::fabs(c) * k);
        }
        if (up + down >= need - 1e-6) break;
      }
      if (up + down >= need - 1e-6) {
        ++report.cleared_by_moves;
        continue;
      }
    }
    // The figure's parts in each component (in a fixed order: the sums
    // below do not depend on where components sit in memory).
    std::map<int, std::pair<Component*, std::map<int, double>>> split;
    for (auto [i, c] : f.coef) {
      Component* comp = component_of[i];
      auto& part = split[comp->cols.front()];
      part.first = comp;
      part.second[i] += c;
    }
    struct Part {
      Component* comp;
      Sparse coef;
      PartBounds* pb;
    };
    std::vector<Part> parts;
    std::deque<PartBounds> scratch;  // the whole-system reference re-solves every figure
    for (auto& [first, part] : split) {
      Sparse coef(part.second.begin(), part.second.end());
      PartBounds* pb = nullptr;
      if (options.whole_system) {
        pb = &scratch.emplace_back();
      } else {
        auto [it, fresh] = part.first->verdicts.try_emplace(SparseKey(coef));
        pb = &it->second;
        if (!fresh && cache != nullptr) ++cache->hits;
      }
      if (!pb->lp_done) {
        pb->lp_done = true;
        if (part.first->rows.empty()) {
          // Unknowns no relation mentions: anything >= 0.
          bool pos = false, neg = false;
          for (auto [i, c] : coef) (c > 0 ? pos : neg) |= c != 0;
          pb->lp_ok = true;
          pb->lp_lo = neg ? -kInf : 0;
          pb->lp_hi = pos ? kInf : 0;
        } else {
          if (!part.first->solver) {
            part.first->solver = std::make_unique<Solver>(figs, part.first->rows, part.first->cols, tm_lim);
          }
          pb->lp_ok = part.first->solver->LinearBounds(coef, &pb->lp_lo, &pb->lp_hi);
        }
      }
      parts.push_back({part.first, std::move(coef), pb});
    }
    bool ok = true;
    double lo_sum = 0, hi_sum = 0;
    for (const Part& p : parts) {
      const PartBounds* pb = p.pb;
      ok &= pb->lp_ok;
      lo_sum += pb->lp_lo;
      hi_sum += pb->lp_hi;
    }
    if (!ok) {
      report.inconsistent.push_back(absl::StrCat(f.what, ": the solver failed"));
      continue;
    }
    double lo = std::ceil(lo_sum - 1e-6), hi = std::floor(hi_sum + 1e-6);
    // Counts are integers: where the LP range is narrow, the integer program
    // can be narrower still. Where the LP's range already decides (the
    // integer range lies inside it), skip it: branch and bound is the costly
    // part of the check.
    auto refine = [&](double l, double h) {
      const double w = h - l;
      if (w > 2) return true;                        // it may narrow to a leak
      return may_be_own_form && w >= f.prior_width;  // it may narrow below the "<T" form
    };
    // Before branch and bound over the whole component: integer solutions
    // near the truth, where every unknown farther from the figure stays at its
    // true count. If they already span a range the attacker cannot narrow
    // below what would leak, the figure is safe (its true integer range holds
    // them all), and the costly exact solve is not needed. Only a figure they
    // do not clear goes on to the exact integer program.
    bool cleared = false;
    if (!options.whole_system && hi - lo <= 4 && refine(lo, hi)) {
      for (int hops : {1, 2, 4}) {
        double near_lo = 0, near_hi = 0;
        for (const Part& p : parts) {
          PartBounds& pb = *p.pb;
          if (pb.hops_done < 0) {
            double at_truth = 0;
            for (auto [i, c] : p.coef) at_truth += c * model.truth()[i];
            pb.near_lo = pb.near_hi = at_truth;
            pb.hops_done = 0;
          }
          if (pb.hops_done < hops && !p.comp->rows.empty()) {
            p.comp->solver->NearbyIntegerRange(p.coef, model.truth(), hops, 200, &pb.near_lo, &pb.near_hi,
                                               &pb.near_x[0], &pb.near_x[1]);
            pb.hops_done = hops;
            ++report.nearby_searches;
          }
          near_lo += pb.near_lo;
          near_hi += pb.near_hi;
        }
        if (near_hi - near_lo >= need - 1e-6) {
          cleared = true;
          break;
        }
      }
    }
    if (!cleared && hi - lo <= 4 && refine(lo, hi)) {
      double ip_lo = 0, ip_hi = 0;
      for (const Part& p : parts) {
        PartBounds& pb = *p.pb;
        if (!pb.ip_done) {
          pb.ip_done = true;
          if (!p.comp->rows.empty()) {
            std::vector<double> start[2];
            if (!options.whole_system) {
              for (int k = 0; k < 2; ++k) start[k] = pb.near_x[k].empty() ? p.comp->solver->Columns(model.truth()) : pb.near_x[k];
            }
            p.comp->solver->IntegerBounds(p.coef, &pb.ip_lo, &pb.ip_hi, &pb.ip_lo_ok, &pb.ip_hi_ok,
                                          options.whole_system ? nullptr : start);
            ++report.integer_programs;
          }
        }
        // Where branch and bound did not finish, the LP's bound stands.
        ip_lo += pb.ip_lo_ok ? pb.ip_lo : pb.lp_lo;
        ip_hi += pb.ip_hi_ok ? pb.ip_hi : pb.lp_hi;
      }
      lo = std::max(lo, std::ceil(ip_lo - 1e-6));
      hi = std::min(hi, std::floor(ip_hi + 1e-6));
    }
    lo += f.constant;
    hi += f.constant;
    report.ranges.push_back({f.pointer, lo, hi});
    const double width = hi - lo;
    // Exempt only what the published "<T" itself already says (T <= 3).
    const bool own_form = !f.number && std::isfinite(f.prior_width) && width >= f.prior_width;
    if (width <= 2 && !own_form) {
      report.leaks.push_back({f.what, f.pointer, static_cast<int64_t>(v), static_cast<int64_t>(lo),
                              static_cast<int64_t>(hi)});
    }
  }
  return report;
}

}  // namespace

AttackReport AttackPack(const json& figures, const std::vector<Fact>& facts, const AttackOptions& options) {
  return Attack(figures, facts, options, nullptr);
}

void RecomputeDerived(json& f) {
  auto change = [](const std::string& now, const std::string& before) -> std::string {
    int64_t a = 0, b = 0;
    if (!IsPublishedNumber(now, &a) || !IsPublishedNumber(before, &b)) return "";
    return absl::StrCat(a - b);
  };
  if (f.contains("counts")) {
    std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, std::string> count;
    for (const auto& r : f["counts"]) {
      count[{Str(r["dataset"]), Str(r["period_kind"]), Str(r["period"]), Str(r["category"]), Str(r["area"])}] =
          Str(r["count"]);
    }
    for (auto& r : f["counts"]) {
      const std::string kind = Str(r["period_kind"]);
      const long per_year = kind == "week" ? 52 : kind == "month" ? 12 : 4;
      const char* fields[][2] = {{"previous_period", "change_vs_previous"},
                                 {"same_period_last_year", "change_vs_last_year"}};
      const long back[] = {1, per_year};
      for (int i = 0; i < 2; ++i) {
        if (!r.contains(fields[i][0]) || r[fields[i][0]] == "no earlier data") continue;
        auto it = count.find({Str(r["dataset"]), kind, ShiftLabel(kind, Str(r["period"]), back[i]), Str(r["category"]),
                              Str(r["area"])});
        const std::string before = it == count.end() ? "0" : it->second;
        r[fields[i][0]] = before;
        r[fields[i][1]] = change(Str(r["count"]), before);
      }
    }
  }
  if (f.contains("displacement")) {
    for (auto& r : f["displacement"]) {
      r["change"] = change(Str(r["current"]), Str(r["previous"]));
      r["neighbours_change"] = change(Str(r["neighbours_current"]), Str(r["neighbours_previous"]));
    }
  }
  auto share = [](const std::string& part, const std::string& whole) -> std::string {
    int64_t p = 0, w = 0;
    if (!IsPublishedNumber(part, &p) || !IsPublishedNumber(whole, &w) || w <= 0) return "";
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f%%", 100.0 * static_cast<double>(p) / static_cast<double>(w));
    return buf;
  };
  if (f.contains("cardiff_linkage")) {
    for (auto& r : f["cardiff_linkage"]) {
      r["unknown_share"] = share(Str(r["unknown_to_police"]), Str(r["ae_assault_attendances"]));
    }
  }
  if (f.contains("repeat_victimisation")) {
    for (auto& r : f["repeat_victimisation"]) r["repeat_share"] = share(Str(r["repeat_victims"]), Str(r["victims"]));
  }
  if (f.contains("interventions")) {
    for (auto& r : f["interventions"]) {
      bool withheld = false;
      const json zones = r.value("counts", json::object());
      for (const auto& [zone, z] : zones.items()) {
        withheld |= Str(z.value("before", json(""))) == "[c]" || Str(z.value("after", json(""))) == "[c]";
      }
      if (!withheld) continue;
      for (const char* k : {"wdq", "wdq_reading", "wdd", "wdd_se", "wdd_z"}) r[k] = "";
      r["note"] = "a count is withheld: WDQ and WDD are not published";
    }
  }
}

json ProtectAgainstAttack(json& figures, const std::vector<Fact>& facts, const AttackOptions& options) {
  json withheld = json::array();
  AttackReport report;
  AttackCache cache;
  int rounds = 0;
  size_t integer_programs = 0, nearby_searches = 0;
  for (int round = 0;; ++round) {
    report = Attack(figures, facts, options, options.whole_system ? nullptr : &cache);
    rounds = round + 1;
    integer_programs += report.integer_programs;
    nearby_searches += report.nearby_searches;
    if (report.leaks.empty() || round == 50) break;
    // The figures the attack used: rebuild the model to find, for the first
    // leak, the visible figure that gives it away.
    Model model(figures, facts);
    std::set<std::string> chosen;
    for (const Leak& leak : report.leaks) {
      if (round < 5) {
        const std::string pointer = Culprit(model.figures(), leak.pointer);
        if (!pointer.empty()) chosen.insert(pointer);
      } else {
        for (const std::string& p : AllSharing(model.figures(), leak.pointer)) chosen.insert(p);
      }
    }
    if (chosen.empty()) break;  // nothing left to withhold (a leak needs a visible figure)
    // The same records counted in another table (a month that is its
    // quarter, a week that is its month) carry the same published count:
    // withholding one and not its twins would hide nothing.
    std::set<std::set<int>> supports;
    for (const Figure& f : model.figures()) {
      if (!chosen.count(f.pointer)) continue;
      std::set<int> support;
      for (auto [i, c] : f.coef) support.insert(i);
      supports.insert(support);
    }
    for (const Figure& f : model.figures()) {
      if (f.pointer.empty() || !f.number) continue;
      std::set<int> support;
      for (auto [i, c] : f.coef) support.insert(i);
      if (supports.count(support)) chosen.insert(f.pointer);
    }
    for (const std::string& pointer : chosen) {
      for (const Figure& f : model.figures()) {
        if (f.pointer == pointer) {
          withheld.push_back(f.what);
          break;
        }
      }
      figures[json::json_pointer(pointer)] = "[c]";
    }
    RecomputeDerived(figures);
  }
  return {{"withheld", withheld},
          {"relations", report.figures},
          {"unknowns", report.unknowns},
          {"small_counts_checked", report.protected_},
          {"recoverable_small_counts", report.leaks.size()},
          {"model_errors", report.inconsistent.size()},
          // How the check ran (the last round's system; totals over rounds).
          {"rounds", rounds},
          {"components", report.components},
          {"largest_component", report.largest_component},
          {"cleared_by_moves", report.cleared_by_moves},
          {"nearby_integer_searches", nearby_searches},
          {"integer_programs", integer_programs}};
}

}  // namespace accord::analyst
