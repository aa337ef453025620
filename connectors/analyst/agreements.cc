#include "agreements.h"

#include <algorithm>

#include "accord/policy/agreement_parser.h"

namespace accord::analyst {
namespace {

// Coarser units rank higher.
int Rank(const std::string& unit) {
  return unit == "hour" ? 0 : unit == "day" ? 1 : unit == "week" ? 2 : 3;
}

std::string Unit(policy::Generalisation g) {
  switch (g) {
    case policy::Generalisation::kHour: return "hour";
    case policy::Generalisation::kIsoWeek: return "week";
    case policy::Generalisation::kMonth: return "month";
    default: return "day";
  }
}

}  // namespace

int64_t AgreementTerms::ThresholdFor(const std::string& agreement_id) const {
  auto it = threshold.find(agreement_id);
  if (it == threshold.end() || it->second < 0) return kDefaultThreshold;
  return it->second;
}

AgreementTerms ReadAgreementTerms(const std::vector<v1::AgreementInfo>& agreements,
                                  const std::string& recipient) {
  AgreementTerms terms;
  for (const auto& info : agreements) {
    if (info.document().empty()) continue;
    auto parsed = policy::ParseAgreementOrError(info.document(), info.id());
    if (!parsed.ok()) continue;
    terms.threshold[parsed->id] = parsed->small_number_threshold;
    for (const auto& party : parsed->parties) {
      if (recipient.empty() || party.id == recipient) terms.party_to.insert(parsed->id);
    }
    for (const auto& flow : parsed->flows) {
      bool mine = recipient.empty() ||
                  std::find(flow.recipients.begin(), flow.recipients.end(), recipient) != flow.recipients.end();
      if (!mine) continue;
      const std::string unit = Unit(flow.event_time);
      auto [it, fresh] = terms.event_time_by_dataset.try_emplace(flow.dataset, TimePrecision{unit, parsed->id});
      if (!fresh && Rank(unit) > Rank(it->second.unit)) it->second = {unit, parsed->id};
      for (const auto& f : flow.fields) {
        if (f.treatment.kind != policy::TreatmentKind::kDrop) terms.fields_by_dataset[flow.dataset].insert(f.field);
      }
    }
  }
  return terms;
}

}  // namespace accord::analyst
