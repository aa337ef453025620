#include "audit.h"

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace accord::analyst {
namespace {

// "AL1 4" and "AL1 4" match; "AL1" matches "AL1 4" (district vs sector).
bool SamePlace(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  bool a_sector = a.find(' ') != std::string::npos;
  bool b_sector = b.find(' ') != std::string::npos;
  if (a_sector && b_sector) return a == b;
  return a.substr(0, a.find(' ')) == b.substr(0, b.find(' '));
}

absl::Duration Abs(absl::Duration d) { return d < absl::ZeroDuration() ? -d : d; }

}  // namespace

std::map<CountKey, int64_t> CountByCategoryAreaPeriod(const std::vector<Fact>& facts,
                                                      PeriodKind kind) {
  std::map<CountKey, int64_t> out;
  for (const Fact& f : facts) {
    if (f.category.empty() || f.area.empty()) continue;
    ++out[{f.dataset, PeriodIndex(kind, f.event_time), f.category, f.area}];
  }
  return out;
}

std::vector<RepeatFigures> RepeatVictimisation(const std::vector<Fact>& facts, absl::Time as_of) {
  const absl::Time start = as_of - absl::Hours(24 * 365);
  struct Victim {
    std::set<long> weeks;
    std::vector<const Fact*> incidents;
  };
  std::map<std::string, std::map<std::string, Victim>> by_agreement;
  for (const Fact& f : facts) {
    if (f.victim.empty() || f.event_time <= start || f.event_time > as_of) continue;
    Victim& v = by_agreement[f.agreement_id][f.victim];
    if (v.weeks.insert(PeriodIndex(PeriodKind::kWeek, f.event_time)).second) v.incidents.push_back(&f);
  }
  std::vector<RepeatFigures> out;
  for (const auto& [agreement, victims] : by_agreement) {
    RepeatFigures r;
    r.agreement_id = agreement;
    for (const auto& [key, v] : victims) {
      ++r.victims;
      r.victims_cell.Add(RecordKey(key));
      if (v.weeks.size() < 2) continue;
      ++r.repeat_victims;
      r.repeat_cell.Add(RecordKey(key));
      for (const Fact* f : v.incidents) {
        if (f->area.empty()) continue;
        ++r.repeat_locations[f->area];
        r.repeat_location_cells[f->area].Add(f->record_key);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<LinkageFigures> CardiffLinkage(const std::vector<Fact>& facts, absl::Duration window) {
  // Police victim records by agreement and victim key.
  std::map<std::string, std::map<std::string, std::vector<absl::Time>>> police_by_victim;
  std::vector<const Fact*> police_violence;
  for (const Fact& f : facts) {
    if (f.source != Source::kPolice) continue;
    if (!f.victim.empty()) police_by_victim[f.agreement_id][f.victim].push_back(f.event_time);
    if (IsViolence(f.category)) police_violence.push_back(&f);
  }
  std::map<std::string, LinkageFigures> out;
  std::map<std::string, std::set<bool>> incident_place;  // agreement -> kinds of A&E place used
  for (const Fact& f : facts) {
    if (f.source != Source::kAe) continue;
    auto agreement = police_by_victim.find(f.agreement_id);
    bool by_pseudonym = agreement != police_by_victim.end() && !f.victim.empty();
    LinkageFigures& l = out[f.agreement_id];
    l.agreement_id = f.agreement_id;
    l.method = by_pseudonym ? "pseudonym" : "time_and_place";
    ++l.attendances;
    l.attendances_cell.Add(f.record_key);
    bool matched = false;
    if (by_pseudonym) {
      auto victim = agreement->second.find(f.victim);
      if (victim != agreement->second.end()) {
        for (absl::Time t : victim->second) matched |= Abs(t - f.event_time) <= absl::Hours(24 * 7);
      }
    } else {
      incident_place[f.agreement_id].insert(f.incident_place);
      for (const Fact* p : police_violence) {
        if (Abs(p->event_time - f.event_time) <= window && SamePlace(p->postcode_area, f.postcode_area)) {
          matched = true;
          break;
        }
      }
    }
    if (!matched) {
      ++l.unmatched;
      l.unmatched_cell.Add(f.record_key);
    } else {
      l.matched_cell.Add(f.record_key);
    }
  }
  std::vector<LinkageFigures> v;
  for (auto& [k, l] : out) {
    const std::set<bool>& kinds = incident_place[k];
    if (kinds.size() == 2) {
      l.place = "incident or home postcode";
    } else if (kinds.count(true)) {
      l.place = "incident postcode";
    } else if (kinds.count(false)) {
      l.place = "home postcode";
    }
    v.push_back(std::move(l));
  }
  return v;
}

Hotspots AeHotspots(const std::vector<Fact>& facts) {
  Hotspots h;
  for (const Fact& f : facts) {
    if (f.source != Source::kAe || f.dataset.find("assault") == std::string::npos) continue;
    h.all_cell.Add(f.record_key);
    if (!f.location.empty()) {
      ++h.by_location[f.location];
      h.location_cells[f.location].Add(f.record_key);
    }
    if (f.hour_of_week >= 0 && f.hour_of_week < 168) {
      ++h.by_hour_of_week[f.hour_of_week];
      h.hour_cells[f.hour_of_week].Add(f.record_key);
    }
  }
  return h;
}

std::vector<std::string> GridNeighbours(const std::string& cell) {
  std::vector<std::string> parts = absl::StrSplit(cell, ':');
  long metres = 0, e = 0, n = 0;
  if (parts.size() != 3 || parts[0].rfind("BNG", 0) != 0 ||
      !absl::SimpleAtoi(parts[0].substr(3), &metres) || !absl::SimpleAtoi(parts[1], &e) ||
      !absl::SimpleAtoi(parts[2], &n) || metres <= 0) {
    return {};
  }
  std::vector<std::string> out;
  for (int dx = -1; dx <= 1; ++dx) {
    for (int dy = -1; dy <= 1; ++dy) {
      if (dx == 0 && dy == 0) continue;
      out.push_back(absl::StrCat("BNG", metres, ":", e + dx * metres, ":", n + dy * metres));
    }
  }
  return out;
}

std::vector<Displacement> DisplacementCheck(const std::vector<Fact>& facts, PeriodKind kind,
                                            long previous, long current, size_t top) {
  std::map<std::string, std::pair<CellCount, CellCount>> cells;  // previous, current
  for (const Fact& f : facts) {
    // The same records as the counts tables: those with a category.
    if (f.source != Source::kPolice || f.area.rfind("BNG", 0) != 0 || f.category.empty()) continue;
    long p = PeriodIndex(kind, f.event_time);
    if (p == previous) cells[f.area].first.Add(f.record_key);
    if (p == current) cells[f.area].second.Add(f.record_key);
  }
  std::vector<Displacement> out;
  for (const auto& [cell, counts] : cells) {
    if (counts.second.count >= counts.first.count) continue;
    Displacement d;
    d.cell = cell;
    d.previous = counts.first.count;
    d.current = counts.second.count;
    d.previous_cell = counts.first;
    d.current_cell = counts.second;
    for (const std::string& n : GridNeighbours(cell)) {
      auto it = cells.find(n);
      if (it == cells.end()) continue;
      d.neighbours_previous += it->second.first.count;
      d.neighbours_current += it->second.second.count;
      d.neighbours_previous_cell.Add(it->second.first);
      d.neighbours_current_cell.Add(it->second.second);
    }
    out.push_back(d);
  }
  std::sort(out.begin(), out.end(), [](const Displacement& a, const Displacement& b) {
    if (a.previous != b.previous) return a.previous > b.previous;
    return a.cell < b.cell;
  });
  if (out.size() > top) out.resize(top);
  return out;
}

}  // namespace accord::analyst
