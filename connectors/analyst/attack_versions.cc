// The attacker's model across published versions (attack.h,
// AttackOptions::previous; attack_model.h, Model::AddEarlier).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "attack_model.h"

namespace accord::analyst::attack {

bool Model::Consistent() const {
  for (const Figure& f : figures_) {
    if (!std::isfinite(f.lo) && !std::isfinite(f.hi)) continue;
    const double v = Truth(f);
    if (v < f.lo - 1e-9 || v > f.hi + 1e-9) return false;
  }
  return true;
}

bool Model::AddEarlier(const nlohmann::json& figures, const std::vector<Fact>& facts, int k) {
  Model old(figures, facts);
  if (!old.Consistent()) return false;
  const int offset = static_cast<int>(truth_.size());
  truth_.insert(truth_.end(), old.truth_.begin(), old.truth_.end());
  for (Figure f : old.figures_) {
    for (auto& [i, c] : f.coef) i += offset;
    if (!f.pointer.empty()) f.pointer = absl::StrCat("/previous/", k, f.pointer);
    f.what = absl::StrCat("(published version -", k + 1, ") ", f.what);
    f.earlier = true;
    figures_.push_back(std::move(f));
  }
  // The counts then and now, per dataset x category x area: each run of days
  // where the two versions' segments overlap (a group) is a sum of unknowns
  // in both. A count can only grow, by the records that arrived, unless
  // records left (a changed role, say): their number, R, is assumed known.
  std::set<std::string> datasets;
  for (const auto& [ds, cells] : cells_) datasets.insert(ds);
  for (const auto& [ds, cells] : old.cells_) datasets.insert(ds);
  for (const std::string& ds : datasets) {
    std::set<std::pair<std::string, std::string>> keys;
    auto now_ds = cells_.find(ds);
    auto then_ds = old.cells_.find(ds);
    if (now_ds != cells_.end()) {
      for (const auto& [ca, segs] : now_ds->second) keys.insert(ca);
    }
    if (then_ds != old.cells_.end()) {
      for (const auto& [ca, segs] : then_ds->second) keys.insert(ca);
    }
    struct Group {
      Sparse v;
      double now = 0, then = 0;
    };
    std::vector<Group> groups;
    Sparse all_v;
    double all_now = 0, all_then = 0;
    for (const auto& ca : keys) {
      struct Seg {
        Span span;
        int var;
        bool now;
      };
      std::vector<Seg> segs;
      if (now_ds != cells_.end()) {
        auto it = now_ds->second.find(ca);
        if (it != now_ds->second.end()) {
          for (const auto& [span, var] : it->second) segs.push_back({span, var, true});
        }
      }
      if (then_ds != old.cells_.end()) {
        auto it = then_ds->second.find(ca);
        if (it != then_ds->second.end()) {
          for (const auto& [span, var] : it->second) segs.push_back({span, var + offset, false});
        }
      }
      std::sort(segs.begin(), segs.end(), [](const Seg& a, const Seg& b) { return a.span.first < b.span.first; });
      absl::CivilDay end;
      for (size_t i = 0; i < segs.size(); ++i) {
        if (i == 0 || segs[i].span.first > end) {
          groups.emplace_back();
          end = segs[i].span.last;
        }
        end = std::max(end, segs[i].span.last);
        Group& g = groups.back();
        const double t = truth_[segs[i].var];
        g.v.emplace_back(segs[i].var, segs[i].now ? 1.0 : -1.0);
        (segs[i].now ? g.now : g.then) += t;
        all_v.emplace_back(segs[i].var, segs[i].now ? 1.0 : -1.0);
        (segs[i].now ? all_now : all_then) += t;
      }
    }
    double left = 0;  // records counted then and not now
    for (const Group& g : groups) left += std::max(0.0, g.then - g.now);
    for (Group& g : groups) Relation(std::move(g.v), 0, -left, kInf, absl::StrCat(ds, " counts grow between versions"));
    // The dataset's counted records grew by a known number.
    if (!all_v.empty()) {
      Relation(std::move(all_v), 0, all_now - all_then, all_now - all_then,
               absl::StrCat(ds, " records that arrived between versions"));
    }
  }
  return true;
}

size_t AddEarlierVersions(Model& model, const std::vector<PublishedVersion>* previous, const std::vector<Fact>& facts,
                          size_t* skipped) {
  *skipped = 0;
  if (previous == nullptr) return 0;
  size_t added = 0;
  for (size_t k = 0; k < previous->size(); ++k) {
    const PublishedVersion& p = (*previous)[k];
    std::vector<Fact> then;
    for (const Fact& f : facts) {
      if (f.received_at <= p.received_through) then.push_back(f);
    }
    if (model.AddEarlier(p.figures, then, static_cast<int>(k))) {
      ++added;
    } else {
      ++*skipped;
    }
  }
  return added;
}

}  // namespace accord::analyst::attack
