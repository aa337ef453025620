// Evaluating a named intervention (a patrol, CCTV, a licensing change) for
// crime displacement and diffusion of benefit.
//
//   target area A, buffer B around it, control area C (and, optionally, a
//   separate control for the buffer, Cb); before and after periods of equal
//   length either side of the start date.
//
//   Weighted Displacement Quotient (Bowers & Johnson 2003, J. Quant.
//   Criminol. 19:275):
//     success = A1/C1 - A0/C0            (negative: the target improved)
//     buffer  = B1/C1 - B0/C0
//     WDQ     = buffer / success
//   WDQ > 0: diffusion of benefit; < 0: displacement; |WDQ| > 1: the
//   buffer's effect outweighs the target's. Defined only when C0, C1 > 0 and
//   success < 0 (the target improved relative to control).
//
//   Weighted Displacement Difference (Wheeler & Ratcliffe 2018, Crime
//   Science 7:17):
//     WDD = (A1 - A0) - (C1 - C0) + (B1 - B0) - (Cb1 - Cb0)
//   Under a Poisson assumption Var(WDD) is the sum of the eight counts; when
//   the buffer shares the target's control (no Cb), C enters twice, so
//   Var = A0 + A1 + B0 + B1 + 4 (C0 + C1). z = WDD / SE.
//
// The pack computes both from PUBLISHED (cell-key perturbed) counts, so they
// add nothing a reader could not work out; if any of the counts is "<T" or
// withheld, they are not published.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace accord::analyst {

struct Wdq {
  double success = 0, buffer = 0, wdq = 0;
  std::string reading;  // "diffusion of benefit", "displacement", ...
};
// nullopt when undefined (a control count of 0, or the target did not
// improve relative to control: success >= 0).
std::optional<Wdq> WeightedDisplacementQuotient(double a0, double a1, double b0, double b1, double c0, double c1);

struct Wdd {
  double wdd = 0, se = 0, z = 0;
};
// `cb0`/`cb1` nullopt: the buffer shares the target's control.
Wdd WeightedDisplacementDifference(double a0, double a1, double c0, double c1, double b0, double b1,
                                   std::optional<double> cb0 = std::nullopt, std::optional<double> cb1 = std::nullopt);

// A named intervention, as declared in the analyst config (analysis_config.h).
struct Intervention {
  std::string name;
  std::vector<std::string> datasets;  // empty: every dataset with areas
  std::vector<std::string> categories;  // empty: all
  std::set<std::string> target, buffer, control, buffer_control;  // area labels
  absl::Time start;
  int days = 0;  // length of each of the before and after periods
};

}  // namespace accord::analyst
