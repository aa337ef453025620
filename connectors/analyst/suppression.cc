#include "suppression.h"

#include <algorithm>
#include <map>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"

namespace accord::analyst {
namespace {

// Exact arithmetic modulo the Mersenne prime 2^61 - 1: no rounding, so any
// non-zero entry is a valid pivot and the ordering can follow sparsity alone.
using u64 = uint64_t;
constexpr u64 kP = (u64{1} << 61) - 1;

u64 Reduce(u64 x) {
  x = (x & kP) + (x >> 61);
  return x >= kP ? x - kP : x;
}
u64 Mul(u64 a, u64 b) {
  unsigned __int128 z = static_cast<unsigned __int128>(a) * b;
  return Reduce(Reduce(static_cast<u64>(z & kP)) + static_cast<u64>(z >> 61));
}
u64 Add(u64 a, u64 b) { return Reduce(a + b); }
u64 Neg(u64 a) { return a == 0 ? 0 : kP - a; }
u64 Inverse(u64 a) {
  u64 result = 1, e = kP - 2;
  while (e) {
    if (e & 1) result = Mul(result, a);
    a = Mul(a, a);
    e >>= 1;
  }
  return result;
}

using SparseRow = std::vector<std::pair<int, u64>>;  // (column, coefficient), sorted

// Which of the n unknowns the system rows * x = b pins, whatever b is:
// column j is pinned iff every null-space vector has x_j = 0. Sparse forward
// elimination (shortest row first, its least-used column as pivot), then two
// random null-space vectors by back substitution: a column is pinned iff it
// is 0 in both (a free column is never 0 there; a non-pinned pivot column is
// 0 by chance with probability 2^-61 per vector).
std::vector<bool> PinnedColumns(int n, std::vector<SparseRow> rows) {
  const int m = static_cast<int>(rows.size());
  std::vector<std::vector<int>> col_rows(n);
  for (int r = 0; r < m; ++r) {
    for (const auto& [c, a] : rows[r]) col_rows[c].push_back(r);
  }
  // Rows not yet pivots, bucketed by length (stale entries skipped on pop).
  std::vector<std::vector<int>> buckets(1);
  size_t shortest = 0;
  std::vector<char> active(m, 0);
  auto enqueue = [&](int r) {
    size_t len = rows[r].size();
    if (buckets.size() <= len) buckets.resize(len + 1);
    buckets[len].push_back(r);
    shortest = std::min(shortest, len);
  };
  for (int r = 0; r < m; ++r) {
    if (!rows[r].empty()) {
      enqueue(r);
      active[r] = 1;
    }
  }
  auto pop = [&]() -> int {
    for (; shortest < buckets.size(); ++shortest) {
      auto& b = buckets[shortest];
      while (!b.empty()) {
        int r = b.back();
        b.pop_back();
        if (active[r] && rows[r].size() == shortest) return r;
      }
    }
    return -1;
  };
  auto coefficient = [&](const SparseRow& row, int c) -> u64 {
    auto it = std::lower_bound(row.begin(), row.end(), std::make_pair(c, u64{0}));
    return it != row.end() && it->first == c ? it->second : 0;
  };
  std::vector<int> order, pivot_col(m, -1);
  std::vector<u64> pivot_inverse(m, 0);
  SparseRow merged;
  for (int r = pop(); r >= 0; r = pop()) {
    active[r] = 0;
    int c = -1;
    for (const auto& [col, a] : rows[r]) {
      if (c < 0 || col_rows[col].size() < col_rows[c].size()) c = col;
    }
    pivot_col[r] = c;
    order.push_back(r);
    const u64 inv = Inverse(coefficient(rows[r], c));
    pivot_inverse[r] = inv;
    std::vector<int> users;
    users.swap(col_rows[c]);
    for (int r2 : users) {
      if (!active[r2]) continue;
      u64 a2 = coefficient(rows[r2], c);
      if (a2 == 0) continue;  // stale: cancelled earlier
      const u64 f = Neg(Mul(a2, inv));  // row2 += f * row
      merged.clear();
      const SparseRow& x = rows[r2];
      const SparseRow& y = rows[r];
      size_t i = 0, j = 0;
      while (i < x.size() || j < y.size()) {
        if (j == y.size() || (i < x.size() && x[i].first < y[j].first)) {
          merged.push_back(x[i++]);
        } else if (i == x.size() || y[j].first < x[i].first) {
          merged.push_back({y[j].first, Mul(f, y[j].second)});
          col_rows[y[j].first].push_back(r2);
          ++j;
        } else {
          u64 v = Add(x[i].second, Mul(f, y[j].second));
          if (v != 0) merged.push_back({x[i].first, v});
          ++i;
          ++j;
        }
      }
      rows[r2].swap(merged);
      if (rows[r2].empty()) {
        active[r2] = 0;
      } else {
        enqueue(r2);
      }
    }
    // The pivot row keeps column c; other rows no longer have it.
    col_rows[c].clear();
  }
  // A pivot row holds no column pivoted before it, so back substitution in
  // reverse order sees every other column already set.
  std::vector<bool> pinned(n, true);
  std::mt19937_64 rng(0x5eed);
  std::vector<char> is_pivot(n, 0);
  for (int r : order) is_pivot[pivot_col[r]] = 1;
  for (int c = 0; c < n; ++c) {
    if (!is_pivot[c]) pinned[c] = false;
  }
  for (int trial = 0; trial < 2; ++trial) {
    std::vector<u64> x(n, 0);
    for (int c = 0; c < n; ++c) {
      if (!is_pivot[c]) x[c] = 1 + rng() % (kP - 1);
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const int r = *it, c = pivot_col[r];
      u64 sum = 0;
      for (const auto& [col, a] : rows[r]) {
        if (col != c) sum = Add(sum, Mul(a, x[col]));
      }
      x[c] = Mul(Neg(sum), pivot_inverse[r]);
      if (x[c] != 0) pinned[c] = false;
    }
  }
  return pinned;
}

}  // namespace

int SuppressionTable::AddCell(int64_t value) {
  cells_.push_back({value, false, false});
  return static_cast<int>(cells_.size()) - 1;
}

void SuppressionTable::AddEquation(std::vector<int> members, int total, bool prefer_total) {
  equations_.push_back({std::move(members), total, prefer_total, {}});
}

void SuppressionTable::AddBalance(std::vector<int> lhs, std::vector<int> rhs) {
  int total = rhs.front();
  rhs.erase(rhs.begin());
  equations_.push_back({std::move(lhs), total, false, std::move(rhs)});
}

namespace {
// Every cell of an equation: members, then the totals.
std::vector<int> Terms(const SuppressionTable::Equation& eq) {
  std::vector<int> terms = eq.members;
  terms.push_back(eq.total);
  terms.insert(terms.end(), eq.more_totals.begin(), eq.more_totals.end());
  return terms;
}
}  // namespace

void SuppressionTable::Apply(int64_t threshold) {
  threshold_ = threshold;
  if (threshold <= 1) return;
  for (auto& c : cells_) {
    if (c.hidden && !c.primary && c.value > 0 && c.value < threshold) c.primary = true;
    if (c.value > 0 && c.value < threshold && !c.known) c.hidden = c.primary = true;
  }
  equations_of_.assign(cells_.size(), {});
  for (size_t e = 0; e < equations_.size(); ++e) {
    for (int t : Terms(equations_[e])) equations_of_[t].push_back(static_cast<int>(e));
  }
  HideLoneTerms();
  // Lone terms are the common case; chains of equations can still pin a
  // cell (e.g. rows summing to a grand total), so check exactly and widen.
  std::vector<int> pinned;
  for (;;) {
    pinned = DeterminedHiddenCells();
    std::vector<int> determined;
    for (int cell : pinned) {
      if (cells_[cell].primary) determined.push_back(cell);
    }
    if (determined.empty()) break;
    bool widened = false;
    for (int cell : determined) widened |= HidePartnerOf(cell, /*far=*/false);
    if (!widened) {
      // No positive visible partner left next to a pinned cell: hide every
      // visible term of its equations (zeros included), else a positive term
      // further out along the chain that pins it.
      for (int cell : determined) widened |= HideAllPartnersOf(cell);
      if (!widened) {
        for (int cell : determined) widened |= HidePartnerOf(cell, /*far=*/true);
      }
      if (!widened) {
        // Still pinned with every partner hidden: withhold the whole table
        // (but for counts published elsewhere).
        for (auto& c : cells_) c.hidden = !c.known;
        pinned = DeterminedHiddenCells();
        break;
      }
    }
    HideLoneTerms();
  }
  // A hidden secondary the published counts pin is known anyway: publish it
  // (the attacker's knowledge is unchanged, so nothing else becomes pinned).
  for (int cell : pinned) {
    if (!cells_[cell].primary) cells_[cell].hidden = false;
  }
}

bool SuppressionTable::HideAllPartnersOf(int cell) {
  bool any = false;
  for (int e : equations_of_[cell]) {
    for (int t : Terms(equations_[e])) {
      if (cells_[t].known) continue;
      any |= !cells_[t].hidden;
      cells_[t].hidden = true;
    }
  }
  return any;
}

bool SuppressionTable::HidePartnerOf(int cell, bool far) {
  // The smallest positive visible term of an equation with `cell`; if there
  // is none, of an equation with a hidden term of those (the pin may come
  // through a chain: a week pinned by its month and the month's other
  // weeks), and so on outwards.
  const auto& by_cell = equations_of_;
  std::vector<char> seen_cell(cells_.size(), 0), seen_eq(equations_.size(), 0);
  std::vector<int> frontier{cell};
  seen_cell[cell] = 1;
  while (!frontier.empty()) {
    int pick = -1;
    std::vector<int> next;
    for (int f : frontier) {
      for (int e : by_cell[f]) {
        if (seen_eq[e]) continue;
        seen_eq[e] = 1;
        for (int t : Terms(equations_[e])) {
          const Cell& c = cells_[t];
          if (c.hidden) {
            if (!seen_cell[t]) next.push_back(t);
            seen_cell[t] = 1;
            continue;
          }
          if (c.value <= 0 || c.known) continue;
          if (pick < 0 || c.value < cells_[pick].value) pick = t;
        }
      }
    }
    if (pick >= 0) {
      cells_[pick].hidden = true;
      return true;
    }
    if (!far) break;
    frontier.swap(next);
  }
  return false;
}

std::vector<int> SuppressionTable::DeterminedHiddenCells() const {
  const int n = size();
  std::vector<char> known(n);
  for (int i = 0; i < n; ++i) known[i] = !cells_[i].hidden || cells_[i].known;
  std::vector<int> determined;
  auto learn = [&](int cell) {
    if (known[cell]) return false;
    known[cell] = 1;
    determined.push_back(cell);
    return true;
  };
  for (bool first = true;; first = false) {
    // Non-negativity: if one side is fully known and the other side's known
    // terms already reach it, the other side's unknown terms are all 0.
    bool learned = false;
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& eq : equations_) {
        int64_t lhs_sum = 0, rhs_sum = 0;
        bool lhs_known = true, rhs_known = true;
        for (int c : eq.members) {
          if (known[c]) lhs_sum += cells_[c].value;
          else lhs_known = false;
        }
        auto rhs_term = [&](int c) {
          if (known[c]) rhs_sum += cells_[c].value;
          else rhs_known = false;
        };
        rhs_term(eq.total);
        for (int c : eq.more_totals) rhs_term(c);
        if (lhs_known == rhs_known || lhs_sum != rhs_sum) continue;
        if (lhs_known) {
          changed |= learn(eq.total);
          for (int c : eq.more_totals) changed |= learn(c);
        } else {
          for (int c : eq.members) changed |= learn(c);
        }
      }
      learned |= changed;
    }
    // Linear algebra over the unknowns. Cells it pinned stay in the span, so
    // solving again helps only if non-negativity learned something new.
    if (!first && !learned) break;
    std::vector<int> column(n, -1), cell_of;
    for (int i = 0; i < n; ++i) {
      if (!known[i]) {
        column[i] = static_cast<int>(cell_of.size());
        cell_of.push_back(i);
      }
    }
    std::vector<SparseRow> rows;
    SparseRow row;
    for (const auto& eq : equations_) {
      row.clear();
      for (int c : eq.members) {
        if (!known[c]) row.push_back({column[c], 1});
      }
      auto subtract = [&](int c) {
        if (!known[c]) row.push_back({column[c], kP - 1});
      };
      subtract(eq.total);
      for (int c : eq.more_totals) subtract(c);
      if (row.empty()) continue;
      std::sort(row.begin(), row.end());
      SparseRow sparse;
      for (const auto& [col, a] : row) {
        if (!sparse.empty() && sparse.back().first == col) {
          sparse.back().second = Add(sparse.back().second, a);
        } else {
          sparse.push_back({col, a});
        }
      }
      std::erase_if(sparse, [](const auto& e) { return e.second == 0; });
      if (!sparse.empty()) rows.push_back(std::move(sparse));
    }
    std::vector<bool> pinned = PinnedColumns(static_cast<int>(cell_of.size()), std::move(rows));
    bool any = false;
    for (size_t k = 0; k < cell_of.size(); ++k) {
      if (pinned[k]) any |= learn(cell_of[k]);
    }
    if (!any) break;
  }
  return determined;
}

void SuppressionTable::HideLoneTerms() {
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& eq : equations_) {
      int hidden = 0;
      for (int t : Terms(eq)) hidden += cells_[t].hidden;
      if (hidden != 1) continue;
      int pick = -1;
      if (!eq.more_totals.empty()) {
        // A balance: any term may take the second place.
        for (int t : Terms(eq)) {
          const Cell& c = cells_[t];
          if (c.hidden || c.known || c.value <= 0) continue;
          if (pick < 0 || c.value < cells_[pick].value) pick = t;
        }
        if (pick < 0) continue;  // every hideable term is 0; the exact check decides
      } else {
        const Cell& total = cells_[eq.total];
        if (eq.prefer_total && !total.hidden && !total.known && total.value > 0) pick = eq.total;
        for (int m : eq.members) {
          const Cell& c = cells_[m];
          if (pick == eq.total || c.hidden || c.known || c.value <= 0) continue;
          if (pick < 0 || c.value < cells_[pick].value) pick = m;
        }
        if (pick < 0) pick = eq.total;
      }
      if (cells_[pick].hidden || cells_[pick].known) {
        // Only the total could be picked and it is the hidden one (the
        // members are all visible zeros, so the total is 0 and not
        // sensitive) or published elsewhere (the exact check widens).
        continue;
      }
      cells_[pick].hidden = true;
      changed = true;
      // Start over: earlier equations (cells before totals) may now have a
      // lone term whose cheapest partner saves hiding a bigger total here.
      break;
    }
  }
}

std::string SuppressionTable::Published(int i) const {
  if (cells_[i].primary) return absl::StrCat("<", threshold_);
  if (cells_[i].hidden) return kWithheld;  // (never a known cell)
  return absl::StrCat(cells_[i].value);
}

Grid AddGrid(SuppressionTable& table, const std::vector<std::vector<int64_t>>& values) {
  Grid g;
  size_t cols = values.empty() ? 0 : values[0].size();
  std::vector<int64_t> col_sum(cols, 0);
  int64_t grand = 0;
  for (const auto& row : values) {
    std::vector<int> ids;
    int64_t sum = 0;
    for (size_t c = 0; c < cols; ++c) {
      int64_t v = c < row.size() ? row[c] : 0;
      ids.push_back(table.AddCell(v));
      sum += v;
      col_sum[c] += v;
    }
    g.row_total.push_back(table.AddCell(sum));
    table.AddEquation(ids, g.row_total.back());
    g.cell.push_back(std::move(ids));
    grand += sum;
  }
  for (size_t c = 0; c < cols; ++c) {
    g.col_total.push_back(table.AddCell(col_sum[c]));
    std::vector<int> ids;
    for (const auto& row : g.cell) ids.push_back(row[c]);
    table.AddEquation(ids, g.col_total.back());
  }
  g.grand_total = table.AddCell(grand);
  table.AddEquation(g.row_total, g.grand_total);
  table.AddEquation(g.col_total, g.grand_total);
  return g;
}

}  // namespace accord::analyst
