// The attacker's model of a pack, part 2: the tables that count the same
// records again (displacement, Cardiff linkage, hotspots, repeat
// victimisation, interventions, neighbourhoods) (attack_model.h).
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "attack_model.h"
#include "audit.h"

namespace accord::analyst::attack {

using nlohmann::json;

void Model::BuildDisplacement() {
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
void Model::TieToDatasets(int total, const std::set<std::string>& datasets, double others, const std::string& what) {
  Sparse v{{total, 1.0}};
  for (const auto& ds : datasets) {
    auto it = dataset_total_.find(ds);
    if (it == dataset_total_.end()) return;  // not in the health table: no tie
    for (auto [var, k] : it->second) v.emplace_back(var, -k);
  }
  Relation(v, 0, -others, -others, what);
}

void Model::BuildLinkage(const std::vector<Fact>& facts) {
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

void Model::BuildHotspots(const std::vector<Fact>& facts) {
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

void Model::BuildRepeat(const std::vector<Fact>& facts) {
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
void Model::BuildInterventions() {
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
void Model::BuildNeighbourhoods() {
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

}  // namespace accord::analyst::attack
