// The attacker check's independent components (attack.h, "How it stays
// fast"): the published relations split the unknowns into parts no relation
// ties together; each is solved on its own, and kept, with its verdicts,
// from one round of the backstop to the next while its relations do not
// change. Internal to the attacker check.
//
// Thread safety: value types and pure functions; an AttackCache is used by
// one thread.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "attack.h"
#include "attack_model.h"
#include "attack_solver.h"

namespace accord::analyst::attack {

// What one component (or the whole system) proved about one objective.
struct PartBounds {
  bool lp_done = false, lp_ok = false;
  double lp_lo = 0, lp_hi = 0;
  bool ip_done = false, ip_lo_ok = false, ip_hi_ok = false;
  double ip_lo = 0, ip_hi = 0;
  // Values of the objective at integer solutions found near the truth
  // (NearbyIntegerRange), up to `hops_done` relations away.
  int hops_done = -1;
  double near_lo = 0, near_hi = 0;
  std::vector<double> near_x[2];  // the solutions (GLPK columns), or empty: the truth
};

// An independent part of the published system: unknowns that no published
// relation ties to any unknown outside it, and the relations among them.
// Solved on its own, it gives exactly the bounds the whole system gives (the
// feasible set is the product of the components' feasible sets, so the min
// and max of a sum over components are the sums of the components' min and
// max, for the LP and the integer program alike).
struct Component {
  std::vector<int> rows, cols;
  std::unique_ptr<Solver> solver;  // built on first use
  std::map<std::string, PartBounds> verdicts;  // by objective
};

// Components (and their verdicts) kept from one round of the backstop to the
// next: a round that withholds a figure changes only the components that
// figure (and the changes recomputed from it) touched; the others are not
// solved again.
struct AttackCache {
  std::map<std::string, std::unique_ptr<Component>> components;  // by signature
  size_t hits = 0;
  // Protected figures (by pointer) proved safe in an earlier round. A round
  // of the backstop only withholds figures ("[c]" says nothing) and blanks
  // the changes and shares computed from them: the relations of the next
  // round are a subset of this round's (the unknowns are numbered the same),
  // so its feasible sets contain this round's, every attacker range can only
  // widen, and a figure safe now stays safe. The next round re-checks only
  // the figures not proved safe (the leaks), and finds exactly the leaks a
  // check from scratch finds.
  std::set<std::string> safe;
};

// A Sparse as bytes (a map key: the same coefficients, the same key).
std::string SparseKey(const Sparse& coef);

// Everything that determines a component's solutions: its unknowns and its
// relations (coefficients and bounds, bit for bit). The model numbers its
// unknowns the same way in every round of the backstop (withholding changes
// published strings, not the pack's shape), so an unchanged component has
// the same signature from round to round.
std::string ComponentSignature(const std::vector<Figure>& figs, const Component& c);

// The unknowns linked by published relations: union-find over the rows.
std::vector<int> ComponentOf(const std::vector<Figure>& figs, const std::vector<int>& rows, size_t vars);

// The attack proper (AttackPack): `cache` (may be null) keeps components
// and their verdicts between calls on successive rounds of the same pack.
AttackReport RunAttack(const nlohmann::json& figures, const std::vector<Fact>& facts, const AttackOptions& options,
                       AttackCache* cache);

}  // namespace accord::analyst::attack
