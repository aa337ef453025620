// Integer moves from the truth (attack_moves.h).
#include "attack_moves.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace accord::analyst::attack {

TruthMoves::TruthMoves(const std::vector<Figure>& figs, const std::vector<int>& rows, const Model& model)
    : figs_(figs), model_(model), rows_of_(model.vars()), slack_up_(figs.size(), kInf), slack_down_(figs.size(), kInf) {
  for (int r : rows) {
    const Figure& fig = figs[r];
    std::map<int, double> merged;
    for (auto [i, c] : fig.coef) merged[i] += c;
    for (auto [i, c] : merged) {
      if (c != 0) rows_of_[i].emplace_back(r, c);
    }
    const double at = model.Truth(fig);
    slack_up_[r] = fig.hi - at;
    slack_down_[r] = at - fig.lo;
  }
  // An unknown with a twin moves with it: its rows are the two's together.
  std::vector<std::vector<std::pair<int, double>>> own = rows_of_;
  for (size_t i = 0; i < rows_of_.size(); ++i) {
    const int t = model.twin(static_cast<int>(i));
    if (t < 0) continue;
    std::map<int, double> both;
    for (auto [r, c] : own[i]) both[r] += c;
    for (auto [r, c] : own[t]) both[r] += c;
    rows_of_[i].clear();
    for (auto [r, c] : both) {
      if (c != 0) rows_of_[i].emplace_back(r, c);
    }
  }
}

double TruthMoves::Floor(int i) const {
  const int t = model_.twin(i);
  return t < 0 ? model_.truth()[i] : std::min(model_.truth()[i], model_.truth()[t]);
}

double TruthMoves::Step(int i, int dir, double cap) const {
  double k = dir < 0 ? std::min(cap, Floor(i)) : cap;
  for (auto [r, c] : rows_of_[i]) {
    const double room = c * dir > 0 ? slack_up_[r] : slack_down_[r];
    k = std::min(k, std::floor(room / std::fabs(c) + 1e-9));
  }
  return std::max(0.0, k);
}

double TruthMoves::PairStep(int i, int j, int dir, double cap) const {
  if (j == model_.twin(i) || i == model_.twin(j)) return 0;
  double k = std::min(cap, dir < 0 ? Floor(i) : Floor(j));
  const auto& a = rows_of_[i];
  const auto& b = rows_of_[j];
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
    if (d > 0) k = std::min(k, std::floor(slack_up_[r] / d + 1e-9));
    if (d < 0) k = std::min(k, std::floor(slack_down_[r] / -d + 1e-9));
  }
  return std::max(0.0, k);
}

bool TruthMoves::Clears(const Figure& f, double need) const {
  // Candidates: the truth with one unknown moved.
  std::map<int, double> merged;
  for (auto [i, c] : f.coef) merged[i] += c;
  double up = 0, down = 0;
  for (auto [i, c] : merged) {
    if (c == 0) continue;
    const double cap = std::ceil(need / std::fabs(c));
    for (int sense : {1, -1}) {
      const int dir = c > 0 ? sense : -sense;
      double k = Step(i, dir, cap);
      // Where a relation blocks the move, a partner in that relation
      // (outside the figure) may take the opposite move.
      std::vector<int> partners;
      for (auto [r, rc] : rows_of_[i]) {
        const double room = rc * dir > 0 ? slack_up_[r] : slack_down_[r];
        if (room >= cap * std::fabs(rc)) continue;
        for (auto [j, jc] : figs_[r].coef) {
          if (partners.size() < 400 && j != i && !merged.count(j)) partners.push_back(j);
        }
      }
      for (size_t n = 0; n < partners.size() && k < cap; ++n) k = std::max(k, PairStep(i, partners[n], dir, cap));
      (sense > 0 ? up : down) = std::max(sense > 0 ? up : down, std::fabs(c) * k);
    }
    if (up + down >= need - 1e-6) return true;
  }
  if (up + down >= need - 1e-6) return true;
  // Unit steps one after another: each moves one unknown of the figure by 1
  // (alone, or with a partner taking the opposite step), from the solution
  // the steps before reached, so that several partners can each absorb a
  // little (a day of ones beside a tight day total).
  return Walk(merged, 1, need) + Walk(merged, -1, need) >= need - 1e-6;
}

double TruthMoves::Walk(const std::map<int, double>& merged, int sense, double need) const {
  std::unordered_map<int, double> slack_up, slack_down, delta;
  auto up_of = [&](int r) {
    auto it = slack_up.find(r);
    return it == slack_up.end() ? slack_up_[r] : it->second;
  };
  auto down_of = [&](int r) {
    auto it = slack_down.find(r);
    return it == slack_down.end() ? slack_down_[r] : it->second;
  };
  auto value = [&](int i) {
    auto it = delta.find(i);
    return model_.truth()[i] + (it == delta.end() ? 0.0 : it->second);
  };
  auto floor_of = [&](int i) {
    const int t = model_.twin(i);
    return t < 0 ? value(i) : std::min(value(i), value(t));
  };
  // Whether unknown i can move by dir (and j, if >= 0, by -dir) with every
  // relation still holding.
  auto can = [&](int i, int dir, int j) {
    if (dir < 0 && floor_of(i) < 1) return false;
    if (j >= 0 && (dir > 0 ? floor_of(j) : 0.0) < (dir > 0 ? 1 : 0)) return false;
    if (j >= 0 && (j == model_.twin(i) || i == model_.twin(j))) return false;
    std::map<int, double> change;
    for (auto [r, c] : rows_of_[i]) change[r] += c * dir;
    if (j >= 0) {
      for (auto [r, c] : rows_of_[j]) change[r] -= c * dir;
    }
    for (auto [r, d] : change) {
      if (d > 0 && up_of(r) < d - 1e-9) return false;
      if (d < 0 && down_of(r) < -d - 1e-9) return false;
    }
    return true;
  };
  auto apply = [&](int i, int dir) {
    delta[i] += dir;
    if (model_.twin(i) >= 0) delta[model_.twin(i)] += dir;
    for (auto [r, c] : rows_of_[i]) {
      slack_up[r] = up_of(r) - c * dir;
      slack_down[r] = down_of(r) + c * dir;
    }
  };
  double got = 0;
  for (int steps = 0; got < need - 1e-6 && steps < 8; ++steps) {
    bool moved = false;
    for (auto [i, c] : merged) {
      if (c == 0) continue;
      const int dir = c > 0 ? sense : -sense;
      int partner = -1;
      if (!can(i, dir, -1)) {
        // A partner in a relation this step would break.
        for (auto [r, rc] : rows_of_[i]) {
          const double room = rc * dir > 0 ? up_of(r) : down_of(r);
          if (room >= std::fabs(rc)) continue;
          for (auto [j, jc] : figs_[r].coef) {
            if (j != i && !merged.count(j) && can(i, dir, j)) {
              partner = j;
              break;
            }
          }
          break;  // partners from the first blocking relation only
        }
        if (partner < 0) continue;
      }
      apply(i, dir);
      if (partner >= 0) apply(partner, -dir);
      got += std::fabs(c);
      moved = true;
      break;
    }
    if (!moved) break;
  }
  return got;
}

}  // namespace accord::analyst::attack
