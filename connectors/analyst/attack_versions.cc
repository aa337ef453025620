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

namespace {

// A figure's coefficients (merged, sorted, zeros dropped) and bounds, as bytes.
std::string Key(const Sparse& coef, double lo, double hi) {
  std::map<int, double> merged;
  for (auto [i, c] : coef) merged[i] += c;
  std::string key;
  for (auto [i, c] : merged) {
    if (c == 0) continue;
    key.append(reinterpret_cast<const char*>(&i), sizeof(i));
    key.append(reinterpret_cast<const char*>(&c), sizeof(c));
  }
  key.append(reinterpret_cast<const char*>(&lo), sizeof(lo));
  key.append(reinterpret_cast<const char*>(&hi), sizeof(hi));
  return key;
}

}  // namespace

bool Model::AddEarlier(const nlohmann::json& figures, const std::vector<Fact>& facts, int k) {
  Model old(figures, facts);
  if (!old.Consistent()) return false;
  const int offset = static_cast<int>(truth_.size());
  truth_.insert(truth_.end(), old.truth_.begin(), old.truth_.end());
  twin_.resize(truth_.size(), -1);
  // The counts then and now, per dataset x category x area: each run of days
  // where the two versions' segments overlap (a group) is a sum of unknowns
  // in both. A count can only grow, by the records that arrived, unless
  // records left (a changed role, say): their number, R, is assumed known.
  // Where a group did not change, the reader is assumed to know that too
  // (comparing the versions shows which figures moved; with the cell key
  // method an unchanged group keeps its published counts): its unknowns then
  // ARE its unknowns now, and the earlier version's figures over them say
  // again what this version's say (an identical figure is not added twice).
  // How many records arrived is NOT assumed known exactly: together with the
  // groups that did not change, it would pin every new record of a batch
  // (what its provider knows anyway, being its own records); the reader
  // learns it from the published totals, within their noise.
  std::map<int, std::vector<int>> same;  // unknown then -> the unknowns now that count its records
  struct Grow {
    Sparse v;
    std::string dataset;
  };
  std::vector<Grow> grow;
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
    struct Seg {
      Span span;
      int var;
      bool now;
    };
    struct Group {
      std::vector<Seg> segs;
      double now = 0, then = 0;
    };
    std::vector<Group> groups;
    for (const auto& ca : keys) {
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
      std::sort(segs.begin(), segs.end(), [](const Seg& a, const Seg& b) {
        return a.span.first != b.span.first ? a.span.first < b.span.first : a.now < b.now;
      });
      absl::CivilDay end;
      for (size_t i = 0; i < segs.size(); ++i) {
        if (i == 0 || segs[i].span.first > end) {
          groups.emplace_back();
          end = segs[i].span.last;
        }
        end = std::max(end, segs[i].span.last);
        groups.back().segs.push_back(segs[i]);
        (segs[i].now ? groups.back().now : groups.back().then) += truth_[segs[i].var];
      }
    }
    double left = 0;  // records counted then and not now
    for (const Group& g : groups) left += std::max(0.0, g.then - g.now);
    for (const Group& g : groups) {
      // Twins: the same segment then and now (sorted: then before now).
      bool twins = g.segs.size() % 2 == 0;
      for (size_t i = 0; twins && i < g.segs.size(); i += 2) {
        const Seg& a = g.segs[i];
        const Seg& b = g.segs[i + 1];
        twins = !a.now && b.now && a.span.first == b.span.first && a.span.last == b.span.last;
      }
      if (twins) {
        for (size_t i = 0; i < g.segs.size(); i += 2) twin_[g.segs[i].var] = g.segs[i + 1].var;
      }
      if (twins && left == 0 && g.now == g.then) {
        for (size_t i = 0; i < g.segs.size(); i += 2) same[g.segs[i].var] = {g.segs[i + 1].var};
        continue;
      }
      // This version split the run finer than the earlier one (days where it
      // had runs of days: the day period added since): one segment then, the
      // segments now all inside it, and every day of it covered by this
      // version's tables (a day without an unknown now is a known 0). Where
      // the run did not change, its unknown then IS the sum of its unknowns
      // now, as twins are one and the same.
      if (!twins && left == 0 && g.now == g.then) {
        const Seg* then = nullptr;
        size_t olds = 0;
        for (const Seg& s : g.segs) {
          if (!s.now) then = &s, ++olds;
        }
        bool nested = olds == 1 && g.segs.size() > 1 && then->span.first >= covered_.first &&
                      then->span.last <= covered_.last;
        for (size_t i = 0; nested && i < g.segs.size(); ++i) {
          const Seg& s = g.segs[i];
          nested = !s.now || (s.span.first >= then->span.first && s.span.last <= then->span.last);
        }
        if (nested) {
          std::vector<int>& now = same[then->var];
          for (const Seg& s : g.segs) {
            if (s.now) now.push_back(s.var);
          }
          continue;
        }
      }
      Sparse v;
      for (const Seg& s : g.segs) v.emplace_back(s.var, s.now ? 1.0 : -1.0);
      grow.push_back({std::move(v), ds});
    }
    left_[ds] = left;
  }
  // The earlier version's figures, over this version's unknowns where they
  // are the same; an identical figure is not added again.
  std::set<std::string> known;
  for (const Figure& f : figures_) known.insert(Key(f.coef, f.lo - f.constant, f.hi - f.constant));
  for (Figure f : old.figures_) {
    Sparse coef;
    for (auto [i, c] : f.coef) {
      auto it = same.find(i + offset);
      if (it == same.end()) {
        coef.emplace_back(i + offset, c);
      } else {
        for (int now : it->second) coef.emplace_back(now, c);
      }
    }
    f.coef = std::move(coef);
    if (known.count(Key(f.coef, f.lo - f.constant, f.hi - f.constant))) continue;
    if (!f.pointer.empty()) f.pointer = absl::StrCat("/previous/", k, f.pointer);
    f.what = absl::StrCat("(published version -", k + 1, ") ", f.what);
    f.earlier = true;
    figures_.push_back(std::move(f));
  }
  for (Grow& g : grow) {
    const double left = left_[g.dataset];
    Relation(std::move(g.v), 0, -left, kInf,
             absl::StrCat(g.dataset, " counts grow between versions", left > 0 ? absl::StrCat(" (", left, " records left)") : ""));
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
