#include "evaluation.h"

#include <cmath>

namespace accord::analyst {

std::optional<Wdq> WeightedDisplacementQuotient(double a0, double a1, double b0, double b1, double c0, double c1) {
  if (c0 <= 0 || c1 <= 0) return std::nullopt;
  Wdq r;
  r.success = a1 / c1 - a0 / c0;
  r.buffer = b1 / c1 - b0 / c0;
  if (r.success >= 0) return std::nullopt;  // the target did not improve: WDQ means nothing
  r.wdq = r.buffer / r.success;
  if (r.wdq > 0) {
    r.reading = std::fabs(r.wdq) > 1 ? "diffusion of benefit, larger than the target's improvement"
                                     : "diffusion of benefit";
  } else if (r.wdq < 0) {
    r.reading = std::fabs(r.wdq) > 1 ? "displacement outweighing the target's improvement" : "some displacement";
  } else {
    r.reading = "no buffer effect";
  }
  return r;
}

Wdd WeightedDisplacementDifference(double a0, double a1, double c0, double c1, double b0, double b1,
                                   std::optional<double> cb0, std::optional<double> cb1) {
  Wdd r;
  const bool shared = !cb0.has_value() || !cb1.has_value();
  const double d0 = shared ? c0 : *cb0, d1 = shared ? c1 : *cb1;
  r.wdd = (a1 - a0) - (c1 - c0) + (b1 - b0) - (d1 - d0);
  const double var = shared ? a0 + a1 + b0 + b1 + 4 * (c0 + c1) : a0 + a1 + c0 + c1 + b0 + b1 + d0 + d1;
  r.se = std::sqrt(var);
  r.z = r.se > 0 ? r.wdd / r.se : 0;
  return r;
}

}  // namespace accord::analyst
