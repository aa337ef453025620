// The attacker check's independent components (attack_components.h).
#include "attack_components.h"

#include <algorithm>

namespace accord::analyst::attack {

std::string SparseKey(const Sparse& coef) {
  std::string key;
  for (auto [i, c] : coef) {
    key.append(reinterpret_cast<const char*>(&i), sizeof(i));
    key.append(reinterpret_cast<const char*>(&c), sizeof(c));
  }
  return key;
}

// Everything that determines a component's solutions: its unknowns and its
// relations (coefficients and bounds, bit for bit). The model numbers its
// unknowns the same way in every round of the backstop (withholding changes
// published strings, not the pack's shape), so an unchanged component has
// the same signature from round to round.
std::string ComponentSignature(const std::vector<Figure>& figs, const Component& c) {
  std::string sig;
  for (int v : c.cols) sig.append(reinterpret_cast<const char*>(&v), sizeof(v));
  for (int r : c.rows) {
    const Figure& f = figs[r];
    const double b[2] = {f.lo - f.constant, f.hi - f.constant};
    sig.push_back('|');
    sig.append(reinterpret_cast<const char*>(b), sizeof(b));
    sig.append(SparseKey(f.coef));
  }
  return sig;
}

// The unknowns linked by published relations: union-find over the rows.
std::vector<int> ComponentOf(const std::vector<Figure>& figs, const std::vector<int>& rows, size_t vars) {
  std::vector<int> parent(vars);
  for (size_t i = 0; i < vars; ++i) parent[i] = static_cast<int>(i);
  auto find = [&](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (int r : rows) {
    const Sparse& coef = figs[r].coef;
    for (size_t k = 1; k < coef.size(); ++k) {
      int a = find(coef[0].first), b = find(coef[k].first);
      if (a != b) parent[std::max(a, b)] = std::min(a, b);
    }
  }
  std::vector<int> of(vars);
  for (size_t i = 0; i < vars; ++i) of[i] = find(static_cast<int>(i));
  return of;
}

}  // namespace accord::analyst::attack
