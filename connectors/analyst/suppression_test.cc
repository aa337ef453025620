#include "suppression.h"

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "gtest/gtest.h"

namespace accord::analyst {
namespace {

// The attacker: sees every visible cell and every equation, and enumerates
// all non-negative integer values of the hidden cells that satisfy every
// equation (values up to `max_value`). Returns, per hidden cell, the set of
// values it can take.
std::map<int, std::set<int64_t>> Attack(const SuppressionTable& t, int64_t max_value) {
  std::vector<int> hidden;
  for (int i = 0; i < t.size(); ++i) {
    if (t.hidden(i)) hidden.push_back(i);
  }
  std::vector<int64_t> guess(t.size());
  for (int i = 0; i < t.size(); ++i) guess[i] = t.hidden(i) ? -1 : t.value(i);
  // A hidden cell is at most the smallest visible total it adds up to.
  std::vector<int64_t> bound(t.size(), max_value);
  for (const auto& eq : t.equations()) {
    if (t.hidden(eq.total)) continue;
    for (int m : eq.members) bound[m] = std::min(bound[m], t.value(eq.total));
  }
  std::map<int, std::set<int64_t>> feasible;
  auto consistent = [&](bool complete) {
    for (const auto& eq : t.equations()) {
      int64_t sum = 0;
      bool known = guess[eq.total] >= 0;
      for (int m : eq.members) {
        if (guess[m] < 0) known = false;
        else sum += guess[m];
      }
      if (guess[eq.total] >= 0 && sum > guess[eq.total]) return false;
      if ((known || complete) && sum != guess[eq.total]) return false;
    }
    return true;
  };
  std::function<void(size_t)> search = [&](size_t k) {
    if (k == hidden.size()) {
      if (!consistent(true)) return;
      for (int h : hidden) feasible[h].insert(guess[h]);
      return;
    }
    for (int64_t v = 0; v <= bound[hidden[k]]; ++v) {
      guess[hidden[k]] = v;
      if (consistent(false)) search(k + 1);
    }
    guess[hidden[k]] = -1;
  };
  search(0);
  return feasible;
}

void ExpectNoPrimaryRecoverable(const SuppressionTable& t, int64_t max_value) {
  auto feasible = Attack(t, max_value);
  for (int i = 0; i < t.size(); ++i) {
    if (!t.primary(i)) continue;
    ASSERT_TRUE(feasible.count(i)) << "cell " << i;
    EXPECT_GE(feasible[i].size(), 2u) << "cell " << i << " (value " << t.value(i)
                                      << ") is recoverable from the published totals";
    EXPECT_TRUE(feasible[i].count(t.value(i)));  // the attack itself is sound
  }
}

TEST(SuppressionTest, PrimaryPublishesLessThanThreshold) {
  SuppressionTable t;
  int a = t.AddCell(3), b = t.AddCell(0), c = t.AddCell(5);
  t.Apply(5);
  EXPECT_EQ(t.Published(a), "<5");
  EXPECT_EQ(t.Published(b), "0");
  EXPECT_EQ(t.Published(c), "5");
}

TEST(SuppressionTest, LoneHiddenCellInARowGetsAPartner) {
  SuppressionTable t;
  int a = t.AddCell(3), b = t.AddCell(12), c = t.AddCell(20), total = t.AddCell(35);
  t.AddEquation({a, b, c}, total);
  t.Apply(5);
  EXPECT_TRUE(t.hidden(a));
  EXPECT_TRUE(t.hidden(b));  // the smallest positive partner
  EXPECT_FALSE(t.hidden(c));
  EXPECT_EQ(t.Published(total), "35");
  ExpectNoPrimaryRecoverable(t, 40);
}

TEST(SuppressionTest, WithoutSecondaryTheAttackWorks) {
  // Sanity check of the attacker: one hidden cell and a visible total.
  SuppressionTable t;
  int a = t.AddCell(3), b = t.AddCell(12), total = t.AddCell(15);
  t.AddEquation({a, b}, total);
  t.Apply(5);
  auto feasible = Attack(t, 20);
  EXPECT_GE(feasible[a].size(), 2u);
  // With only primary hiding (equation added after Apply) the attacker
  // recovers the cell exactly.
  SuppressionTable primary_only;
  int pa = primary_only.AddCell(3), pb = primary_only.AddCell(12), pt = primary_only.AddCell(15);
  primary_only.Apply(5);  // no equations yet: only primary
  primary_only.AddEquation({pa, pb}, pt);
  auto leak = Attack(primary_only, 20);
  EXPECT_EQ(leak[pa], (std::set<int64_t>{3}));
}

TEST(SuppressionTest, GridWithZerosCannotBeSolved) {
  // The trap: partners chosen among zeros pin the hidden cells. Zeros are
  // never picked, so the attack must fail.
  SuppressionTable t;
  Grid g = AddGrid(t, {{3, 0, 9}, {0, 0, 7}, {6, 8, 0}});
  t.Apply(5);
  EXPECT_TRUE(t.hidden(g.cell[0][0]));
  ExpectNoPrimaryRecoverable(t, 30);
}

TEST(SuppressionTest, RandomGridsResistTheAttack) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> value(0, 9);
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<std::vector<int64_t>> v(2, std::vector<int64_t>(3));
    for (auto& row : v) {
      for (auto& x : row) x = value(rng);
    }
    SuppressionTable t;
    AddGrid(t, v);
    t.Apply(4);
    SCOPED_TRACE(trial);
    ExpectNoPrimaryRecoverable(t, 60);
  }
}

TEST(SuppressionTest, QuarterIsSumOfMonths) {
  // Months 2, 15, 20 and their quarter 37: hiding the 2 alone would let
  // quarter - 15 - 20 recover it.
  SuppressionTable t;
  int m1 = t.AddCell(2), m2 = t.AddCell(15), m3 = t.AddCell(20), q = t.AddCell(37);
  t.AddEquation({m1, m2, m3}, q);
  t.Apply(5);
  EXPECT_TRUE(t.hidden(m2));
  ExpectNoPrimaryRecoverable(t, 40);
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(SuppressionTest, KeepsWhatTotalsCannotGiveAway) {
  // Robbery 12 in A; theft 4 and damage 15 in B; threshold 10. Hiding the 4
  // needs the 15 (and their totals) hidden, not the 12.
  SuppressionTable t;
  Grid g = AddGrid(t, {{12, 0}, {0, 4}, {0, 15}});
  t.Apply(10);
  EXPECT_TRUE(t.hidden(g.cell[1][1]));
  EXPECT_FALSE(t.hidden(g.cell[0][0]));
  EXPECT_FALSE(t.hidden(g.grand_total));
  ExpectNoPrimaryRecoverable(t, 40);
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

void ExpectNoHiddenRecoverable(const SuppressionTable& t, int64_t max_value) {
  auto feasible = Attack(t, max_value);
  for (int i = 0; i < t.size(); ++i) {
    if (!t.hidden(i)) continue;
    EXPECT_GE(feasible[i].size(), 2u) << "cell " << i << " (value " << t.value(i) << ", "
                                      << (t.primary(i) ? "primary" : "secondary") << ") is recoverable";
  }
}

TEST(SuppressionTest, FindsAPinThroughAChainOfEquations) {
  // Robbery 8 is visible; every hidden cell shares an equation with
  // another hidden one, yet theft x A3 = 3 follows: damage(A1) = damage
  // total, damage(A1) + theft(A1) = 15 - 8, damage total + theft total =
  // 23 - 13, so theft total - theft(A1) = 3 = theft(A3).
  SuppressionTable t;
  Grid g = AddGrid(t, {{5, 0, 0}, {8, 1, 4}, {2, 3, 0}});
  for (int c : {g.cell[0][0], g.row_total[0], g.cell[1][1], g.cell[1][2], g.cell[2][0], g.cell[2][1], g.row_total[2],
                g.col_total[1], g.col_total[2]}) {
    t.Withhold(c);
  }
  std::vector<int> pinned = t.DeterminedHiddenCells();
  EXPECT_NE(std::find(pinned.begin(), pinned.end(), g.cell[2][1]), pinned.end());
  t.Apply(5);
  EXPECT_TRUE(t.DeterminedHiddenCells().empty());
  ExpectNoHiddenRecoverable(t, 25);
}

TEST(SuppressionTest, SparseSolverAgreesWithDenseGaussJordan) {
  // Random equations over cells valued >= 1 (so non-negativity adds
  // nothing): the cells DeterminedHiddenCells reports are exactly those a
  // dense Gauss-Jordan over the hidden cells pins.
  std::mt19937 rng(11);
  size_t pinned = 0, hidden_cells = 0;
  for (int trial = 0; trial < 200; ++trial) {
    // Consistent values: each equation's total is a new cell worth the sum.
    SuppressionTable t;
    const int base = 4 + static_cast<int>(rng() % 12);
    for (int i = 0; i < base; ++i) t.AddCell(1 + rng() % 9);
    const int equations = 1 + static_cast<int>(rng() % (base / 2 + 2));
    for (int e = 0; e < equations; ++e) {
      std::vector<int> members;
      int64_t sum = 0;
      for (int i = 0; i < t.size(); ++i) {
        if (rng() % 4 == 0) {
          members.push_back(i);
          sum += t.value(i);
        }
      }
      if (members.empty()) continue;
      int other = static_cast<int>(rng() % t.size());
      if (rng() % 3 == 0 && t.value(other) < sum &&
          std::find(members.begin(), members.end(), other) == members.end()) {
        t.AddBalance(members, {t.AddCell(sum - t.value(other)), other});
      } else {
        t.AddEquation(members, t.AddCell(sum));
      }
    }
    const int n = t.size();
    std::vector<int> hidden;
    for (int i = 0; i < n; ++i) {
      if (rng() % 2) {
        t.Withhold(i);
        hidden.push_back(i);
      }
    }
    // Dense reference.
    std::map<int, int> col;
    for (int h : hidden) col.emplace(h, static_cast<int>(col.size()));
    std::vector<std::vector<double>> m;
    for (const auto& eq : t.equations()) {
      std::vector<double> row(hidden.size(), 0.0);
      for (int c : eq.members) {
        if (col.count(c)) row[col[c]] += 1;
      }
      if (col.count(eq.total)) row[col[eq.total]] -= 1;
      for (int c : eq.more_totals) {
        if (col.count(c)) row[col[c]] -= 1;
      }
      m.push_back(row);
    }
    size_t r = 0;
    for (size_t c = 0; c < hidden.size() && r < m.size(); ++c) {
      size_t best = r;
      for (size_t i = r; i < m.size(); ++i) {
        if (std::abs(m[i][c]) > std::abs(m[best][c])) best = i;
      }
      if (std::abs(m[best][c]) < 1e-9) continue;
      std::swap(m[r], m[best]);
      double p = m[r][c];
      for (double& x : m[r]) x /= p;
      for (size_t i = 0; i < m.size(); ++i) {
        if (i == r) continue;
        double f = m[i][c];
        for (size_t k = 0; k < hidden.size(); ++k) m[i][k] -= f * m[r][k];
      }
      ++r;
    }
    std::set<int> expected;
    for (size_t i = 0; i < r; ++i) {
      int nonzero = -1, count = 0;
      for (size_t k = 0; k < hidden.size(); ++k) {
        if (std::abs(m[i][k]) > 1e-9) {
          nonzero = static_cast<int>(k);
          ++count;
        }
      }
      if (count == 1) expected.insert(hidden[nonzero]);
    }
    std::vector<int> got = t.DeterminedHiddenCells();
    SCOPED_TRACE(trial);
    EXPECT_EQ(std::set<int>(got.begin(), got.end()), expected);
    pinned += expected.size();
    hidden_cells += hidden.size();
  }
  // Both outcomes are exercised.
  EXPECT_GT(pinned, 50u);
  EXPECT_LT(pinned, hidden_cells / 2);
}

TEST(SuppressionTest, WeeksBalanceARunOfMonths) {
  // Weeks 12, 3, 12 with the 3 straddling two months (1 + 2): months 13
  // and 14 balance all three weeks. Hiding only the 3 would let
  // 13 + 14 - 12 - 12 give it away.
  SuppressionTable t;
  int w1 = t.AddCell(12), w2 = t.AddCell(3), w3 = t.AddCell(12), m1 = t.AddCell(13), m2 = t.AddCell(14);
  t.AddBalance({w1, w2, w3}, {m1, m2});
  t.Apply(5);
  EXPECT_TRUE(t.hidden(w2));
  EXPECT_EQ(t.Published(w2), "<5");
  ExpectNoHiddenRecoverable(t, 30);
}

TEST(SuppressionTest, RandomLinkedWeeksAndMonthResistTheAttack) {
  // Two weeks, each a 1 x 2 grid (one category, two areas) with totals,
  // and their month as a third grid whose cells are the weeks' sums. The
  // brute-force attacker sees every table at once; no hidden cell, primary
  // or secondary, may have a single feasible value.
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> value(0, 8);
  for (int trial = 0; trial < 30; ++trial) {
    SuppressionTable t;
    std::vector<std::vector<int64_t>> w1 = {{value(rng), value(rng)}}, w2 = {{value(rng), value(rng)}};
    Grid g1 = AddGrid(t, w1), g2 = AddGrid(t, w2);
    Grid m = AddGrid(t, {{w1[0][0] + w2[0][0], w1[0][1] + w2[0][1]}});
    for (int a = 0; a < 2; ++a) t.AddEquation({g1.cell[0][a], g2.cell[0][a]}, m.cell[0][a]);
    t.AddEquation({g1.grand_total, g2.grand_total}, m.grand_total);
    t.Apply(4);
    SCOPED_TRACE(trial);
    EXPECT_TRUE(t.DeterminedHiddenCells().empty());
    ExpectNoHiddenRecoverable(t, 20);
  }
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(SuppressionTest, ACountPublishedElsewhereStaysVisibleAndCounts) {
  // total = 13 is published by another table. The 3 is small and its only
  // partner is a 0: the total cannot be hidden, so the 0 is.
  SuppressionTable t;
  int a = t.AddCell(3), zero = t.AddCell(0), b = t.AddCell(10), total = t.AddCell(13);
  t.AddEquation({a, zero, b}, total);
  t.Publish(total);
  t.Apply(5);
  EXPECT_EQ(t.Published(total), "13");
  EXPECT_EQ(t.Published(a), "<5");
  EXPECT_TRUE(t.hidden(b));
  EXPECT_TRUE(t.DeterminedHiddenCells().empty());
  ExpectNoHiddenRecoverable(t, 20);
  // A 3 whose only partner is a 0 and whose public total is 3: the 0 is
  // hidden (as "[c]"), the only way left to keep the 3 unpinned.
  SuppressionTable u;
  int ua = u.AddCell(3), uz = u.AddCell(0), ut = u.AddCell(3);
  u.AddEquation({ua, uz}, ut);
  u.Publish(ut);
  u.Apply(5);
  EXPECT_EQ(u.Published(ut), "3");
  EXPECT_EQ(u.Published(uz), kWithheld);
  EXPECT_TRUE(u.DeterminedHiddenCells().empty());
  ExpectNoHiddenRecoverable(u, 10);
}

}  // namespace
}  // namespace accord::analyst
