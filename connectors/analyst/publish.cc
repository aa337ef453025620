#include "publish.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "audit.h"
#include "health.h"
#include "periods.h"
#include "suppression.h"

namespace accord::analyst {
namespace {

using nlohmann::json;

constexpr char kAll[] = "all";

std::string Iso(absl::Time t) {
  if (t == absl::InfinitePast()) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string Share(int64_t part, int64_t whole) {
  if (whole <= 0) return "";
  return absl::StrFormat("%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

// The category x area x period tables of one dataset, all periods of all
// kinds in one SuppressionTable: one linked system, so that no hidden count
// can be worked out from any other table. The links:
//   - per period, each grid's row, column and grand totals;
//   - a quarter's cells and totals are the sums of its three months';
//   - per category x area (and per category, per area and overall, which
//     the cells imply), months and ISO weeks: a week inside a month adds
//     up to it; a week straddling a month end whose records fall on both
//     sides joins the two months into a run, and the run's weeks add up to
//     its months (a balance); one with records on one side only counts
//     towards that side (the attacker is assumed to know the split);
//   - weeks, months and quarters each add up to the all-time total.
// Apply() then checks the whole system exactly (suppression.h).
class CountTables {
 public:
  // (kind, period, category, area); category/area kAll for totals.
  using Key = std::tuple<int, long, std::string, std::string>;

  CountTables(const std::vector<Fact>& facts, int64_t threshold) {
    std::map<Key, int> grid_cells;  // every grid cell, zeros included
    for (PeriodKind kind : {PeriodKind::kWeek, PeriodKind::kMonth, PeriodKind::kQuarter}) {
      std::map<long, std::map<std::string, std::map<std::string, int64_t>>> periods;
      for (const auto& [key, n] : CountByCategoryAreaPeriod(facts, kind)) {
        periods[key.period][key.category][key.area] += n;
      }
      for (const auto& [period, by_category] : periods) {
        std::vector<std::string> categories, areas;
        std::set<std::string> area_set;
        for (const auto& [c, by_area] : by_category) {
          categories.push_back(c);
          for (const auto& [a, n] : by_area) area_set.insert(a);
        }
        areas.assign(area_set.begin(), area_set.end());
        std::vector<std::vector<int64_t>> values;
        for (const auto& c : categories) {
          std::vector<int64_t> row;
          for (const auto& a : areas) {
            auto it = by_category.at(c).find(a);
            row.push_back(it == by_category.at(c).end() ? 0 : it->second);
          }
          values.push_back(std::move(row));
        }
        Grid g = AddGrid(table_, values);
        int k = static_cast<int>(kind);
        for (size_t r = 0; r < categories.size(); ++r) {
          for (size_t c = 0; c < areas.size(); ++c) {
            grid_cells[{k, period, categories[r], areas[c]}] = g.cell[r][c];
            if (values[r][c] > 0) ids_[{k, period, categories[r], areas[c]}] = g.cell[r][c];
          }
          ids_[{k, period, categories[r], kAll}] = g.row_total[r];
        }
        for (size_t c = 0; c < areas.size(); ++c) ids_[{k, period, kAll, areas[c]}] = g.col_total[c];
        ids_[{k, period, kAll, kAll}] = g.grand_total;
      }
    }
    // Weeks, months and quarters each partition time: their grand totals add
    // up to the dataset's all-time total (published in the health table).
    int64_t all_time = 0;
    for (const auto& [key, id] : ids_) {
      if (std::get<0>(key) == static_cast<int>(PeriodKind::kMonth) && std::get<2>(key) == kAll &&
          std::get<3>(key) == kAll) {
        all_time += table_.value(id);
      }
    }
    all_time_ = table_.AddCell(all_time);
    for (PeriodKind kind : {PeriodKind::kWeek, PeriodKind::kMonth, PeriodKind::kQuarter}) {
      std::vector<int> totals;
      for (const auto& [key, id] : ids_) {
        if (std::get<0>(key) == static_cast<int>(kind) && std::get<2>(key) == kAll && std::get<3>(key) == kAll) {
          totals.push_back(id);
        }
      }
      table_.AddEquation(totals, all_time_, /*prefer_total=*/true);
    }
    // Quarters are the sum of their three months, cell by cell and total by total.
    const int month = static_cast<int>(PeriodKind::kMonth);
    const int quarter = static_cast<int>(PeriodKind::kQuarter);
    for (const auto& [key, id] : ids_) {
      if (std::get<0>(key) != quarter) continue;
      std::vector<int> members;
      for (long m = std::get<1>(key) * 3; m < std::get<1>(key) * 3 + 3; ++m) {
        auto it = ids_.find({month, m, std::get<2>(key), std::get<3>(key)});
        if (it != ids_.end()) members.push_back(it->second);
      }
      table_.AddEquation(members, id);
    }
    LinkWeeksToMonths(facts, grid_cells);
    table_.Apply(threshold);
    // A zero is published by leaving its row out, which tells the attacker
    // it is 0. One the suppression hid (a last resort) is listed, withheld.
    for (const auto& [key, id] : grid_cells) {
      if (table_.hidden(id)) ids_.emplace(key, id);
    }
  }

  const std::map<Key, int>& ids() const { return ids_; }
  // The all-time number of counted records, as published.
  std::string AllTime() const { return table_.Published(all_time_); }
  int64_t AllTimeValue() const { return table_.value(all_time_); }
  const SuppressionTable& table() const { return table_; }

  // The published count of `key` ("0" when no such count: a true zero), and
  // whether it is visible.
  std::pair<std::string, bool> Lookup(const Key& key) const {
    auto it = ids_.find(key);
    if (it == ids_.end()) return {"0", true};
    return {table_.Published(it->second), !table_.hidden(it->second)};
  }
  int64_t Value(const Key& key) const {
    auto it = ids_.find(key);
    return it == ids_.end() ? 0 : table_.value(it->second);
  }

 private:
  void LinkWeeksToMonths(const std::vector<Fact>& facts, const std::map<Key, int>& grid_cells);

  SuppressionTable table_;
  std::map<Key, int> ids_;
  int all_time_ = -1;
};

void CountTables::LinkWeeksToMonths(const std::vector<Fact>& facts, const std::map<Key, int>& grid_cells) {
  const int week = static_cast<int>(PeriodKind::kWeek);
  const int month = static_cast<int>(PeriodKind::kMonth);
  // Records per category x area x week x month: a week's part in each month.
  using Cell = std::pair<std::string, std::string>;
  std::map<Cell, std::map<std::pair<long, long>, int64_t>> parts;
  for (const Fact& f : facts) {
    if (f.category.empty() || f.area.empty()) continue;
    std::pair<long, long> week_month{PeriodIndex(PeriodKind::kWeek, f.event_time),
                                     PeriodIndex(PeriodKind::kMonth, f.event_time)};
    for (const Cell& cell : {Cell{f.category, f.area}, Cell{f.category, kAll}, Cell{kAll, f.area}, Cell{kAll, kAll}}) {
      ++parts[cell][week_month];
    }
  }
  // The grid cells of each category x area, by kind, and likewise the row,
  // column and grand totals (implied by the cells, but stated so that
  // secondary suppression finds the partners of a pinned total directly).
  std::map<Key, int> all = grid_cells;
  all.insert(ids_.begin(), ids_.end());
  std::map<Cell, std::vector<std::pair<long, int>>> weeks, months;
  for (const auto& [key, id] : all) {
    auto [kind, period, category, area] = key;
    if (kind == week) weeks[{category, area}].emplace_back(period, id);
    if (kind == month) months[{category, area}].emplace_back(period, id);
  }
  const absl::CivilDay week_epoch(1970, 1, 5);  // periods.h: week index 0
  for (const auto& [cell, month_cells] : months) {
    const auto& part = parts[cell];
    std::map<long, long> run;  // month -> first month of its run
    for (const auto& [m, id] : month_cells) run[m] = m;
    std::function<long(long)> find = [&](long m) { return run[m] == m ? m : run[m] = find(run[m]); };
    std::vector<std::tuple<long, long, long>> week_months;  // (week, first month, last month)
    for (const auto& [w, id] : weeks[cell]) {
      absl::Time start = absl::FromCivil(week_epoch + 7 * w, absl::UTCTimeZone());
      long first = PeriodIndex(PeriodKind::kMonth, start);
      long last = PeriodIndex(PeriodKind::kMonth, start + absl::Hours(24 * 6));
      week_months.emplace_back(w, first, last);
      auto count = [&](long m) {
        auto it = part.find({w, m});
        return it == part.end() ? 0 : it->second;
      };
      if (first != last && count(first) > 0 && count(last) > 0) run[find(last)] = find(first);
    }
    std::map<long, std::pair<std::vector<int>, std::vector<int>>> sides;  // run -> (weeks, months)
    for (const auto& [m, id] : month_cells) sides[find(m)].second.push_back(id);
    for (size_t i = 0; i < week_months.size(); ++i) {
      auto [w, first, last] = week_months[i];
      int id = weeks[cell][i].second;
      // The month holding the week's records (either, for an empty week).
      long m = part.count({w, first}) || !run.count(last) ? first : last;
      if (!run.count(m)) continue;  // no such month cell: the week is 0 there
      sides[find(m)].first.push_back(id);
    }
    for (auto& [root, side] : sides) {
      auto& [week_ids, month_ids] = side;
      if (week_ids.empty()) continue;  // months with no weeks: all zero
      if (month_ids.size() == 1) {
        table_.AddEquation(week_ids, month_ids[0]);
      } else {
        table_.AddBalance(week_ids, month_ids);
      }
    }
  }
}

json CountsJson(const std::string& dataset, int64_t threshold, const CountTables& t) {
  json rows = json::array();
  for (const auto& [key, id] : t.ids()) {
    auto [kind_int, period, category, area] = key;
    PeriodKind kind = static_cast<PeriodKind>(kind_int);
    auto [count, visible] = t.Lookup(key);
    CountTables::Key prev{kind_int, period - 1, category, area};
    CountTables::Key last_year{kind_int, period - PeriodsPerYear(kind), category, area};
    auto [prev_count, prev_visible] = t.Lookup(prev);
    auto [ly_count, ly_visible] = t.Lookup(last_year);
    json row = {{"dataset", dataset},
                {"threshold", threshold},
                {"period_kind", PeriodKindName(kind)},
                {"period", PeriodLabel(kind, period)},
                {"category", category},
                {"area", area},
                {"count", count},
                {"previous_period", prev_count},
                {"change_vs_previous", ""},
                {"same_period_last_year", ly_count},
                {"change_vs_last_year", ""}};
    int64_t v = t.Value(key);
    if (visible && prev_visible) row["change_vs_previous"] = absl::StrCat(v - t.Value(prev));
    if (visible && ly_visible) row["change_vs_last_year"] = absl::StrCat(v - t.Value(last_year));
    rows.push_back(std::move(row));
  }
  return rows;
}

int64_t MaxThreshold(const std::vector<const Fact*>& facts, const AgreementTerms& terms) {
  int64_t t = 0;
  std::set<std::string> seen;
  for (const Fact* f : facts) {
    if (seen.insert(f->agreement_id).second) t = std::max(t, terms.ThresholdFor(f->agreement_id));
  }
  return t == 0 ? kDefaultThreshold : t;
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
    int64_t t = in.terms.ThresholdFor(r.agreement_id);
    SuppressionTable table;
    int victims = table.AddCell(r.victims);
    int repeat = table.AddCell(r.repeat_victims);
    int single = table.AddCell(r.victims - r.repeat_victims);  // never published itself
    table.AddEquation({repeat, single}, victims);
    std::vector<std::pair<int64_t, std::string>> locations;
    for (const auto& [area, n] : r.repeat_locations) locations.emplace_back(n, area);
    std::sort(locations.begin(), locations.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    if (locations.size() > 5) locations.resize(5);
    std::vector<int> location_ids;
    for (const auto& [n, area] : locations) location_ids.push_back(table.AddCell(n));
    table.Apply(t);
    json top = json::array();
    for (size_t i = 0; i < locations.size(); ++i) {
      top.push_back({{"area", locations[i].second}, {"incidents", table.Published(location_ids[i])}});
    }
    bool shareable = !table.hidden(victims) && !table.hidden(repeat);
    out.push_back({{"agreement", r.agreement_id},
                   {"threshold", t},
                   {"window", "12 months to as_of"},
                   {"victims", table.Published(victims)},
                   {"repeat_victims", table.Published(repeat)},
                   {"repeat_share", shareable ? Share(r.repeat_victims, r.victims) : ""},
                   {"top_repeat_locations", top}});
  }
  return out;
}

// `published`: datasets whose all-time count the counts tables published,
// with that count; a total equal to it is public, and treated so.
using PublishedTotals = std::map<std::string, int64_t>;

// Marks `total` public when the records it counts are exactly one dataset
// whose all-time count is published (and equal).
void PublishIfPublic(SuppressionTable& table, int total, const std::set<std::string>& datasets,
                     const PublishedTotals& published) {
  if (datasets.size() != 1) return;
  auto it = published.find(*datasets.begin());
  if (it != published.end() && it->second == table.value(total)) table.Publish(total);
}

// `withheld`: datasets whose all-time count the counts tables hid; a total
// equal to it must stay hidden here too.
json LinkageJson(const PublishInput& in, const std::set<std::string>& withheld, const PublishedTotals& published) {
  json out = json::array();
  for (const LinkageFigures& l : CardiffLinkage(in.facts)) {
    int64_t t = in.terms.ThresholdFor(l.agreement_id);
    SuppressionTable table;
    int total = table.AddCell(l.attendances);
    std::set<std::string> datasets;
    for (const Fact& f : in.facts) {
      if (f.source == Source::kAe && f.agreement_id == l.agreement_id) datasets.insert(f.dataset);
    }
    bool withhold = false;
    for (const auto& d : datasets) withhold |= withheld.count(d) > 0;
    if (withhold) {
      table.Withhold(total);
    } else {
      PublishIfPublic(table, total, datasets, published);
    }
    int unmatched = table.AddCell(l.unmatched);
    int matched = table.AddCell(l.attendances - l.unmatched);
    table.AddEquation({unmatched, matched}, total);
    table.Apply(t);
    bool shareable = !table.hidden(total) && !table.hidden(unmatched);
    out.push_back({{"agreement", l.agreement_id},
                   {"threshold", t},
                   {"method", l.method},
                   {"place", l.place},
                   {"ae_assault_attendances", table.Published(total)},
                   {"unknown_to_police", table.Published(unmatched)},
                   {"matched_police_violence", table.Published(matched)},
                   {"unknown_share", shareable ? Share(l.unmatched, l.attendances) : ""}});
  }
  return out;
}

json HotspotsJson(const PublishInput& in, const std::set<std::string>& withheld, const PublishedTotals& published) {
  std::vector<const Fact*> ae;
  bool withhold_total = false;
  std::set<std::string> datasets;
  for (const Fact& f : in.facts) {
    if (f.source == Source::kAe && f.dataset.find("assault") != std::string::npos) {
      ae.push_back(&f);
      withhold_total |= withheld.count(f.dataset) > 0;
      datasets.insert(f.dataset);
    }
  }
  const int64_t t = MaxThreshold(ae, in.terms);
  Hotspots h = AeHotspots(in.facts);
  // Locations: those shared by at least t attendances are named; the rest
  // are one "other locations" line.
  SuppressionTable locations;
  std::vector<std::pair<std::string, int>> named;
  int64_t other = 0, all = 0;
  for (const auto& [location, n] : h.by_location) {
    all += n;
    if (n >= t) {
      named.emplace_back(location, locations.AddCell(n));
    } else {
      other += n;
    }
  }
  std::sort(named.begin(), named.end(), [&](const auto& a, const auto& b) {
    return locations.value(a.second) > locations.value(b.second);
  });
  int other_id = locations.AddCell(other);
  std::vector<int> members{other_id};
  for (const auto& [name, id] : named) members.push_back(id);
  // Hour of week: a 7 x 24 grid with day and hour totals, in the same table
  // so both views share one grand total.
  std::vector<std::vector<int64_t>> grid(7, std::vector<int64_t>(24));
  for (int i = 0; i < 168; ++i) grid[i / 24][i % 24] = h.by_hour_of_week[i];
  SuppressionTable& hours = locations;
  Grid g = AddGrid(hours, grid);
  int all_id = g.grand_total;
  if (hours.value(all_id) == all) {
    locations.AddEquation(members, all_id);
  } else {
    // Some attendances lack an hour: the location list has its own total.
    all_id = locations.AddCell(all);
    locations.AddEquation(members, all_id);
  }
  if (withhold_total) {
    locations.Withhold(all_id);
  } else {
    PublishIfPublic(locations, all_id, datasets, published);
  }
  locations.Apply(t);
  json location_rows = json::array();
  for (const auto& [name, id] : named) {
    location_rows.push_back({{"location", name}, {"attendances", locations.Published(id)}});
  }
  location_rows.push_back({{"location", absl::StrCat("other locations (each fewer than ", t, ")")},
                           {"attendances", locations.Published(other_id)}});
  json days = json::array();
  static const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  for (int d = 0; d < 7; ++d) {
    json cells = json::array();
    for (int hr = 0; hr < 24; ++hr) cells.push_back(hours.Published(g.cell[d][hr]));
    days.push_back({{"day", kDays[d]}, {"hours", cells}, {"total", hours.Published(g.row_total[d])}});
  }
  json hour_totals = json::array();
  for (int hr = 0; hr < 24; ++hr) hour_totals.push_back(hours.Published(g.col_total[hr]));
  return {{"threshold", t},
          {"attendances", locations.Published(all_id)},
          {"locations", location_rows},
          {"hour_of_week", days},
          {"hour_totals", hour_totals}};
}

}  // namespace

json PublishFigures(const PublishInput& in) {
  json out;
  out["generated_at"] = Iso(absl::Now());
  out["as_of"] = Iso(in.as_of);
  json thresholds = json::object();
  for (const auto& [id, t] : in.terms.threshold) thresholds[id] = in.terms.ThresholdFor(id);
  out["thresholds"] = thresholds;

  // Counts, per dataset.
  std::map<std::string, std::vector<Fact>> by_dataset;
  for (const Fact& f : in.facts) by_dataset[f.dataset].push_back(f);
  json counts = json::array();
  json displacement = json::array();
  std::map<std::string, std::string> published_totals;  // dataset -> all-time count as published
  // What the health table may show for a dataset's counts, consistent with
  // the counts tables: (value, published form) of its all-time and last-week totals.
  struct DatasetTotals {
    int64_t threshold = kDefaultThreshold;
    std::pair<int64_t, std::string> all_time, last_week;
    // The usual week is the median of the 8 weekly totals before last week,
    // a function of them: shown only when they are all published (and are
    // the same series: one provider, every record counted).
    bool usual_week_shown = false;
  };
  std::map<std::string, DatasetTotals> dataset_totals;
  const long last_week = PeriodIndex(PeriodKind::kWeek, in.as_of) - 1;
  const long current_month = PeriodIndex(PeriodKind::kMonth, in.as_of) - 1;
  for (const auto& [dataset, facts] : by_dataset) {
    std::vector<const Fact*> ptrs;
    for (const Fact& f : facts) ptrs.push_back(&f);
    const int64_t t = MaxThreshold(ptrs, in.terms);
    CountTables tables(facts, t);
    published_totals[dataset] = tables.AllTime();
    bool weeks_published = true;
    for (long w = last_week - 8; w < last_week; ++w) {
      weeks_published &= tables.Lookup({static_cast<int>(PeriodKind::kWeek), w, kAll, kAll}).second;
    }
    std::set<std::string> providers;
    for (const Fact& f : facts) providers.insert(f.provider);
    const bool usual_week_shown = weeks_published && providers.size() == 1 &&
                                  tables.AllTimeValue() == static_cast<int64_t>(facts.size());
    const CountTables::Key week_key{static_cast<int>(PeriodKind::kWeek), last_week, kAll, kAll};
    dataset_totals[dataset] = {t, {tables.AllTimeValue(), tables.AllTime()},
                               {tables.Value(week_key), tables.Lookup(week_key).first}, usual_week_shown};
    for (auto& row : CountsJson(dataset, t, tables)) counts.push_back(std::move(row));
    // Displacement over the same published month totals per grid cell.
    const int month = static_cast<int>(PeriodKind::kMonth);
    for (const Displacement& d :
         DisplacementCheck(facts, PeriodKind::kMonth, current_month - 1, current_month)) {
      auto [prev, prev_visible] = tables.Lookup({month, current_month - 1, kAll, d.cell});
      auto [cur, cur_visible] = tables.Lookup({month, current_month, kAll, d.cell});
      bool neighbours_visible = true;
      for (const std::string& n : GridNeighbours(d.cell)) {
        neighbours_visible &= tables.Lookup({month, current_month - 1, kAll, n}).second &&
                              tables.Lookup({month, current_month, kAll, n}).second;
      }
      // A hotspot is a cell whose previous count was publishable.
      if (!prev_visible) continue;
      json row = {{"dataset", dataset},
                  {"cell", d.cell},
                  {"previous_period", PeriodLabel(PeriodKind::kMonth, current_month - 1)},
                  {"current_period", PeriodLabel(PeriodKind::kMonth, current_month)},
                  {"previous", prev},
                  {"current", cur},
                  {"change", cur_visible ? absl::StrCat(d.current - d.previous) : ""},
                  {"neighbours_previous", neighbours_visible ? absl::StrCat(d.neighbours_previous) : "withheld"},
                  {"neighbours_current", neighbours_visible ? absl::StrCat(d.neighbours_current) : "withheld"},
                  {"neighbours_change",
                   neighbours_visible ? absl::StrCat(d.neighbours_current - d.neighbours_previous) : ""}};
      displacement.push_back(std::move(row));
    }
  }
  out["counts"] = counts;
  out["repeat_victimisation"] = RepeatJson(in);
  std::set<std::string> withheld;
  for (const auto& [dataset, total] : published_totals) {
    if (total.empty() || !std::isdigit(static_cast<unsigned char>(total[0]))) withheld.insert(dataset);
  }
  // The number of records is the sum of the datasets' totals: shown only
  // when all of them are (and all records were counted).
  int64_t counted = 0;
  for (const auto& [dataset, dt] : dataset_totals) counted += dt.all_time.first;
  out["records"] = withheld.empty() && counted == static_cast<int64_t>(in.facts.size())
                       ? json(absl::StrCat(in.facts.size()))
                       : json(kWithheld);
  PublishedTotals public_totals;
  for (const auto& [dataset, dt] : dataset_totals) {
    if (!withheld.count(dataset)) public_totals[dataset] = dt.all_time.first;
  }
  out["cardiff_linkage"] = LinkageJson(in, withheld, public_totals);
  out["ae_hotspots"] = HotspotsJson(in, withheld, public_totals);
  out["displacement"] = displacement;

  // Data-sharing health (operational counts of records, not of people).
  json datasets = json::array();
  for (const DatasetHealth& h : DatasetHealthFigures(in.facts, in.as_of, in.terms.fields_by_dataset)) {
    json missing = json::object();
    for (const auto& [field, rate] : h.missing_rate) missing[field] = absl::StrFormat("%.1f%%", 100 * rate);
    // The record count is also the sum of the published period totals, so it
    // is published under the same suppression.
    // When a health count equals one the counts tables published, it takes
    // that published form; otherwise a count under the threshold is "<N".
    const DatasetTotals& dt = dataset_totals[h.dataset];
    auto shown = [&](int64_t value, const std::pair<int64_t, std::string>& same) -> json {
      if (value == same.first && !same.second.empty()) return same.second;
      // A different count (one of several providers of the dataset, or
      // records the counts leave out) adds up with the others to the
      // dataset's total: withheld while that total is.
      if (!same.second.empty() && !std::isdigit(static_cast<unsigned char>(same.second[0]))) return kWithheld;
      if (value > 0 && value < dt.threshold) return absl::StrCat("<", dt.threshold);
      return value;
    };
    json usual = !dt.usual_week_shown ? json(kWithheld)
                 : h.usual_week > 0 && h.usual_week < static_cast<double>(dt.threshold)
                     ? json(absl::StrCat("<", dt.threshold))
                     : json(h.usual_week);
    json row = {{"provider", h.provider},
                {"dataset", h.dataset},
                {"records_received", shown(h.records, dt.all_time)},
                {"last_event", Iso(h.last_event)},
                {"last_received", Iso(h.last_received)},
                {"freshness_hours", h.last_received == absl::InfinitePast()
                                        ? json(nullptr)
                                        : json(absl::ToInt64Hours(in.as_of - h.last_received))},
                {"last_week", shown(h.last_week, dt.last_week)},
                {"usual_week", usual},
                {"volume_drop", h.volume_drop},
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
  return out;
}

}  // namespace accord::analyst
