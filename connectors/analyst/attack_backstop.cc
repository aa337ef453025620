// The attacker check's backstop (attack.h, ProtectAgainstAttack): while the
// attack finds a leak, withhold the visible figure that gives it away, and
// recompute every derived figure from the published counts.
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "attack.h"
#include "attack_components.h"
#include "attack_model.h"
#include "cell_key.h"

namespace accord::analyst {
namespace {

using nlohmann::json;
using attack::AttackCache;
using attack::Figure;
using attack::Model;
using attack::RunAttack;
using attack::ShiftLabel;
using attack::Str;

// The records of the figure at `leak_pointer`.
std::set<int> RecordsOf(const std::vector<Figure>& figs, const std::string& leak_pointer) {
  std::set<int> target;
  for (const Figure& f : figs) {
    if (f.pointer == leak_pointer) {
      for (auto [i, c] : f.coef) target.insert(i);
    }
  }
  return target;
}

// `target` and the records it is tied to through known relations (figures
// with no pointer: a table's total to the health table, ...).
std::set<int> TiedTo(const std::vector<Figure>& figs, const std::set<int>& target) {
  std::set<int> tied = target;
  for (const Figure& f : figs) {
    if (!f.pointer.empty()) continue;
    bool touches = false;
    for (auto [i, c] : f.coef) touches |= target.count(i) > 0;
    if (!touches) continue;
    for (auto [i, c] : f.coef) tied.insert(i);
  }
  return tied;
}

// Every visible number sharing records with the figure at `leak_pointer`,
// directly or through a known relation (the escalation when withholding one
// culprit at a time has not closed a leak).
std::vector<std::string> AllSharing(const std::vector<Figure>& figs, const std::string& leak_pointer) {
  const std::set<int> tied = TiedTo(figs, RecordsOf(figs, leak_pointer));
  std::vector<std::string> out;
  for (const Figure& f : figs) {
    if (f.pointer.empty() || f.earlier || f.pointer == leak_pointer || !f.number) continue;
    bool shares = false;
    for (auto [i, c] : f.coef) shares |= tied.count(i) > 0;
    if (shares) out.push_back(f.pointer);
  }
  return out;
}

// The visible figure that gives away the figure at `leak_pointer`: the
// smallest one containing all its records (a total or a margin), else the
// smallest sharing some, else (the leak comes through ties to other tables)
// the largest visible figure. "" if there is none.
std::string Culprit(const std::vector<Figure>& figs, const std::string& leak_pointer) {
  const std::set<int> target = RecordsOf(figs, leak_pointer);
  const std::set<int> tied = TiedTo(figs, target);
  const Figure* best = nullptr;
  size_t best_size = 0, best_overlap = 0;
  bool best_superset = false;
  for (const Figure& f : figs) {
    if (f.pointer.empty() || f.earlier || f.pointer == leak_pointer || !f.number) continue;
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
      if (f.pointer.empty() || f.earlier || !f.number) continue;
      if (best == nullptr || f.coef.size() > best_size) {
        best = &f;
        best_size = f.coef.size();
      }
    }
  }
  return best == nullptr ? "" : best->pointer;
}

}  // namespace

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
      PeriodKind k = PeriodKind::kWeek;
      const long per_year = attack::KindOf(kind, &k) ? PeriodsPerYear(k) : 0;
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
  size_t integer_programs = 0, nearby_searches = 0, safe_before = 0;
  for (int round = 0;; ++round) {
    report = RunAttack(figures, facts, options, options.whole_system ? nullptr : &cache);
    rounds = round + 1;
    integer_programs += report.integer_programs;
    nearby_searches += report.nearby_searches;
    safe_before = report.safe_before;
    if (report.leaks.empty() || round == 50) break;
    // The figures the attack used: rebuild the model to find, for the first
    // leak, the visible figure that gives it away.
    Model model(figures, facts);
    size_t skipped = 0;
    (void)attack::AddEarlierVersions(model, options.previous, facts, &skipped);
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
      if (f.pointer.empty() || f.earlier || !f.number) continue;
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
  // The figures still recoverable (descriptions, never a value): what an
  // operator needs to see why a pack was refused.
  json recoverable = json::array();
  for (const Leak& l : report.leaks) recoverable.push_back(l.what);
  return {{"withheld", withheld},
          {"recoverable", recoverable},
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
          // Of the last round's small counts: proved safe in an earlier round
          // (withholding only widens every range: AttackCache::safe).
          {"safe_from_earlier_rounds", safe_before},
          {"nearby_integer_searches", nearby_searches},
          {"integer_programs", integer_programs},
          // Earlier published versions solved together with this one, and
          // those the facts no longer reproduce (left out).
          {"earlier_versions", report.versions},
          {"earlier_versions_skipped", report.versions_skipped}};
}

}  // namespace accord::analyst
