#include "suppression.h"

#include <cmath>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"

namespace accord::analyst {

int SuppressionTable::AddCell(int64_t value) {
  cells_.push_back({value, false, false});
  return static_cast<int>(cells_.size()) - 1;
}

void SuppressionTable::AddEquation(std::vector<int> members, int total, bool prefer_total) {
  equations_.push_back({std::move(members), total, prefer_total});
}

void SuppressionTable::Apply(int64_t threshold) {
  threshold_ = threshold;
  if (threshold <= 1) return;
  for (auto& c : cells_) {
    if (c.hidden && !c.primary && c.value > 0 && c.value < threshold) c.primary = true;
    if (c.value > 0 && c.value < threshold) c.hidden = c.primary = true;
  }
  HideLoneTerms();
  // Lone terms are the common case; chains of equations can still pin a
  // cell (e.g. rows summing to a grand total), so check exactly and widen.
  for (;;) {
    std::vector<int> determined = DeterminedPrimaryCells();
    if (determined.empty()) break;
    bool widened = false;
    for (int cell : determined) widened |= HidePartnerOf(cell);
    if (!widened) {
      // No positive visible partner left next to a pinned cell: hide every
      // visible term of its equations (zeros included) as a last resort.
      for (int cell : determined) widened |= HideAllPartnersOf(cell);
      if (!widened) {
        // Still pinned with every partner hidden: withhold the whole table.
        for (auto& c : cells_) c.hidden = true;
        break;
      }
    }
    HideLoneTerms();
  }
}

bool SuppressionTable::HideAllPartnersOf(int cell) {
  bool any = false;
  for (const auto& eq : equations_) {
    bool involved = eq.total == cell;
    for (int m : eq.members) involved |= m == cell;
    if (!involved) continue;
    for (int m : eq.members) {
      any |= !cells_[m].hidden;
      cells_[m].hidden = true;
    }
    any |= !cells_[eq.total].hidden;
    cells_[eq.total].hidden = true;
  }
  return any;
}

bool SuppressionTable::HidePartnerOf(int cell) {
  int pick = -1;
  auto better = [&](int candidate) {
    const Cell& c = cells_[candidate];
    if (c.hidden || c.value <= 0) return;
    if (pick < 0 || c.value < cells_[pick].value) pick = candidate;
  };
  for (const auto& eq : equations_) {
    bool involved = eq.total == cell;
    for (int m : eq.members) involved |= m == cell;
    if (!involved) continue;
    for (int m : eq.members) better(m);
    better(eq.total);
  }
  if (pick < 0) return false;
  cells_[pick].hidden = true;
  return true;
}

std::vector<int> SuppressionTable::DeterminedPrimaryCells() const {
  // Unknowns: hidden cells. Each equation is a row over them (visible cells
  // are constants). A cell is determined iff the reduced row echelon form has
  // a row whose only non-zero entry is that cell's column. Solved per
  // connected component of equations sharing hidden cells.
  const int n = size();
  std::vector<int> parent(n);
  for (int i = 0; i < n; ++i) parent[i] = i;
  std::function<int(int)> find = [&](int x) { return parent[x] == x ? x : parent[x] = find(parent[x]); };
  std::vector<std::vector<int>> eq_hidden;
  for (const auto& eq : equations_) {
    std::vector<int> h;
    if (cells_[eq.total].hidden) h.push_back(eq.total);
    for (int m : eq.members) {
      if (cells_[m].hidden) h.push_back(m);
    }
    for (size_t i = 1; i < h.size(); ++i) parent[find(h[i])] = find(h[0]);
    eq_hidden.push_back(std::move(h));
  }
  std::map<int, std::vector<size_t>> component_equations;
  for (size_t e = 0; e < eq_hidden.size(); ++e) {
    if (!eq_hidden[e].empty()) component_equations[find(eq_hidden[e][0])].push_back(e);
  }
  std::vector<int> determined;
  for (const auto& [root, eqs] : component_equations) {
    std::map<int, int> column;  // cell -> column
    for (size_t e : eqs) {
      for (int c : eq_hidden[e]) column.emplace(c, 0);
    }
    int cols = 0;
    std::vector<int> cell_of;
    for (auto& [c, col] : column) {
      col = cols++;
      cell_of.push_back(c);
    }
    std::vector<std::vector<double>> m;
    for (size_t e : eqs) {
      std::vector<double> row(cols, 0.0);
      const Equation& eq = equations_[e];
      if (cells_[eq.total].hidden) row[column[eq.total]] -= 1;
      for (int c : eq.members) {
        if (cells_[c].hidden) row[column[c]] += 1;
      }
      m.push_back(std::move(row));
    }
    // Gauss-Jordan elimination with partial pivoting.
    size_t r = 0;
    for (int c = 0; c < cols && r < m.size(); ++c) {
      size_t best = r;
      for (size_t i = r; i < m.size(); ++i) {
        if (std::abs(m[i][c]) > std::abs(m[best][c])) best = i;
      }
      if (std::abs(m[best][c]) < 1e-9) continue;
      std::swap(m[r], m[best]);
      double p = m[r][c];
      for (double& x : m[r]) x /= p;
      for (size_t i = 0; i < m.size(); ++i) {
        if (i == r || std::abs(m[i][c]) < 1e-12) continue;
        double f = m[i][c];
        for (int k = 0; k < cols; ++k) m[i][k] -= f * m[r][k];
      }
      ++r;
    }
    for (size_t i = 0; i < r; ++i) {
      int nonzero = -1, count = 0;
      for (int k = 0; k < cols; ++k) {
        if (std::abs(m[i][k]) > 1e-9) {
          nonzero = k;
          ++count;
        }
      }
      if (count == 1 && cells_[cell_of[nonzero]].primary) determined.push_back(cell_of[nonzero]);
    }
  }
  return determined;
}

void SuppressionTable::HideLoneTerms() {
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& eq : equations_) {
      int hidden = cells_[eq.total].hidden ? 1 : 0;
      for (int m : eq.members) hidden += cells_[m].hidden;
      if (hidden != 1) continue;
      int pick = -1;
      if (eq.prefer_total && !cells_[eq.total].hidden && cells_[eq.total].value > 0) pick = eq.total;
      for (int m : eq.members) {
        const Cell& c = cells_[m];
        if (pick == eq.total || c.hidden || c.value <= 0) continue;
        if (pick < 0 || c.value < cells_[pick].value) pick = m;
      }
      if (pick < 0) pick = eq.total;
      if (cells_[pick].hidden) {
        // Only the total could be picked and it is the hidden one: the members
        // are all visible zeros, so the total is 0 and not sensitive.
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
  if (cells_[i].hidden) return kWithheld;
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
