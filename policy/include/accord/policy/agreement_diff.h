// What changes between two versions of an agreement, from each recipient's
// point of view: the review an officer does before signing a new version.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "accord/policy/agreement.h"

namespace accord::policy {

struct FieldChange {
  enum class Kind { kGained, kLost, kChanged };
  Kind kind = Kind::kChanged;
  std::string recipient;
  std::string provider;
  std::string dataset;
  std::string field;
  // Treatment descriptions (DescribeTreatment); empty when the field did not
  // leave in that version.
  std::string before;
  std::string after;
  // True if the recipient learns more after the change (a field gained, or a
  // treatment that reveals more: e.g. pseudonymise -> keep, district -> sector).
  bool more_revealing = false;
};

struct AgreementDiff {
  // Changes outside flows: purpose, legal basis, dates, retention, threshold,
  // parties and their keys, dataset schemas. One sentence each.
  std::vector<std::string> general;
  // Per (recipient, provider, dataset, field), sorted in that order.
  std::vector<FieldChange> fields;

  bool empty() const { return general.empty() && fields.empty(); }
};

AgreementDiff DiffAgreements(const Agreement& before, const Agreement& after);

std::string_view FieldChangeKindName(FieldChange::Kind kind);

}  // namespace accord::policy
