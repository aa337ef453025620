// The attacker check's model of a published pack (attack.h): the unknowns
// (true counts per dataset x category x area x segment, plus the counts
// other tables add) and every relation a reader can write down from the
// published figures. Internal to the attacker check.
//
// Built in two files: attack_model.cc (published labels and strings, the
// counts tables, the health table) and attack_model_tables.cc (the tables
// that count the same records again).
//
// Thread safety: a Model is built and used by one thread; it keeps a
// reference to the figures it reads, which must outlive it.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "attack.h"
#include "fact.h"
#include "nlohmann/json.hpp"
#include "periods.h"

namespace accord::analyst::attack {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// A JSON value as text (strings as they are, anything else dumped).
std::string Str(const nlohmann::json& j);

struct Span {
  absl::CivilDay first, last;  // inclusive
};

// "day", "week", "month", "quarter" -> the kind; false for anything else.
bool KindOf(const std::string& kind, PeriodKind* out);
// The days of a period label ("2026-09-14", "2026-W38", "2026-09", "2026-Q3").
bool PeriodSpan(const std::string& kind, const std::string& label, Span* span);
// The label `back` periods before `label` (of the same kind); "" if unreadable.
std::string ShiftLabel(const std::string& kind, const std::string& label, long back);

// The disclosure method a pack states.
struct Method {
  bool cell_key = false;
  int64_t d = 0;  // largest perturbation
};

// What a published string says about the true count.
struct Form {
  bool known = false;
  double lo = 0, hi = kInf;
  bool number = false;
};
Form Interval(const std::string& s, int64_t t, const Method& m);

// A linear function of the unknowns: (unknown, coefficient) pairs.
using Sparse = std::vector<std::pair<int, double>>;

// A published figure (pointer set) or a relation the attacker knows for
// sure (pointer empty): coef.x + constant lies in [lo, hi].
struct Figure {
  Sparse coef;
  double constant = 0;  // known part of the figure
  double lo = -kInf, hi = kInf;  // bounds on coef.x + constant
  std::string what, pointer, published;
  int64_t threshold = 0;
  bool is_count = false;  // a count a reader sees (may be protected)
  double prior_width = kInf;
  bool number = false;
  // Of an earlier published version (attack.h, PublishedVersion): already
  // out, so never withheld; its pointer is "/previous/<k>" + its pointer.
  bool earlier = false;
};

class Model {
 public:
  // Reads `f` (kept by reference) with `facts` as the truth.
  Model(const nlohmann::json& f, const std::vector<Fact>& facts);

  std::vector<Figure>& figures() { return figures_; }
  const std::vector<double>& truth() const { return truth_; }
  size_t vars() const { return truth_.size(); }
  double Truth(const Figure& fig) const {
    double v = fig.constant;
    for (auto [i, c] : fig.coef) v += c * truth_[i];
    return v;
  }
  // For an unknown of an earlier version: the unknown of this version that
  // counts the same segment (its twin), else -1.
  int twin(int i) const { return i < static_cast<int>(twin_.size()) ? twin_[i] : -1; }
  // True if every figure holds at the truth (the model is sound).
  bool Consistent() const;

  // Adds an earlier published version (`figures`, computed from `facts`)
  // as the `k`-th one back (0: the last): its unknowns and figures, and the
  // relations tying its counts to this model's (attack_versions.cc). False,
  // adding nothing, if the facts do not reproduce its figures.
  bool AddEarlier(const nlohmann::json& figures, const std::vector<Fact>& facts, int k);

 private:
  int Var(double truth);
  // A published figure: coef.x + constant is what `published` says.
  void Add(Sparse coef, double constant, const std::string& published, int64_t t, const std::string& what,
           const std::string& pointer, bool is_count = true);
  // A relation the attacker knows for sure: coef.x + constant in [lo, hi].
  void Relation(Sparse coef, double constant, double lo, double hi, const std::string& what);
  // The unknowns of a count row (category/area "all" for margins).
  Sparse Count(const std::string& ds, const std::string& kind, const std::string& label, const std::string& c,
               const std::string& a) const;
  Sparse DatasetAll(const std::string& ds) const;
  int64_t ThresholdOf(const std::string& ds, const std::string& published) const;
  static constexpr int64_t kDefaultThresholdForAttack = 10;

  void BuildCounts(const std::vector<Fact>& facts);
  void BuildHealth(const std::vector<Fact>& facts);
  void BuildDisplacement();
  void TieToDatasets(int total, const std::set<std::string>& datasets, double others, const std::string& what);
  void BuildLinkage(const std::vector<Fact>& facts);
  void BuildHotspots(const std::vector<Fact>& facts);
  void BuildRepeat(const std::vector<Fact>& facts);
  void BuildInterventions();
  void BuildNeighbourhoods();

  const nlohmann::json& f_;
  Method method_;
  std::vector<Figure> figures_;
  std::vector<double> truth_;
  // The days the counts tables cover (first > last: none).
  Span covered_{absl::CivilDay(9999, 1, 1), absl::CivilDay(1, 1, 1)};
  // dataset -> (category, area) -> (segment, var): the unknowns.
  std::map<std::string, std::map<std::pair<std::string, std::string>, std::vector<std::pair<Span, int>>>> cells_;
  std::map<std::string, int64_t> threshold_;
  std::map<std::string, double> uncounted_, outside_;
  std::map<std::pair<std::string, long>, double> uncounted_week_;
  std::map<std::string, Sparse> dataset_total_;
  std::vector<int> twin_;  // earlier version's unknown -> this version's twin, or -1
  std::map<std::string, double> left_;  // dataset -> records counted then and not now
};

// Adds every earlier version in `previous` (may be null) to `model`, each
// with the facts received up to its received_through. Returns how many were
// added; *skipped: how many the facts no longer reproduce.
size_t AddEarlierVersions(Model& model, const std::vector<PublishedVersion>* previous, const std::vector<Fact>& facts,
                          size_t* skipped);

}  // namespace accord::analyst::attack
