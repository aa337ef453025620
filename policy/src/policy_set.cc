#include "accord/policy/policy_set.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "accord/base/status_macros.h"
#include "accord/policy/treatment_rules.h"

namespace accord::policy {
namespace {

std::string FlowKey(const std::string& provider, const std::string& dataset) {
  return absl::StrCat(provider, "\x1f", dataset);
}

std::string TreatmentLabel(const Treatment& t) {
  if (t.kind == TreatmentKind::kGeneralise) {
    return absl::StrCat("generalise:", std::string(GeneralisationName(t.generalisation)));
  }
  return std::string(TreatmentKindName(t.kind));
}

absl::StatusOr<std::unique_ptr<CompiledFlow>> CompileFlow(const CompiledAgreement& owner,
                                                          const Flow& flow) {
  const Agreement& a = owner.agreement();
  auto compiled = std::make_unique<CompiledFlow>();
  compiled->agreement = &owner;
  compiled->flow = &flow;
  compiled->dataset = a.FindDataset(flow.dataset);
  if (compiled->dataset == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("agreement '", a.id, "' flow '", flow.id,
                                                   "' names unknown dataset '", flow.dataset, "'"));
  }
  bool needs_sealers = false;
  const auto& fields = compiled->dataset->fields;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].classification == Classification::kDirectIdentifier) {
      compiled->direct_identifiers.push_back(static_cast<int>(i));
    }
    const FieldTreatment* ft = flow.FindField(fields[i].name);
    if (ft == nullptr || ft->treatment.kind == TreatmentKind::kDrop) continue;
    // Defence in depth: the linter refuses these, and so does the engine.
    if (absl::Status s = CheckTreatmentForField(ft->treatment, fields[i], flow.mode); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("agreement '", a.id, "' flow '", flow.id,
                                                     "': ", s.message()));
    }
    if (ft->field == flow.area_field) {
      compiled->area_plan = static_cast<int>(compiled->plans.size());
    }
    compiled->plans.push_back(CompiledFieldPlan{static_cast<int>(i), &fields[i], &ft->treatment,
                                                TreatmentLabel(ft->treatment)});
    needs_sealers |= ft->treatment.kind == TreatmentKind::kEncrypt;
  }
  for (const FieldTreatment& ft : flow.fields) {
    if (compiled->dataset->FindField(ft.field) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("agreement '", a.id, "' flow '", flow.id,
                                                     "' names unknown field '", ft.field, "'"));
    }
  }
  if (needs_sealers) {
    for (const std::string& recipient : flow.recipients) {
      const Party* party = a.FindParty(recipient);
      if (party == nullptr || party->encryption_key_pem.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("agreement '", a.id, "' flow '", flow.id,
                                                       "' encrypts for '", recipient,
                                                       "', which has no encryption_key"));
      }
      ACCORD_ASSIGN_OR_RETURN(RecipientSealer sealer,
                              RecipientSealer::Create(recipient, party->encryption_key_pem));
      compiled->sealers.push_back(std::make_unique<RecipientSealer>(std::move(sealer)));
    }
  }
  return compiled;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const PolicySet>> PolicySet::Build(std::vector<ActiveAgreement> active) {
  // Deterministic order: by agreement id, then version.
  std::sort(active.begin(), active.end(), [](const ActiveAgreement& x, const ActiveAgreement& y) {
    if (x.agreement->id != y.agreement->id) return x.agreement->id < y.agreement->id;
    return x.agreement->version < y.agreement->version;
  });
  std::shared_ptr<PolicySet> set(new PolicySet());
  for (ActiveAgreement& input : active) {
    if (input.linkage_key.size() < 32) {
      return absl::InvalidArgumentError(
          absl::StrCat("agreement '", input.agreement->id, "': linkage key shorter than 32 bytes"));
    }
    ACCORD_ASSIGN_OR_RETURN(Pseudonymiser p, Pseudonymiser::Create(input.linkage_key));
    const int slot = static_cast<int>(set->agreements_.size());
    auto compiled = std::unique_ptr<CompiledAgreement>(
        new CompiledAgreement(std::move(input), slot, std::move(p)));
    const Agreement& a = compiled->agreement();
    for (const Flow& flow : a.flows) {
      ACCORD_ASSIGN_OR_RETURN(auto cf, CompileFlow(*compiled, flow));
      set->by_provider_dataset_[FlowKey(flow.provider, flow.dataset)].push_back(cf.get());
      for (const std::string& r : flow.recipients) set->parties_[r] = true;
      compiled->flows_.push_back(std::move(cf));
    }
    for (const Party& party : a.parties) set->parties_.try_emplace(party.id, false);
    set->agreements_.push_back(std::move(compiled));
  }
  return std::shared_ptr<const PolicySet>(std::move(set));
}

std::shared_ptr<const PolicySet> PolicySet::Empty() {
  static const auto* const kEmpty = new std::shared_ptr<const PolicySet>(new PolicySet());
  return *kEmpty;
}

absl::Span<const CompiledFlow* const> PolicySet::FlowsFor(std::string_view provider,
                                                          std::string_view dataset) const {
  // Build the key in a stack buffer: no allocation for ordinary ids.
  char buf[256];
  const size_t n = provider.size() + 1 + dataset.size();
  if (n > sizeof(buf)) return {};
  std::memcpy(buf, provider.data(), provider.size());
  buf[provider.size()] = '\x1f';
  std::memcpy(buf + provider.size() + 1, dataset.data(), dataset.size());
  auto it = by_provider_dataset_.find(absl::string_view(buf, n));
  if (it == by_provider_dataset_.end()) return {};
  return absl::MakeConstSpan(it->second);
}

bool PolicySet::IsParty(std::string_view party) const {
  return parties_.contains(absl::string_view(party.data(), party.size()));
}

bool PolicySet::IsRecipient(std::string_view party) const {
  auto it = parties_.find(absl::string_view(party.data(), party.size()));
  return it != parties_.end() && it->second;
}

}  // namespace accord::policy
