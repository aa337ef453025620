// The attacker check: what a reader of a published pack can work out.
//
// It reads ONLY the published figures (the JSON every output renders: the
// CSV files and the HTML page show the same strings) and knows what each one
// means and how the publisher works:
//   - a count row is the number of records of its category (or all) x area
//     (or all) in its day, week, month or quarter; an absent row is 0;
//   - days, weeks, months and quarters share the same records (the unknowns
//     are the counts per dataset x category x area x segment: a day where the
//     dataset has daily tables, else a run of days in one ISO week and one
//     month, the finest split any figure can see), so margins, consecutive
//     periods, days-of-weeks and quarters-of-months all constrain one another;
//   - the health table's records_received and last_week (per provider, adding
//     up to the dataset), the overall record count, displacement rows (month
//     totals of a grid cell and of its 8 neighbours), changes (differences),
//     Cardiff linkage (attendances = matched + unmatched, and the A&E
//     dataset's total), hotspots (locations and hour-of-week grid adding up
//     to the attendances) and repeat victimisation (victims = repeat + single);
//   - the disclosure method stated in the pack: under the cell key method a
//     published number v stands for a true count in [max(0, T, v-D), v+D]
//     (T the threshold, D the largest perturbation) and "<T" for [0, T-1+D];
//     without it (method "threshold", old packs) a number is exact and "<T"
//     means 1..T-1. "[c]" and "" say nothing.
//   - (conservatively) the number of records without a category or area.
//   - (with AttackOptions::previous) the pack published before, its counts
//     tied to this one's: a count can only grow by the records that arrived.
// It then solves the linear system with GLPK (in independent components,
// after cheaper proofs of safety: README.md, "How it stays fast"): for every figure whose
// TRUE count is 1..T-1 it minimises and maximises that count subject to
// every published relation (LP, simplex; where the LP range is 4 or less it
// also solves the integer program, since counts are integers). The figure
// LEAKS if the attacker's range is at most 2 wide (the count is pinned
// exactly or to within +-1) and narrower than what its published form
// already says.
//
// Thread safety: pure functions (each call owns its GLPK problems).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "fact.h"
#include "nlohmann/json.hpp"

namespace accord::analyst {

struct Leak {
  std::string what;     // the figure, e.g. "month 2026-09 robbery x BNG250:..."
  std::string pointer;  // its JSON pointer in the figures
  int64_t true_value = 0;
  int64_t low = 0, high = 0;  // what the attacker can prove
};

struct AttackReport {
  std::vector<Leak> leaks;
  size_t figures = 0;       // published relations used
  size_t unknowns = 0;      // LP columns
  size_t protected_ = 0;    // true counts 1..T-1 examined
  // Published figures that the TRUE counts do not satisfy (a publisher or
  // model bug: the check would then be unsound). Empty when all is well.
  std::vector<std::string> inconsistent;
  // What the attacker proved for each protected figure (true count 1..T-1)
  // that the check solved: [low, high] of the true count (infinite where
  // unbounded). Figures proved safe by integer moves from the truth
  // (cleared_by_moves) are not listed: their range is not computed.
  struct Range {
    std::string pointer;
    double low = 0, high = 0;
  };
  std::vector<Range> ranges;
  size_t components = 0;         // independent parts the system was solved in
  size_t largest_component = 0;  // unknowns in the largest
  size_t integer_programs = 0;   // exact branch-and-bound solves run
  size_t nearby_searches = 0;    // small integer programs near the truth
  size_t cleared_by_moves = 0;   // protected figures shown safe without an LP
  size_t safe_before = 0;        // proved safe in an earlier round of the backstop (not re-solved)
  size_t versions = 0;           // earlier published versions solved together with this one
  size_t versions_skipped = 0;   // earlier versions the facts no longer reproduce
};

// A pack published earlier: the live audit is republished as records arrive,
// and a reader may keep every version. `figures` as published, computed
// from the facts received up to `received_through` (the analyst's store only
// ever adds records, so those are the facts with received_at <= it).
struct PublishedVersion {
  nlohmann::json figures;
  absl::Time received_through = absl::InfinitePast();
};

struct AttackOptions {
  // Solve the whole published system as one LP (branch and bound limited to
  // 0.5 s a call), as the check did before it split the system into
  // independent components. Kept as the reference the component split is
  // tested against, and for the benchmark's before/after.
  bool whole_system = false;
  // Branch-and-bound time limit per integer program, in ms (0: 500 for the
  // whole system, 2000 for a component: never less than before). Where it
  // is hit, the LP's wider, still proved, range stands.
  int branch_and_bound_ms = 0;
  // Earlier published versions of the pack (not owned; may be null): the
  // check solves them together with this one. Each version's figures are
  // tied to this one's through the counts: for every dataset x category x
  // area and run of days, the count now minus the count then is at least
  // minus the records that left (normally none), and the dataset's counted
  // records grew by a number the reader is assumed to know (a provider knows
  // what it sent). Small counts of the earlier versions are checked too:
  // this version must not give them away. A version whose figures the
  // facts, as read now, do not reproduce (the analyst config changed since)
  // cannot be compared and is left out (AttackReport::versions_skipped).
  const std::vector<PublishedVersion>* previous = nullptr;
};

// Attacks `figures` (a PublishFigures() result or a fixture shaped like one)
// with `facts` as the truth.
AttackReport AttackPack(const nlohmann::json& figures, const std::vector<Fact>& facts,
                        const AttackOptions& options = {});

// The backstop run by PublishFigures: while AttackPack finds a leak, withholds
// ("[c]") the published figure that gives it away (the smallest visible
// figure containing the leaking one, else one sharing records with it) and
// recomputes every change and share from the published counts. Returns
// {"withheld": [descriptions, never a value], "relations", "unknowns",
//  "small_counts_checked", "recoverable_small_counts" (0 unless 50 rounds
//  were not enough), "model_errors" (0 unless the model is unsound)}.
nlohmann::json ProtectAgainstAttack(nlohmann::json& figures, const std::vector<Fact>& facts,
                                    const AttackOptions& options = {});

// Recomputes every derived figure (previous-period and last-year columns,
// changes, shares) from the published counts in `figures`.
void RecomputeDerived(nlohmann::json& figures);

}  // namespace accord::analyst
