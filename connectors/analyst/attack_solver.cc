// The attacker check's GLPK solver (attack_solver.h).
#include "attack_solver.h"

#include <cmath>

namespace accord::analyst::attack {

// Rows: figures[rows[k]]; columns: the unknowns `cols` (ids in figures'
// coefficients), in that order. `tm_lim_ms`: branch-and-bound time limit
// per call (where it is hit, the LP's wider, still proved, range stands).
Solver::Solver(const std::vector<Figure>& figures, const std::vector<int>& rows, const std::vector<int>& cols, int tm_lim_ms)
    : lp_(glp_create_prob()), cols_(cols) {
  glp_term_out(GLP_OFF);
  for (size_t k = 0; k < cols.size(); ++k) col_[cols[k]] = static_cast<int>(k) + 1;
  rows_of_.resize(cols.size() + 1);
  row_cols_.resize(rows.size() + 1);
  row_vals_.resize(rows.size() + 1);
  row_lo_.assign(rows.size() + 1, -kInf);
  row_hi_.assign(rows.size() + 1, kInf);
  glp_add_cols(lp_.get(), static_cast<int>(cols.size()));
  for (size_t j = 1; j <= cols.size(); ++j) glp_set_col_bnds(lp_.get(), static_cast<int>(j), GLP_LO, 0.0, 0.0);
  for (int r : rows) {
    const Figure& f = figures[r];
    const bool lo = std::isfinite(f.lo), hi = std::isfinite(f.hi);
    int row = glp_add_rows(lp_.get(), 1);
    std::vector<int> ind{0};
    std::vector<double> val{0};
    std::map<int, double> merged;
    for (auto [i, c] : f.coef) merged[col_.at(i)] += c;
    for (auto [j, c] : merged) {
      if (c == 0) continue;
      ind.push_back(j);
      val.push_back(c);
      rows_of_[j].push_back(row);
      row_cols_[row].push_back(j);
      row_vals_[row].push_back(c);
    }
    glp_set_mat_row(lp_.get(), row, static_cast<int>(ind.size()) - 1, ind.data(), val.data());
    const double l = f.lo - f.constant, h = f.hi - f.constant;
    if (lo) row_lo_[row] = l;
    if (hi) row_hi_[row] = h;
    if (lo && hi) {
      glp_set_row_bnds(lp_.get(), row, l == h ? GLP_FX : GLP_DB, l, h);
    } else if (lo) {
      glp_set_row_bnds(lp_.get(), row, GLP_LO, l, 0.0);
    } else {
      glp_set_row_bnds(lp_.get(), row, GLP_UP, 0.0, h);
    }
  }
  glp_init_smcp(&smcp_);
  smcp_.msg_lev = GLP_MSG_OFF;
  smcp_.presolve = GLP_OFF;
  glp_init_iocp(&iocp_);
  iocp_.msg_lev = GLP_MSG_OFF;
  iocp_.presolve = GLP_OFF;
  if (tm_lim_ms > 0) iocp_.tm_lim = tm_lim_ms;
}

// The LP's [min, max] of coef.x (unrounded; infinite where unbounded);
// false if the LP could not be solved.
bool Solver::LinearBounds(const Sparse& coef, double* lo, double* hi) {
  SetObjective(coef);
  double out[2];
  for (int k = 0; k < 2; ++k) {
    glp_set_obj_dir(lp_.get(), k == 0 ? GLP_MIN : GLP_MAX);
    if (glp_simplex(lp_.get(), &smcp_) != 0) {
      // A stale basis can fail: start again from the standard basis.
      glp_std_basis(lp_.get());
      if (glp_simplex(lp_.get(), &smcp_) != 0) return false;
    }
    int status = glp_get_status(lp_.get());
    if (status == GLP_UNBND) {
      out[k] = k == 0 ? -kInf : kInf;
      continue;
    }
    if (status != GLP_OPT) return false;
    out[k] = glp_get_obj_val(lp_.get());
  }
  *lo = out[0];
  *hi = out[1];
  return true;
}

// Integer solutions near the truth (`truth`: every unknown's true count):
// every unknown more than `hops` relations away from the objective's is
// fixed at its true count, and the small integer program over the rest is
// solved for the min and the max of coef.x. Every solution found satisfies
// EVERY published relation (the fixed unknowns at their true counts do), so
// the values widen [*lo, *hi] (which must start at the truth's value): a
// range the attacker provably cannot narrow below. A search that does not
// finish leaves what it found.
void Solver::NearbyIntegerRange(const Sparse& coef, const std::vector<double>& truth, int hops, int tm_lim_ms,
                                double* lo, double* hi, std::vector<double>* lo_x, std::vector<double>* hi_x) {
  std::vector<char> free(cols_.size() + 1, 0);
  std::vector<int> frontier;
  for (auto [i, c] : coef) {
    const int j = col_.at(i);
    if (!free[j]) frontier.push_back(j);
    free[j] = 1;
  }
  for (int h = 0; h < hops && !frontier.empty(); ++h) {
    std::vector<int> next;
    for (int j : frontier) {
      for (int r : rows_of_[j]) {
        for (int k : row_cols_[r]) {
          if (!free[k]) next.push_back(k);
          free[k] = 1;
        }
      }
    }
    frontier = std::move(next);
  }
  // The unknowns left free, and only the relations that mention one of
  // them, as a small integer program of their own: the fixed unknowns'
  // contributions (their true counts) move into the relations' bounds, and a
  // relation over fixed unknowns only holds at the truth. The same solutions
  // as the whole component with the other unknowns fixed, at a fraction of
  // the cost (no simplex over the whole component, twice per figure).
  std::vector<int> sub_col(cols_.size() + 1, 0), full_col{0};
  for (size_t j = 1; j <= cols_.size(); ++j) {
    if (!free[j]) continue;
    full_col.push_back(static_cast<int>(j));
    sub_col[j] = static_cast<int>(full_col.size()) - 1;
  }
  std::unique_ptr<glp_prob, GlpDeleter> sub(glp_create_prob());
  glp_add_cols(sub.get(), static_cast<int>(full_col.size()) - 1);
  for (size_t k = 1; k < full_col.size(); ++k) {
    glp_set_col_bnds(sub.get(), static_cast<int>(k), GLP_LO, 0.0, 0.0);
    glp_set_col_kind(sub.get(), static_cast<int>(k), GLP_IV);
  }
  std::vector<char> row_seen(row_cols_.size(), 0);
  std::vector<int> ind{0};
  std::vector<double> val{0};
  for (size_t k = 1; k < full_col.size(); ++k) {
    for (int r : rows_of_[full_col[k]]) {
      if (row_seen[r]) continue;
      row_seen[r] = 1;
      ind.resize(1);
      val.resize(1);
      double fixed = 0;
      for (size_t n = 0; n < row_cols_[r].size(); ++n) {
        const int j = row_cols_[r][n];
        if (free[j]) {
          ind.push_back(sub_col[j]);
          val.push_back(row_vals_[r][n]);
        } else {
          fixed += row_vals_[r][n] * truth[cols_[j - 1]];
        }
      }
      const int row = glp_add_rows(sub.get(), 1);
      glp_set_mat_row(sub.get(), row, static_cast<int>(ind.size()) - 1, ind.data(), val.data());
      const bool has_lo = std::isfinite(row_lo_[r]), has_hi = std::isfinite(row_hi_[r]);
      const double l = row_lo_[r] - fixed, h = row_hi_[r] - fixed;
      if (has_lo && has_hi) {
        glp_set_row_bnds(sub.get(), row, l == h ? GLP_FX : GLP_DB, l, h);
      } else if (has_lo) {
        glp_set_row_bnds(sub.get(), row, GLP_LO, l, 0.0);
      } else if (has_hi) {
        glp_set_row_bnds(sub.get(), row, GLP_UP, 0.0, h);
      } else {
        glp_set_row_bnds(sub.get(), row, GLP_FR, 0.0, 0.0);
      }
    }
  }
  for (auto [i, c] : coef) {
    const int k = sub_col[col_.at(i)];
    glp_set_obj_coef(sub.get(), k, glp_get_obj_coef(sub.get(), k) + c);
  }
  glp_iocp iocp = iocp_;
  iocp.tm_lim = tm_lim_ms;
  iocp.cb_func = nullptr;
  iocp.cb_info = nullptr;
  for (int k = 0; k < 2; ++k) {
    glp_set_obj_dir(sub.get(), k == 0 ? GLP_MIN : GLP_MAX);
    if (glp_simplex(sub.get(), &smcp_) != 0) {
      glp_std_basis(sub.get());
      if (glp_simplex(sub.get(), &smcp_) != 0) continue;
    }
    if (glp_get_status(sub.get()) != GLP_OPT) continue;
    const int rc = glp_intopt(sub.get(), &iocp);
    const int status = glp_mip_status(sub.get());
    if ((rc != 0 && rc != GLP_ETMLIM) || (status != GLP_OPT && status != GLP_FEAS)) continue;
    const double v = std::round(glp_mip_obj_val(sub.get()));
    double& best = k == 0 ? *lo : *hi;
    if (k == 0 ? v < best : v > best) {
      best = v;
      std::vector<double>& x = k == 0 ? *lo_x : *hi_x;
      x = Columns(truth);
      for (size_t n = 1; n < full_col.size(); ++n) {
        x[full_col[n]] = std::round(glp_mip_col_val(sub.get(), static_cast<int>(n)));
      }
    }
  }
}

// The truth as a GLPK column vector (x[j] for column j, 1-based).
std::vector<double> Solver::Columns(const std::vector<double>& truth) const {
  std::vector<double> x(cols_.size() + 1, 0.0);
  for (size_t j = 1; j <= cols_.size(); ++j) x[j] = truth[cols_[j - 1]];
  return x;
}

// The integer program's min and max of coef.x (counts are integers), each
// where branch and bound finished (`*lo_ok`, `*hi_ok`). `start[0]` and
// `start[1]` (integer solutions satisfying every relation: the truth, or
// one found near it) seed branch and bound with an incumbent for the min
// and the max, so that it prunes every node that cannot beat them.
void Solver::IntegerBounds(const Sparse& coef, double* lo, double* hi, bool* lo_ok, bool* hi_ok,
                           const std::vector<double>* start) {
  *lo_ok = *hi_ok = false;
  SetObjective(coef);
  MakeInteger();
  struct Seed {
    const std::vector<double>* x = nullptr;
    bool given = false;
  } seed;
  iocp_.cb_info = &seed;
  iocp_.cb_func = [](glp_tree* tree, void* info) {
    auto* s = static_cast<Seed*>(info);
    if (glp_ios_reason(tree) == GLP_IHEUR && !s->given && s->x != nullptr) {
      s->given = true;
      glp_ios_heur_sol(tree, s->x->data());
    }
  };
  for (int k = 0; k < 2; ++k) {
    glp_set_obj_dir(lp_.get(), k == 0 ? GLP_MIN : GLP_MAX);
    if (glp_simplex(lp_.get(), &smcp_) != 0 || glp_get_status(lp_.get()) != GLP_OPT) continue;
    seed = {start == nullptr || start[k].empty() ? nullptr : &start[k], false};
    if (glp_intopt(lp_.get(), &iocp_) != 0 || glp_mip_status(lp_.get()) != GLP_OPT) continue;
    (k == 0 ? *lo : *hi) = glp_mip_obj_val(lp_.get());
    (k == 0 ? *lo_ok : *hi_ok) = true;
  }
  iocp_.cb_func = nullptr;
  iocp_.cb_info = nullptr;
}

void Solver::MakeInteger() {
  if (integer_) return;
  for (int j = 1; j <= glp_get_num_cols(lp_.get()); ++j) glp_set_col_kind(lp_.get(), j, GLP_IV);
  integer_ = true;
}

void Solver::SetObjective(const Sparse& coef) {
  for (int j : objective_) glp_set_obj_coef(lp_.get(), j, 0.0);
  objective_.clear();
  for (auto [i, c] : coef) {
    const int j = col_.at(i);
    glp_set_obj_coef(lp_.get(), j, glp_get_obj_coef(lp_.get(), j) + c);
    objective_.push_back(j);
  }
}

}  // namespace accord::analyst::attack
