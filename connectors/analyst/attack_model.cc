// The attacker's model of a pack, part 1: the helpers that read published
// labels and strings, the counts tables and the health table (attack_model.h).
#include "attack_model.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cell_key.h"

namespace accord::analyst::attack {

using nlohmann::json;

std::string Str(const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

bool KindOf(const std::string& kind, PeriodKind* out) { return ParsePeriodKind(kind, out); }

// The days of a period label ("2026-W38", "2026-09", "2026-Q3").
bool PeriodSpan(const std::string& kind, const std::string& label, Span* span) {
  int year = 0, n = 0;
  if (kind == "day") {
    absl::CivilDay d;
    if (!absl::ParseCivilTime(label, &d)) return false;
    *span = {d, d};
    return true;
  }
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

Model::Model(const json& f, const std::vector<Fact>& facts) : f_(f) {
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

int Model::Var(double truth) {
  truth_.push_back(truth);
  return static_cast<int>(truth_.size()) - 1;
}

// A published figure: coef.x + constant is what `published` says.
void Model::Add(Sparse coef, double constant, const std::string& published, int64_t t, const std::string& what,
                const std::string& pointer, bool is_count) {
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
void Model::Relation(Sparse coef, double constant, double lo, double hi, const std::string& what) {
  Figure fig;
  fig.coef = std::move(coef);
  fig.constant = constant;
  fig.lo = lo;
  fig.hi = hi;
  fig.what = what;
  figures_.push_back(std::move(fig));
}

Sparse Model::Count(const std::string& ds, const std::string& kind, const std::string& label, const std::string& c,
                    const std::string& a) const {
  Sparse v;
  Span p;
  auto it = cells_.find(ds);
  if (it == cells_.end() || !PeriodSpan(kind, label, &p)) return v;
  for (const auto& [ca, segs] : it->second) {
    if ((c != "all" && c != ca.first) || (a != "all" && a != ca.second)) continue;
    for (const auto& [span, var] : segs) {
      if (span.first >= p.first && span.last <= p.last) v.emplace_back(var, 1.0);
    }
  }
  return v;
}

void Model::BuildCounts(const std::vector<Fact>& facts) {
  if (!f_.contains("counts")) return;
  const json& rows = f_["counts"];
  absl::CivilDay first(9999, 1, 1), last(1, 1, 1);
  std::set<std::tuple<std::string, std::string, std::string, std::string, std::string>> exists;
  std::map<std::string, std::set<PeriodKind>> kinds;  // dataset -> the kinds it is published by
  for (const auto& r : rows) {
    Span s;
    PeriodKind kind;
    if (!KindOf(Str(r["period_kind"]), &kind) || !PeriodSpan(Str(r["period_kind"]), Str(r["period"]), &s)) continue;
    first = std::min(first, s.first);
    last = std::max(last, s.last);
    exists.insert({Str(r["dataset"]), Str(r["period_kind"]), Str(r["period"]), Str(r["category"]), Str(r["area"])});
    kinds[Str(r["dataset"])].insert(kind);
    threshold_[Str(r["dataset"])] = r.value("threshold", int64_t{0});
  }
  covered_ = {first, last};
  // Segments per dataset: single days where it has daily tables, else runs
  // of days in one ISO week and one month (the finest split its figures see).
  std::map<std::string, std::vector<Span>> segments;
  std::map<std::string, std::map<absl::CivilDay, int>> segment_of_day;
  for (const auto& [ds, k] : kinds) {
    const bool daily = k.count(PeriodKind::kDay) > 0;
    std::vector<Span>& segs = segments[ds];
    long week = 0;
    for (absl::CivilDay d = first; d <= last; ++d) {
      const long w = PeriodIndex(PeriodKind::kWeek, absl::FromCivil(d, absl::UTCTimeZone()));
      if (daily || segs.empty() || week != w || absl::CivilMonth(segs.back().first) != absl::CivilMonth(d)) {
        segs.push_back({d, d});
        week = w;
      } else {
        segs.back().last = d;
      }
      segment_of_day[ds][d] = static_cast<int>(segs.size()) - 1;
    }
  }
  // True counts per dataset x category x area x segment.
  std::map<std::tuple<std::string, std::string, std::string, int>, double> truth;
  for (const Fact& x : facts) {
    if (x.category.empty() || x.area.empty()) {
      ++uncounted_[x.dataset];
      ++uncounted_week_[{x.dataset, PeriodIndex(PeriodKind::kWeek, x.event_time)}];
      continue;
    }
    auto ds = segment_of_day.find(x.dataset);
    auto it = ds == segment_of_day.end() ? std::map<absl::CivilDay, int>::iterator()
                                         : ds->second.find(absl::ToCivilDay(x.event_time, absl::UTCTimeZone()));
    if (ds == segment_of_day.end() || it == ds->second.end()) {
      ++outside_[x.dataset];
      continue;
    }
    truth[{x.dataset, x.category, x.area, it->second}] += 1;
  }
  // Unknowns: a segment of a category x area whose rows exist in every kind
  // the dataset is published by (an absent row is 0), found from the rows of
  // its finest kind.
  auto finest = [&](const std::string& ds) {
    const std::set<PeriodKind>& k = kinds[ds];
    for (PeriodKind kind : {PeriodKind::kDay, PeriodKind::kWeek, PeriodKind::kMonth, PeriodKind::kQuarter}) {
      if (k.count(kind)) return std::string(PeriodKindName(kind));
    }
    return std::string();
  };
  for (const auto& r : rows) {
    if (r["category"] == "all" || r["area"] == "all") continue;
    const std::string ds = Str(r["dataset"]), c = Str(r["category"]), a = Str(r["area"]);
    const std::string kind = Str(r["period_kind"]);
    if (kind != finest(ds)) continue;
    Span p;
    if (!PeriodSpan(kind, Str(r["period"]), &p)) continue;
    const std::vector<Span>& segs = segments[ds];
    for (int s = segment_of_day[ds][p.first]; s < static_cast<int>(segs.size()) && segs[s].last <= p.last; ++s) {
      const absl::Time t = absl::FromCivil(segs[s].first, absl::UTCTimeZone());
      bool everywhere = true;
      for (PeriodKind other : kinds[ds]) {
        everywhere &= exists.count({ds, PeriodKindName(other), PeriodLabel(other, PeriodIndex(other, t)), c, a}) > 0;
      }
      if (!everywhere) continue;
      auto it = truth.find({ds, c, a, s});
      cells_[ds][{c, a}].emplace_back(segs[s], Var(it == truth.end() ? 0 : it->second));
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
    PeriodKind k = PeriodKind::kWeek;
    const long per_year = KindOf(kind, &k) ? PeriodsPerYear(k) : 0;
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

Sparse Model::DatasetAll(const std::string& ds) const {
  Sparse v;
  auto it = cells_.find(ds);
  if (it == cells_.end()) return v;
  for (const auto& [ca, segs] : it->second) {
    for (auto [s, var] : segs) v.emplace_back(var, 1.0);
  }
  return v;
}

int64_t Model::ThresholdOf(const std::string& ds, const std::string& published) const {
  auto it = threshold_.find(ds);
  if (it != threshold_.end()) return it->second;
  int64_t v = 0;
  if (published.size() > 1 && published[0] == '<' && absl::SimpleAtoi(published.substr(1), &v)) return v;
  return kDefaultThresholdForAttack;
}

void Model::BuildHealth(const std::vector<Fact>& facts) {
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
    if (!PeriodSpan("week", week_label, &s) || covered_.first > covered_.last || s.first < covered_.first ||
        s.last > covered_.last) {
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

}  // namespace accord::analyst::attack
