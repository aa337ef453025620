#include "publish.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "attack.h"
#include "audit.h"
#include "cell_key.h"
#include "evaluation.h"
#include "health.h"
#include "periods.h"

namespace accord::analyst {
namespace {

using nlohmann::json;

constexpr char kAll[] = "all";

std::string Iso(absl::Time t) {
  if (t == absl::InfinitePast()) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// A share of two PUBLISHED (perturbed) counts, "" unless both are numbers.
std::string Share(const std::string& part, const std::string& whole) {
  int64_t p = 0, w = 0;
  if (!IsPublishedNumber(part, &p) || !IsPublishedNumber(whole, &w) || w <= 0) return "";
  return absl::StrFormat("%.1f%%", 100.0 * static_cast<double>(p) / static_cast<double>(w));
}

// The difference of two published counts, "" unless both are numbers: a
// change is computed from what is published, never from true counts.
std::string Change(const std::string& now, const std::string& before) {
  int64_t a = 0, b = 0;
  if (!IsPublishedNumber(now, &a) || !IsPublishedNumber(before, &b)) return "";
  return absl::StrCat(a - b);
}

// Whether a dataset whose event times have precision `unit` (agreements.h;
// "" unknown) can be counted by `kind`: no daily table from times
// generalised to the week or the month, no weekly one from month-precise
// times. Unknown precision: no daily table (a day cannot be guessed).
bool PreciseEnough(PeriodKind kind, const std::string& unit) {
  switch (kind) {
    case PeriodKind::kDay: return unit == "hour" || unit == "day";
    case PeriodKind::kWeek: return unit != "month";
    default: return true;
  }
}

// The configured periods `dataset` is published by; each one left out is
// added to `*excluded` (if given) with the reason.
std::vector<PeriodKind> KindsFor(const std::string& dataset, const PublishInput& in, json* excluded) {
  std::vector<PeriodKind> kinds;
  auto it = in.terms.event_time_by_dataset.find(dataset);
  const std::string unit = it == in.terms.event_time_by_dataset.end() ? "" : it->second.unit;
  for (PeriodKind kind : in.config.periods) {
    if (PreciseEnough(kind, unit)) {
      kinds.push_back(kind);
      continue;
    }
    if (excluded == nullptr) continue;
    const std::string table = kind == PeriodKind::kDay ? "daily tables" : "weekly tables";
    excluded->push_back(
        {{"from", table},
         {"because", unit.empty() ? std::string("the precision of its event times is unknown (no agreement you can read "
                                                "states it), and a day cannot be guessed")
                                  : absl::StrCat("its event times are generalised to the ", unit, " (agreement ",
                                                 it->second.agreement, ")")}});
  }
  return kinds;
}

// The category x area x period tables of one dataset, every cell and margin
// a cell-key cell in its own right (cell_key.h): the same records give the
// same published count in every table, margin and period.
class CountTables {
 public:
  // (kind, period, category, area); category/area kAll for totals.
  using Key = std::tuple<int, long, std::string, std::string>;

  CountTables(const std::vector<Fact>& facts, int64_t threshold, const std::vector<PeriodKind>& kinds)
      : threshold_(threshold) {
    for (PeriodKind kind : kinds) {
      const int k = static_cast<int>(kind);
      std::map<long, std::map<std::string, std::map<std::string, CellCount>>> periods;
      for (const Fact& f : facts) {
        if (f.category.empty() || f.area.empty()) continue;
        periods[PeriodIndex(kind, f.event_time)][f.category][f.area].Add(f.record_key);
      }
      first_[k] = periods.empty() ? 0 : periods.begin()->first;
      for (const auto& [period, by_category] : periods) {
        std::set<std::string> areas;
        for (const auto& [c, by_area] : by_category) {
          for (const auto& [a, cell] : by_area) areas.insert(a);
        }
        for (const auto& [c, by_area] : by_category) {
          for (const auto& a : areas) {
            auto it = by_area.find(a);
            CellCount cell = it == by_area.end() ? CellCount{} : it->second;
            // A zero inside the grid is listed when the threshold hides
            // small counts (so "<T" also covers 0 and an absent row is
            // never the only zero); with no threshold, absence says 0.
            if (cell.count > 0 || threshold_ > 0) cells_[{k, period, c, a}] = cell;
            cells_[{k, period, c, kAll}].Add(cell);
            cells_[{k, period, kAll, a}].Add(cell);
            cells_[{k, period, kAll, kAll}].Add(cell);
          }
        }
      }
    }
    for (const Fact& f : facts) {
      if (!f.category.empty() && !f.area.empty()) all_time_.Add(f.record_key);
    }
  }

  const std::map<Key, CellCount>& cells() const { return cells_; }
  int64_t threshold() const { return threshold_; }
  // The first period of `kind` with any record (earlier ones have no data).
  long first(PeriodKind kind) const { return first_[static_cast<int>(kind)]; }

  // The published count of `key` ("0" when there is no such cell).
  std::string Lookup(const Key& key) const {
    auto it = cells_.find(key);
    if (it == cells_.end()) return "0";
    return PublishCount(it->second, threshold_);
  }
  CellCount Cell(const Key& key) const {
    auto it = cells_.find(key);
    return it == cells_.end() ? CellCount{} : it->second;
  }

 private:
  int64_t threshold_;
  std::map<Key, CellCount> cells_;
  CellCount all_time_;
  long first_[4] = {0, 0, 0, 0};
};

json CountsJson(const std::string& dataset, const CountTables& t) {
  json rows = json::array();
  for (const auto& [key, cell] : t.cells()) {
    auto [kind_int, period, category, area] = key;
    PeriodKind kind = static_cast<PeriodKind>(kind_int);
    const std::string count = t.Lookup(key);
    json row = {{"dataset", dataset},
                {"threshold", t.threshold()},
                {"period_kind", PeriodKindName(kind)},
                {"period", PeriodLabel(kind, period)},
                {"category", category},
                {"area", area},
                {"count", count},
                {"previous_period", ""},
                {"change_vs_previous", ""},
                {"same_period_last_year", ""},
                {"change_vs_last_year", ""}};
    // Comparisons only with periods this dataset has data for: before its
    // first record there is no "0", there is nothing.
    const long back[] = {1, PeriodsPerYear(kind)};
    const char* fields[][2] = {{"previous_period", "change_vs_previous"},
                               {"same_period_last_year", "change_vs_last_year"}};
    for (int i = 0; i < 2; ++i) {
      if (period - back[i] < t.first(kind)) {
        row[fields[i][0]] = "no earlier data";
        continue;
      }
      const std::string before = t.Lookup({kind_int, period - back[i], category, area});
      row[fields[i][0]] = before;
      row[fields[i][1]] = Change(count, before);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The threshold for a set of facts: the largest of their agreements' own
// (0 included). No facts: 0 (every count of nothing is 0).
int64_t MaxThreshold(const std::vector<const Fact*>& facts, const AgreementTerms& terms) {
  if (facts.empty()) return 0;
  int64_t t = 0;
  std::set<std::string> seen;
  for (const Fact* f : facts) {
    if (seen.insert(f->agreement_id).second) t = std::max(t, terms.ThresholdFor(f->agreement_id));
  }
  return t;
}

// Rejection counts per agency, dataset and reason (counts of records the hub
// refused, not of people: no disclosure control needed).
json RejectionsBySource(const PublishInput& in) {
  json out = json::array();
  for (const SourceRejections& r : in.rejections_by_source) {
    out.push_back({{"agency", r.agency}, {"dataset", r.dataset}, {"reason", r.reason}, {"records", r.records}});
  }
  return out;
}

json RepeatJson(const PublishInput& in) {
  json out = json::array();
  for (const RepeatFigures& r : RepeatVictimisation(in.facts, in.as_of)) {
    const int64_t t = in.terms.ThresholdFor(r.agreement_id);
    std::vector<std::pair<int64_t, std::string>> locations;
    for (const auto& [area, cell] : r.repeat_location_cells) {
      // Ranked by the published count, so the order says nothing more.
      locations.emplace_back(PerturbedCount(cell), area);
    }
    std::sort(locations.begin(), locations.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    if (locations.size() > 5) locations.resize(5);
    json top = json::array();
    for (const auto& [n, area] : locations) {
      top.push_back({{"area", area}, {"incidents", PublishCount(r.repeat_location_cells.at(area), t)}});
    }
    const std::string victims = PublishCount(r.victims_cell, t), repeat = PublishCount(r.repeat_cell, t);
    out.push_back({{"agreement", r.agreement_id},
                   {"threshold", t},
                   {"window", "12 months to as_of"},
                   {"victims", victims},
                   {"repeat_victims", repeat},
                   {"repeat_share", Share(repeat, victims)},
                   {"top_repeat_locations", top}});
  }
  return out;
}

json LinkageJson(const PublishInput& in) {
  json out = json::array();
  for (const LinkageFigures& l : CardiffLinkage(in.facts)) {
    const int64_t t = in.terms.ThresholdFor(l.agreement_id);
    const std::string total = PublishCount(l.attendances_cell, t), unmatched = PublishCount(l.unmatched_cell, t);
    out.push_back({{"agreement", l.agreement_id},
                   {"threshold", t},
                   {"method", l.method},
                   {"place", l.place},
                   {"ae_assault_attendances", total},
                   {"unknown_to_police", unmatched},
                   {"matched_police_violence", PublishCount(l.matched_cell, t)},
                   {"unknown_share", Share(unmatched, total)}});
  }
  return out;
}

json HotspotsJson(const PublishInput& in) {
  std::vector<const Fact*> ae;
  for (const Fact& f : in.facts) {
    if (f.source == Source::kAe && f.dataset.find("assault") != std::string::npos) ae.push_back(&f);
  }
  const int64_t t = MaxThreshold(ae, in.terms);
  Hotspots h = AeHotspots(in.facts);
  // Locations shared by at least max(t, 1) attendances are named; the rest
  // are one "other locations" line (a free-text place is only ever named
  // when enough attendances share it).
  const int64_t name_from = std::max<int64_t>(t, 1);
  std::vector<std::pair<int64_t, std::string>> named;
  CellCount other;
  for (const auto& [location, cell] : h.location_cells) {
    if (cell.count >= name_from) {
      named.emplace_back(PerturbedCount(cell), location);
    } else {
      other.Add(cell);
    }
  }
  std::sort(named.begin(), named.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  json location_rows = json::array();
  for (const auto& [n, name] : named) {
    location_rows.push_back({{"location", name}, {"attendances", PublishCount(h.location_cells.at(name), t)}});
  }
  location_rows.push_back({{"location", absl::StrCat("other locations (each fewer than ", name_from, ")")},
                           {"attendances", PublishCount(other, t)}});
  json days = json::array();
  static const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  std::array<CellCount, 24> hour_totals{};
  for (int d = 0; d < 7; ++d) {
    json cells = json::array();
    CellCount day;
    for (int hr = 0; hr < 24; ++hr) {
      const CellCount& c = h.hour_cells[d * 24 + hr];
      cells.push_back(PublishCount(c, t));
      day.Add(c);
      hour_totals[hr].Add(c);
    }
    days.push_back({{"day", kDays[d]}, {"hours", cells}, {"total", PublishCount(day, t)}});
  }
  json hours = json::array();
  for (const CellCount& c : hour_totals) hours.push_back(PublishCount(c, t));
  return {{"threshold", t},
          {"attendances", PublishCount(h.all_cell, t)},
          {"locations", location_rows},
          {"hour_of_week", days},
          {"hour_totals", hours}};
}

// The named interventions (evaluation.h): before/after counts per zone as
// cell-key cells, WDQ and WDD from the published counts.
json InterventionsJson(const PublishInput& in) {
  json out = json::array();
  // Zones may name boundary areas: those stand for the grid cells whose
  // centre lies in them.
  std::map<std::string, std::set<std::string>> cells_of;
  for (const Fact& f : in.facts) {
    if (f.area.empty()) continue;
    const std::string name = in.boundaries.AreaOfCell(f.area);
    if (!name.empty()) cells_of[name].insert(f.area);
  }
  auto expand = [&](const std::set<std::string>& zone) {
    std::set<std::string> out;
    for (const std::string& a : zone) {
      bool named = false;
      for (const NamedArea& n : in.boundaries.areas()) named |= n.name == a;
      if (!named) {
        out.insert(a);
      } else if (cells_of.count(a)) {
        out.insert(cells_of[a].begin(), cells_of[a].end());
      }
    }
    return out;
  };
  for (Intervention v : in.config.interventions) {
    v.target = expand(v.target);
    v.buffer = expand(v.buffer);
    v.control = expand(v.control);
    v.buffer_control = expand(v.buffer_control);
    const absl::Time before_start = v.start - absl::Hours(24) * v.days, after_end = v.start + absl::Hours(24) * v.days;
    std::set<std::string> datasets(v.datasets.begin(), v.datasets.end()), categories(v.categories.begin(), v.categories.end());
    std::vector<const Fact*> used;
    CellCount cells[4][2];  // target, buffer, control, buffer_control x before, after
    const std::set<std::string>* zones[4] = {&v.target, &v.buffer, &v.control, &v.buffer_control};
    for (const Fact& f : in.facts) {
      if ((!datasets.empty() && !datasets.count(f.dataset)) || f.category.empty() || f.area.empty()) continue;
      if (!categories.empty() && !categories.count(f.category)) continue;
      if (f.event_time < before_start || f.event_time >= after_end) continue;
      used.push_back(&f);
      const int when = f.event_time < v.start ? 0 : 1;
      for (int z = 0; z < 4; ++z) {
        if (zones[z]->count(f.area)) cells[z][when].Add(f.record_key);
      }
    }
    const int64_t t = MaxThreshold(used, in.terms);
    const char* names[4] = {"target", "buffer", "control", "buffer_control"};
    json counts = json::object();
    std::string published[4][2];
    for (int z = 0; z < 4; ++z) {
      if (z == 3 && v.buffer_control.empty()) continue;
      published[z][0] = PublishCount(cells[z][0], t);
      published[z][1] = PublishCount(cells[z][1], t);
      counts[names[z]] = {{"areas", json(*zones[z])}, {"before", published[z][0]}, {"after", published[z][1]}};
    }
    auto day = [](absl::Time x) { return absl::FormatTime("%Y-%m-%d", x, absl::UTCTimeZone()); };
    json row = {{"name", v.name},
                {"datasets", v.datasets},
                {"categories", v.categories},
                {"threshold", t},
                {"before", {{"from", day(before_start)}, {"to", day(v.start - absl::Hours(24))}}},
                {"after", {{"from", day(v.start)}, {"to", day(after_end - absl::Hours(24))}}},
                {"counts", counts},
                {"wdq", ""},
                {"wdq_reading", ""},
                {"wdd", ""},
                {"wdd_se", ""},
                {"wdd_z", ""},
                {"note", ""}};
    double n[4][2] = {};
    bool all_numbers = true;
    for (int z = 0; z < 4; ++z) {
      if (z == 3 && v.buffer_control.empty()) continue;
      for (int w = 0; w < 2; ++w) {
        int64_t x = 0;
        all_numbers &= IsPublishedNumber(published[z][w], &x);
        n[z][w] = static_cast<double>(x);
      }
    }
    if (after_end > in.as_of) {
      row["note"] = absl::StrCat("the after period ends on ", day(after_end - absl::Hours(24)),
                                 ", after the report date: not evaluated yet");
    } else if (!all_numbers) {
      row["note"] = "a count is under the threshold: WDQ and WDD are not published";
    } else {
      if (auto q = WeightedDisplacementQuotient(n[0][0], n[0][1], n[1][0], n[1][1], n[2][0], n[2][1])) {
        row["wdq"] = absl::StrFormat("%.2f", q->wdq);
        row["wdq_reading"] = q->reading;
      } else {
        row["note"] = "WDQ undefined: the target did not improve relative to the control (or a control count is 0)";
      }
      Wdd d = v.buffer_control.empty()
                  ? WeightedDisplacementDifference(n[0][0], n[0][1], n[2][0], n[2][1], n[1][0], n[1][1])
                  : WeightedDisplacementDifference(n[0][0], n[0][1], n[2][0], n[2][1], n[1][0], n[1][1], n[3][0], n[3][1]);
      row["wdd"] = absl::StrFormat("%.0f", d.wdd);
      row["wdd_se"] = absl::StrFormat("%.2f", d.se);
      row["wdd_z"] = absl::StrFormat("%.2f", d.z);
    }
    out.push_back(std::move(row));
  }
  return out;
}

// Counts per named neighbourhood (boundaries.h) per day (where the dataset
// has daily tables), month and quarter, each
// a cell-key cell of the records in the grid cells whose centre lies in it;
// and the shapes, for the map.
json NeighbourhoodsJson(const PublishInput& in, json* shapes) {
  json rows = json::array();
  *shapes = json::array();
  if (in.boundaries.empty()) return rows;
  for (const NamedArea& a : in.boundaries.areas()) {
    json rings = json::array();
    for (const auto& ring : a.rings) {
      json r = json::array();
      for (const BngPoint& p : ring) r.push_back({std::round(p.e), std::round(p.n)});
      rings.push_back(r);
    }
    shapes->push_back({{"name", a.name}, {"rings", rings}});
  }
  std::map<std::string, std::string> area_of;  // grid cell -> name
  std::map<std::string, std::vector<const Fact*>> by_dataset;
  for (const Fact& f : in.facts) {
    if (f.category.empty() || f.area.empty()) continue;
    if (!area_of.count(f.area)) area_of[f.area] = in.boundaries.AreaOfCell(f.area);
    by_dataset[f.dataset].push_back(&f);
  }
  for (const auto& [dataset, facts] : by_dataset) {
    const int64_t t = MaxThreshold(facts, in.terms);
    // Daily (where the dataset has daily tables), monthly and quarterly.
    std::vector<PeriodKind> kinds;
    for (PeriodKind kind : KindsFor(dataset, in, nullptr)) {
      if (kind != PeriodKind::kWeek) kinds.push_back(kind);
    }
    for (PeriodKind kind : kinds) {
      std::map<std::pair<long, std::string>, CellCount> cells;
      std::map<std::string, std::set<std::string>> members;
      std::set<long> periods;
      for (const Fact* f : facts) {
        const std::string& name = area_of[f->area];
        if (name.empty()) continue;
        members[name].insert(f->area);
        periods.insert(PeriodIndex(kind, f->event_time));
        cells[{PeriodIndex(kind, f->event_time), name}].Add(f->record_key);
      }
      for (long p : periods) {
        for (const NamedArea& a : in.boundaries.areas()) {
          if (!members.count(a.name)) continue;
          rows.push_back({{"dataset", dataset},
                          {"threshold", t},
                          {"period_kind", PeriodKindName(kind)},
                          {"period", PeriodLabel(kind, p)},
                          {"neighbourhood", a.name},
                          {"cells", json(members[a.name])},
                          {"count", PublishCount(cells[{p, a.name}], t)}});
        }
      }
    }
  }
  return rows;
}

// Which fields played which role per dataset, and what each dataset is
// left out of, with the reason (never a silent guess).
json DatasetRolesJson(const PublishInput& in) {
  std::map<std::string, std::vector<const Fact*>> by_dataset;
  for (const Fact& f : in.facts) by_dataset[f.dataset].push_back(&f);
  json out = json::array();
  for (const auto& [dataset, facts] : by_dataset) {
    const DatasetRoles& roles = in.config.RolesFor(dataset);
    size_t category = 0, area = 0, victim = 0;
    for (const Fact* f : facts) {
      category += !f->category.empty();
      area += !f->area.empty();
      victim += !f->victim.empty();
    }
    json excluded = json::array();
    const std::string declare = absl::StrCat(" (declare it in the analyst config: datasets.", dataset, ".");
    if (category == 0) {
      excluded.push_back({{"from", "counts, trends, hotspots and displacement"},
                          {"because", absl::StrCat("no field has the category role", declare, "category)")}});
    } else if (area == 0) {
      excluded.push_back({{"from", "counts, trends, hotspots and displacement"},
                          {"because", absl::StrCat("no field has the area role", declare, "area)")}});
    }
    if (category > 0 && area > 0) (void)KindsFor(dataset, in, &excluded);
    if (victim == 0) {
      excluded.push_back({{"from", "repeat victimisation"},
                          {"because", absl::StrCat("no field has the victim role", declare, "victim)")}});
    }
    json r = json::object();
    for (auto [name, fields] : {std::pair{"category", &roles.category}, std::pair{"area", &roles.area},
                                std::pair{"victim", &roles.victim}, std::pair{"location", &roles.location},
                                std::pair{"place", &roles.place}, std::pair{"hour", &roles.hour}}) {
      r[name] = *fields;
    }
    json periods = json::array();
    for (PeriodKind kind : KindsFor(dataset, in, nullptr)) periods.push_back(PeriodKindName(kind));
    out.push_back({{"dataset", dataset},
                   {"periods", periods},
                   {"roles_from", roles.from_config ? "analyst config" : "conventional field names (no roles declared)"},
                   {"roles", r},
                   {"not_included", excluded}});
  }
  return out;
}

json DisclosureJson() {
  json rows = json::array();
  for (int64_t c : {1, 2, 3, 4}) {
    json row = json::object();
    auto r = PTableRow(c);
    for (size_t i = 0; i < r.size(); ++i) {
      row[absl::StrCat(static_cast<int64_t>(i) - kMaxPerturbation)] = r[i];
    }
    rows.push_back({{"count", c == 4 ? "4 or more" : absl::StrCat(c)}, {"cell_keys_per_perturbation", row}});
  }
  return {{"method", "cell_key"},
          {"key_range", kKeyRange},
          {"max_perturbation", kMaxPerturbation},
          {"p_table", rows},
          {"note",
           "Every count is perturbed by the ONS cell key method (the same records always get the same "
           "perturbation, in every table and over time), so totals need not equal the sum of their parts. "
           "On top, a count under the agreement's small-number threshold T is shown as \"<T\" (which also "
           "covers true counts up to T+2). Changes and shares are computed from the published counts."}};
}

}  // namespace

json PublishFigures(const PublishInput& in) {
  json out;
  out["generated_at"] = Iso(absl::Now());
  out["as_of"] = Iso(in.as_of);
  json thresholds = json::object();
  for (const auto& [id, t] : in.terms.threshold) thresholds[id] = in.terms.ThresholdFor(id);
  out["thresholds"] = thresholds;
  out["disclosure"] = DisclosureJson();

  std::map<std::string, std::vector<Fact>> by_dataset;
  for (const Fact& f : in.facts) by_dataset[f.dataset].push_back(f);
  json counts = json::array();
  json displacement = json::array();
  const long last_week = PeriodIndex(PeriodKind::kWeek, in.as_of) - 1;
  const long current_month = PeriodIndex(PeriodKind::kMonth, in.as_of) - 1;
  std::map<std::string, int64_t> dataset_threshold;
  std::map<std::string, std::vector<std::string>> usual_weeks;  // dataset -> 8 published week totals
  for (const auto& [dataset, facts] : by_dataset) {
    std::vector<const Fact*> ptrs;
    for (const Fact& f : facts) ptrs.push_back(&f);
    const int64_t t = MaxThreshold(ptrs, in.terms);
    dataset_threshold[dataset] = t;
    const std::vector<PeriodKind> kinds = KindsFor(dataset, in, nullptr);
    CountTables tables(facts, t, kinds);
    for (auto& row : CountsJson(dataset, tables)) counts.push_back(std::move(row));
    // The usual week needs the published weekly totals.
    const bool weekly = std::find(kinds.begin(), kinds.end(), PeriodKind::kWeek) != kinds.end();
    for (long w = last_week - 8; weekly && w < last_week; ++w) {
      usual_weeks[dataset].push_back(tables.Lookup({static_cast<int>(PeriodKind::kWeek), w, kAll, kAll}));
    }
    // Grid cells whose month count fell, with their neighbours: every figure
    // a cell-key count of its own records, the change from published counts.
    for (const Displacement& d :
         DisplacementCheck(facts, PeriodKind::kMonth, current_month - 1, current_month)) {
      const std::string prev = PublishCount(d.previous_cell, t), cur = PublishCount(d.current_cell, t);
      if (!IsPublishedNumber(prev)) continue;  // a hotspot is a cell with a publishable previous count
      const std::string np = PublishCount(d.neighbours_previous_cell, t);
      const std::string nc = PublishCount(d.neighbours_current_cell, t);
      displacement.push_back({{"dataset", dataset},
                              {"cell", d.cell},
                              {"previous_period", PeriodLabel(PeriodKind::kMonth, current_month - 1)},
                              {"current_period", PeriodLabel(PeriodKind::kMonth, current_month)},
                              {"previous", prev},
                              {"current", cur},
                              {"change", Change(cur, prev)},
                              {"neighbours_previous", np},
                              {"neighbours_current", nc},
                              {"neighbours_change", Change(nc, np)}});
    }
  }
  out["counts"] = counts;
  out["repeat_victimisation"] = RepeatJson(in);
  CellCount all;
  for (const Fact& f : in.facts) all.Add(f.record_key);
  std::vector<const Fact*> all_ptrs;
  for (const Fact& f : in.facts) all_ptrs.push_back(&f);
  out["records_threshold"] = MaxThreshold(all_ptrs, in.terms);
  out["records"] = PublishCount(all, out["records_threshold"].get<int64_t>());
  out["cardiff_linkage"] = LinkageJson(in);
  out["ae_hotspots"] = HotspotsJson(in);
  out["displacement"] = displacement;
  out["interventions"] = InterventionsJson(in);
  out["datasets"] = DatasetRolesJson(in);
  json shapes;
  out["neighbourhoods"] = NeighbourhoodsJson(in, &shapes);
  out["boundaries"] = shapes;

  // Data-sharing health: the record counts are cell-key cells of the
  // provider's records (the same records as a counts-table total give the
  // same published figure).
  std::map<std::pair<std::string, std::string>, std::pair<CellCount, CellCount>> health_cells;
  for (const Fact& f : in.facts) {
    auto& [all_time, week] = health_cells[{f.provider, f.dataset}];
    all_time.Add(f.record_key);
    if (PeriodIndex(PeriodKind::kWeek, f.event_time) == last_week) week.Add(f.record_key);
  }
  std::map<std::string, std::set<std::string>> providers_of;
  for (const Fact& f : in.facts) providers_of[f.dataset].insert(f.provider);
  json datasets = json::array();
  for (const DatasetHealth& h : DatasetHealthFigures(in.facts, in.as_of, in.terms.fields_by_dataset)) {
    json missing = json::object();
    for (const auto& [field, rate] : h.missing_rate) missing[field] = absl::StrFormat("%.1f%%", 100 * rate);
    const int64_t t = dataset_threshold.count(h.dataset) ? dataset_threshold[h.dataset] : kDefaultThreshold;
    const auto& [all_time, week] = health_cells[{h.provider, h.dataset}];
    const std::string records = PublishCount(all_time, t), last = PublishCount(week, t);
    // The usual week: the median of the 8 published weekly totals before
    // last week (one provider only: they are the dataset's totals).
    std::string usual;
    std::vector<int64_t> weeks;
    for (const std::string& w : usual_weeks[h.dataset]) {
      int64_t v = 0;
      if (IsPublishedNumber(w, &v)) weeks.push_back(v);
    }
    if (providers_of[h.dataset].size() == 1 && weeks.size() == 8) {
      std::sort(weeks.begin(), weeks.end());
      usual = absl::StrCat((weeks[3] + weeks[4]) / 2.0);
    }
    int64_t last_v = 0;
    double usual_v = 0;
    const bool drop = IsPublishedNumber(last, &last_v) && !usual.empty() && absl::SimpleAtod(usual, &usual_v) &&
                      usual_v >= 4 && static_cast<double>(last_v) < usual_v / 2;
    const bool received = h.last_received != absl::InfinitePast();
    json row = {{"provider", h.provider},
                {"dataset", h.dataset},
                {"threshold", t},
                {"records_received", records},
                {"last_event", Iso(h.last_event)},
                {"last_received", Iso(h.last_received)},
                // How old the newest EVENT is, and how long since anything
                // arrived: a feed can deliver today an event from weeks ago.
                {"hours_since_last_event", h.last_event == absl::InfinitePast()
                                               ? json(nullptr)
                                               : json(absl::ToInt64Hours(in.as_of - h.last_event))},
                {"hours_since_last_received",
                 received ? json(absl::ToInt64Hours(in.as_of - h.last_received)) : json(nullptr)},
                {"last_week", last},
                {"usual_week", usual},
                {"volume_drop", drop},
                {"missing_field_rates", missing}};
    datasets.push_back(std::move(row));
  }
  json agreements = json::array();
  for (const AgreementHealth& a : AgreementDates(in.agreements, in.as_of)) {
    agreements.push_back({{"agreement", a.id},
                          {"version", a.version},
                          {"title", a.title},
                          {"review_by", a.review_by},
                          {"valid_until", a.valid_until},
                          {"days_to_review", a.days_to_review},
                          {"days_to_expiry", a.days_to_expiry},
                          {"flag", a.flag}});
  }
  json rejections = nullptr;
  if (in.rejections.has_value()) {
    rejections = json::object();
    for (const auto& [reason, n] : *in.rejections) rejections[reason] = n;
  }
  out["health"] = {{"datasets", datasets},
                   {"agreements", agreements},
                   {"rejections_hub_wide", rejections},
                   {"rejections_by_source", RejectionsBySource(in)},
                   {"rejections_note", in.rejections_note}};
  out["data_difficulties"] = in.data_difficulties;
  // The backstop: the attacker check (attack.h) on the figures as they would
  // be published; any figure that would let a reader pin a small count to
  // within +-1 is withheld ("[c]"), and the check repeats until clean.
  AttackOptions attack = in.attack;
  attack.previous = &in.previous;
  out["disclosure"]["attacker_check"] = ProtectAgainstAttack(out, in.facts, attack);
  return out;
}

}  // namespace accord::analyst
