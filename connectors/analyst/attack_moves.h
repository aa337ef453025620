// The attacker check's cheapest proof of safety (attack.h, "How it stays
// fast", step 1): integer moves from the truth. The true counts satisfy
// every published relation; moving one unknown of a figure up or down (or
// with a partner in a relation that blocks it, in the opposite direction)
// while every relation still holds gives another integer solution. Two such
// solutions that differ by `need` in a figure prove that the attacker's
// range (integer or LP) for it is at least that wide. An unknown of an
// earlier published version moves together with its twin in this version
// (Model::twin: the same segment then and now), so that the relations tying
// the versions still hold. Internal to the attacker check.
//
// Thread safety: immutable after construction; keeps references to the
// figures and the model, which must outlive it.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "attack_model.h"

namespace accord::analyst::attack {

class TruthMoves {
 public:
  // `rows`: the figures that bound something (the relations).
  TruthMoves(const std::vector<Figure>& figs, const std::vector<int>& rows, const Model& model);

  // True if integer solutions satisfying every relation span at least
  // `need` in `f` (the figure is then safe, without an LP).
  bool Clears(const Figure& f, double need) const;

 private:
  // The largest integer step (up to `cap`) unknown i can take in direction
  // `dir` (+1 or -1) with every relation still satisfied.
  double Step(int i, int dir, double cap) const;
  // The same for unknown i moving by dir*k while unknown j moves by -dir*k
  // (the pair keeps exact totals such as the health table's).
  double PairStep(int i, int j, int dir, double cap) const;
  // How far unknown i (with its twin) can go down: its true count.
  double Floor(int i) const;
  // How far the figure (`merged` coefficients) can move in direction
  // `sense` by unit steps, each from the solution the ones before reached
  // (up to `need`).
  double Walk(const std::map<int, double>& merged, int sense, double need) const;

  const std::vector<Figure>& figs_;
  const Model& model_;
  // unknown -> (row, coefficient), sorted by row; for an unknown with a twin,
  // the rows of the two moving together (coefficients added).
  std::vector<std::vector<std::pair<int, double>>> rows_of_;
  std::vector<double> slack_up_, slack_down_;                 // row -> room at the truth
};

}  // namespace accord::analyst::attack
