// Publish: turns stored facts into the figures the analyst may release, with
// disclosure control applied. This is the ONLY way figures reach an output
// (CSV, JSON, HTML, HTTP all render this JSON), so the rules live here:
//
//   - every count, margin and total is a cell of the ONS cell key method
//     (cell_key.h): perturbed by a p-table lookup on its true count and the
//     sum of its records' keys, so the same records get the same published
//     count in every table, period and run;
//   - on top, a count under the agreement's own small_number_threshold T is
//     "<T" (T = 0: no threshold, numbers are still perturbed);
//   - changes and shares are computed from the published counts only;
//   - the attacker check (attack.h) then runs on the figures; anything that
//     would still let a reader pin a small count to within +-1 is withheld;
//   - no pseudonym is ever written (Fact.victim is used for linkage only),
//     areas are the generalised values the agreement released, and free-text
//     locations appear only when at least T attendances share them.
//
// Thread safety: pure function.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "accord/v1/agreement_service.pb.h"
#include "agreements.h"
#include "analysis_config.h"
#include "attack.h"
#include "boundaries.h"
#include "fact.h"
#include "health.h"
#include "nlohmann/json.hpp"

namespace accord::analyst {

struct PublishInput {
  std::vector<Fact> facts;
  std::vector<v1::AgreementInfo> agreements;
  AgreementTerms terms;
  absl::Time as_of;
  // Rejections by reason from the hub's metrics; absent if not fetched.
  std::optional<std::map<std::string, int64_t>> rejections;
  std::vector<SourceRejections> rejections_by_source;  // per agency, dataset, reason
  std::string rejections_note;  // why they are absent, if they are
  AnalysisConfig config;         // roles (already applied to facts) and interventions
  nlohmann::json data_difficulties = nlohmann::json::array();  // register.h rows
  Boundaries boundaries;         // named areas (may be empty)
  AttackOptions attack;          // the attacker check's solver (defaults: the component check)
  // The packs published before (attack.h): the attacker check solves them
  // together with this one, so that keeping two versions gives nothing away.
  // attack.previous is pointed at this.
  std::vector<PublishedVersion> previous;
};

// The published figures (schema: connectors/README.md, "accord-analyst").
nlohmann::json PublishFigures(const PublishInput& input);

}  // namespace accord::analyst
