// The attack proper (attack.h): the model (attack_model.h), the cheap proofs
// of safety (attack_moves.h), the components (attack_components.h) and the
// solver (attack_solver.h), figure by figure.
#include "attack.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "attack_components.h"
#include "attack_model.h"
#include "attack_moves.h"
#include "attack_solver.h"

namespace accord::analyst {
namespace attack {

using nlohmann::json;

AttackReport RunAttack(const json& figures, const std::vector<Fact>& facts, const AttackOptions& options,
                       AttackCache* cache) {
  AttackReport report;
  Model model(figures, facts);
  report.versions = AddEarlierVersions(model, options.previous, facts, &report.versions_skipped);
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
  // Integer moves from the truth (component check only: attack_moves.h).
  std::unique_ptr<TruthMoves> moves;
  if (!options.whole_system) moves = std::make_unique<TruthMoves>(figs, rows, model);
  std::set<const Component*> components(component_of.begin(), component_of.end());
  report.components = components.size();
  for (const Component* c : components) report.largest_component = std::max(report.largest_component, c->cols.size());

  for (const Figure& f : figs) {
    if (!f.is_count || f.threshold <= 0) continue;
    const double v = model.Truth(f);
    if (v < 1 || v > static_cast<double>(f.threshold - 1)) continue;
    ++report.protected_;
    if (cache != nullptr && cache->safe.count(f.pointer)) {
      ++report.safe_before;
      continue;
    }
    const bool may_be_own_form = !f.number && std::isfinite(f.prior_width);
    // What no attacker can narrow a range below without leaking.
    const double need = may_be_own_form ? std::min(3.0, f.prior_width) : 3.0;
    // Two integer solutions that satisfy every published relation and differ
    // in this figure by `need` or more prove the attacker's integer range (and
    // so the LP's) at least that wide: the figure is safe, and no LP is needed.
    if (moves != nullptr && moves->Clears(f, need)) {
      ++report.cleared_by_moves;
      if (cache != nullptr) cache->safe.insert(f.pointer);
      continue;
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
    } else if (cache != nullptr) {
      cache->safe.insert(f.pointer);
    }
  }
  return report;
}

}  // namespace attack

AttackReport AttackPack(const nlohmann::json& figures, const std::vector<Fact>& facts, const AttackOptions& options) {
  return attack::RunAttack(figures, facts, options, nullptr);
}

}  // namespace accord::analyst
