// Publish: turns stored facts into the figures the analyst may release, with
// disclosure control applied. This is the ONLY way figures reach an output
// (CSV, JSON, HTML, HTTP all render this JSON), so the rules live here:
//
//   - every count below its agreement's small_number_threshold N is "<N";
//   - secondary suppression (suppression.h) over every additive relation the
//     outputs show: category x area grids with their row, column and grand
//     totals per period, months summing to quarters, linkage
//     (attendances = matched + unmatched), the hotspot location list and the
//     hour-of-week grid;
//   - a change or share is published only when every count it uses is;
//   - no pseudonym is ever written (Fact.victim is used for linkage only),
//     areas are the generalised values the agreement released, and free-text
//     locations appear only when at least N attendances share them.
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
};

// The published figures (schema: connectors/README.md, "accord-analyst").
nlohmann::json PublishFigures(const PublishInput& input);

}  // namespace accord::analyst
