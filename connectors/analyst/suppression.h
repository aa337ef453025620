// Small-number disclosure control over a set of published counts linked by
// additive equations (a row total is the sum of its cells, a quarter the sum
// of its months, ...).
//
//   Primary: every count c with 0 < c < threshold is hidden and published as
//   "<threshold".
//   Secondary: while some equation has exactly one hidden term, hide one more
//   term of it: the smallest POSITIVE visible member, else the equation's
//   total. (Never a zero: a hidden zero gives the attacker a bound that can
//   pin its partners.) Repeated until no equation has a lone hidden term, so
//   no hidden count equals "total minus the visible rest" of any equation.
//   Exact check: an attacker who knows every visible count and every equation
//   (and that counts are non-negative, so a visible total equal to its known
//   terms makes the unknown terms 0) solves the whole linked system exactly
//   (sparse elimination, DeterminedHiddenCells). A primary it pins gets more
//   partners hidden; a secondary it pins is published after all, since
//   hiding it protects nothing. So after Apply no hidden count is determined
//   by the published ones.
//
//   SuppressionTable t;
//   Published form: a primary cell is "<threshold"; a secondary one is "[c]"
//   (withheld: not small itself, hidden so that a small one stays hidden).
//
//   int a = t.AddCell(3), b = t.AddCell(12), total = t.AddCell(15);
//   t.AddEquation({a, b}, total);
//   t.Apply(5);                // hides a (primary) and b (secondary)
//   t.Published(a)             // "<5";  t.Published(b)  // "[c]"
//
// Thread safety: none; a value type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace accord::analyst {

// How a secondary-suppressed count is published.
inline constexpr char kWithheld[] = "[c]";

class SuppressionTable {
 public:
  int AddCell(int64_t value);
  // sum(members) == total. All indices from AddCell. With `prefer_total`,
  // secondary suppression hides the total rather than a member (for a
  // summary figure worth less than its parts, e.g. an all-time count).
  void AddEquation(std::vector<int> members, int total, bool prefer_total = false);
  // sum(lhs) == sum(rhs), both non-empty: e.g. the weeks of a run of months
  // equal those months (weeks straddling a month end link two months).
  void AddBalance(std::vector<int> lhs, std::vector<int> rhs);

  // Hides `i` before Apply: a count equal to one hidden in another table.
  void Withhold(int i) { cells_[i].hidden = true; }
  // The reverse: `i` equals a count another table publishes, so the attacker
  // knows it. It is never hidden, and the exact check treats it as visible.
  void Publish(int i) { cells_[i].known = true; }

  // Applies primary then secondary suppression. threshold <= 1 hides nothing
  // (but Withhold() still applies).
  void Apply(int64_t threshold);

  int size() const { return static_cast<int>(cells_.size()); }
  int64_t value(int i) const { return cells_[i].value; }
  bool hidden(int i) const { return cells_[i].hidden; }
  bool primary(int i) const { return cells_[i].primary; }
  // The count as published: the number, "<threshold" (primary) or "[c]".
  std::string Published(int i) const;

  // sum(members) == total + sum(more_totals).
  struct Equation {
    std::vector<int> members;
    int total;
    bool prefer_total = false;
    std::vector<int> more_totals;  // AddBalance only
  };
  const std::vector<Equation>& equations() const { return equations_; }

  // The hidden cells whose value the visible ones pin exactly, through the
  // equations (linear algebra) and non-negativity (a known total equal to its
  // known terms makes the rest 0). After Apply(threshold > 1): empty.
  std::vector<int> DeterminedHiddenCells() const;

 private:
  struct Cell {
    int64_t value = 0;
    bool hidden = false;
    bool primary = false;
    bool known = false;  // Publish()
  };
  void HideLoneTerms();
  // `far`: also look beyond the equations of `cell`, outwards.
  bool HidePartnerOf(int cell, bool far);
  bool HideAllPartnersOf(int cell);
  std::vector<Cell> cells_;
  std::vector<Equation> equations_;
  std::vector<std::vector<int>> equations_of_;  // cell -> equations (during Apply)
  int64_t threshold_ = 0;
};

// A rows x cols grid with row totals, column totals and a grand total, all
// linked by equations in `table`. cell[r][c], row_total[r], col_total[c].
struct Grid {
  std::vector<std::vector<int>> cell;
  std::vector<int> row_total;
  std::vector<int> col_total;
  int grand_total = -1;
};
Grid AddGrid(SuppressionTable& table, const std::vector<std::vector<int64_t>>& values);

}  // namespace accord::analyst
