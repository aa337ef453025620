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
