// The attacker check's solver (attack.h): the min and max of a linear
// function of the unknowns over a set of published relations (the whole
// system, or one independent component of it), with GLPK (exact simplex and
// branch and bound). Internal to the attacker check.
//
// Keeps its GLPK problem between calls: each call only changes the
// objective and re-solves from the previous optimal basis (a warm start),
// which is a few pivots where the figures asked about in turn are
// neighbours.
//
// Thread safety: not thread-safe; one Solver per thread. Owns its GLPK
// problem (freed with it).
#pragma once

#include <glpk.h>

#include <map>
#include <memory>
#include <vector>

#include "attack_model.h"

namespace accord::analyst::attack {

class Solver {
 public:
  // Rows: figures[rows[k]]; columns: the unknowns `cols` (ids in figures'
  // coefficients), in that order. `tm_lim_ms`: branch-and-bound time limit
  // per call (where it is hit, the LP's wider, still proved, range stands).
  Solver(const std::vector<Figure>& figures, const std::vector<int>& rows, const std::vector<int>& cols,
         int tm_lim_ms);

  // The LP's [min, max] of coef.x (unrounded; infinite where unbounded);
  // false if the LP could not be solved.
  bool LinearBounds(const Sparse& coef, double* lo, double* hi);

  // Integer solutions near the truth (`truth`: every unknown's true count):
  // every unknown more than `hops` relations away from the objective's is
  // fixed at its true count, and the small integer program over the rest is
  // solved for the min and the max of coef.x. Every solution found satisfies
  // EVERY published relation (the fixed unknowns at their true counts do), so
  // the values widen [*lo, *hi] (which must start at the truth's value): a
  // range the attacker provably cannot narrow below. A search that does not
  // finish leaves what it found. The solutions go to *lo_x and *hi_x (GLPK
  // columns).
  void NearbyIntegerRange(const Sparse& coef, const std::vector<double>& truth, int hops, int tm_lim_ms,
                          double* lo, double* hi, std::vector<double>* lo_x, std::vector<double>* hi_x);

  // The truth as a GLPK column vector (x[j] for column j, 1-based).
  std::vector<double> Columns(const std::vector<double>& truth) const;

  // The integer program's min and max of coef.x (counts are integers), each
  // where branch and bound finished (`*lo_ok`, `*hi_ok`). `start[0]` and
  // `start[1]` (integer solutions satisfying every relation: the truth, or
  // one found near it) seed branch and bound with an incumbent for the min
  // and the max, so that it prunes every node that cannot beat them.
  void IntegerBounds(const Sparse& coef, double* lo, double* hi, bool* lo_ok, bool* hi_ok,
                     const std::vector<double>* start = nullptr);

 private:
  struct GlpDeleter {
    void operator()(glp_prob* p) const { glp_delete_prob(p); }
  };
  void MakeInteger();
  void SetObjective(const Sparse& coef);

  std::unique_ptr<glp_prob, GlpDeleter> lp_;
  std::vector<int> cols_;   // GLPK column j is unknown cols_[j - 1]
  std::map<int, int> col_;  // unknown -> GLPK column
  std::vector<std::vector<int>> rows_of_;   // column -> rows
  std::vector<std::vector<int>> row_cols_;  // row -> columns
  std::vector<std::vector<double>> row_vals_;  // row -> coefficients (as row_cols_)
  std::vector<double> row_lo_, row_hi_;        // row -> bounds (infinite where none)
  glp_smcp smcp_;
  glp_iocp iocp_;
  std::vector<int> objective_;
  bool integer_ = false;
};

}  // namespace accord::analyst::attack
