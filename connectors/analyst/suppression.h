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

  // Hides `i` before Apply: a count equal to one hidden in another table.
  void Withhold(int i) { cells_[i].hidden = true; }

  // Applies primary then secondary suppression. threshold <= 1 hides nothing
  // (but Withhold() still applies).
  void Apply(int64_t threshold);

  int size() const { return static_cast<int>(cells_.size()); }
  int64_t value(int i) const { return cells_[i].value; }
  bool hidden(int i) const { return cells_[i].hidden; }
  bool primary(int i) const { return cells_[i].primary; }
  // The count as published: the number, "<threshold" (primary) or "[c]".
  std::string Published(int i) const;

  struct Equation {
    std::vector<int> members;
    int total;
    bool prefer_total = false;
  };
  const std::vector<Equation>& equations() const { return equations_; }

 private:
  struct Cell {
    int64_t value = 0;
    bool hidden = false;
    bool primary = false;
  };
  void HideLoneTerms();
  bool HidePartnerOf(int cell);
  bool HideAllPartnersOf(int cell);
  std::vector<int> DeterminedPrimaryCells() const;
  std::vector<Cell> cells_;
  std::vector<Equation> equations_;
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
