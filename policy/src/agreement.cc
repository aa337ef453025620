#include "accord/policy/agreement.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace accord::policy {
namespace {

template <typename T>
const T* FindBy(const std::vector<T>& items, std::string_view key, std::string T::*member) {
  auto it = std::find_if(items.begin(), items.end(),
                         [&](const T& item) { return item.*member == key; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const FieldSpec* DatasetSpec::FindField(std::string_view field) const {
  return FindBy(fields, field, &FieldSpec::name);
}
const FieldTreatment* Flow::FindField(std::string_view field) const {
  return FindBy(fields, field, &FieldTreatment::field);
}
const Party* Agreement::FindParty(std::string_view party) const {
  return FindBy(parties, party, &Party::id);
}
const DatasetSpec* Agreement::FindDataset(std::string_view dataset) const {
  return FindBy(datasets, dataset, &DatasetSpec::name);
}
const Flow* Agreement::FindFlow(std::string_view flow) const {
  return FindBy(flows, flow, &Flow::id);
}

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString: return "string";
    case FieldType::kName: return "name";
    case FieldType::kInteger: return "integer";
    case FieldType::kDecimal: return "decimal";
    case FieldType::kBoolean: return "boolean";
    case FieldType::kDate: return "date";
    case FieldType::kDateTime: return "datetime";
    case FieldType::kPostcode: return "postcode";
    case FieldType::kNhsNumber: return "nhs_number";
    case FieldType::kPhone: return "phone";
    case FieldType::kEmail: return "email";
    case FieldType::kGeoPoint: return "geo_point";
    case FieldType::kCategory: return "category";
    case FieldType::kFreeText: return "free_text";
  }
  return "?";
}

std::string_view ClassificationName(Classification c) {
  switch (c) {
    case Classification::kDirectIdentifier: return "direct_identifier";
    case Classification::kQuasiIdentifier: return "quasi_identifier";
    case Classification::kSensitive: return "sensitive";
    case Classification::kNonPersonal: return "non_personal";
  }
  return "?";
}

std::string_view PartyRoleName(PartyRole role) {
  switch (role) {
    case PartyRole::kProvider: return "provider";
    case PartyRole::kRecipient: return "recipient";
    case PartyRole::kBoth: return "both";
  }
  return "?";
}

std::string_view TreatmentKindName(TreatmentKind kind) {
  switch (kind) {
    case TreatmentKind::kKeep: return "keep";
    case TreatmentKind::kDrop: return "drop";
    case TreatmentKind::kPseudonymise: return "pseudonymise";
    case TreatmentKind::kGeneralise: return "generalise";
    case TreatmentKind::kRedact: return "redact";
    case TreatmentKind::kEncrypt: return "encrypt";
  }
  return "?";
}

std::string_view GeneralisationName(Generalisation g) {
  switch (g) {
    case Generalisation::kNone: return "none";
    case Generalisation::kPostcodeSector: return "sector";
    case Generalisation::kPostcodeDistrict: return "district";
    case Generalisation::kAgeBand: return "age_band";
    case Generalisation::kHour: return "hour";
    case Generalisation::kDay: return "day";
    case Generalisation::kIsoWeek: return "week";
    case Generalisation::kMonth: return "month";
    case Generalisation::kGrid: return "grid";
    case Generalisation::kBucket: return "bucket";
  }
  return "?";
}

std::string_view FlowModeName(FlowMode mode) {
  return mode == FlowMode::kPersonal ? "personal" : "depersonalised";
}

std::string DescribeTreatment(const Treatment& t) {
  switch (t.kind) {
    case TreatmentKind::kKeep: return "keep as sent";
    case TreatmentKind::kDrop: return "drop";
    case TreatmentKind::kPseudonymise: return "pseudonymise (keyed, per agreement)";
    case TreatmentKind::kRedact: return "redact identifiers from text";
    case TreatmentKind::kEncrypt: return "encrypt for recipient";
    case TreatmentKind::kGeneralise: break;
  }
  switch (t.generalisation) {
    case Generalisation::kPostcodeSector: return "generalise to postcode sector";
    case Generalisation::kPostcodeDistrict: return "generalise to postcode district";
    case Generalisation::kAgeBand:
      return absl::StrCat("generalise to age band (", absl::StrJoin(t.age_bands, ","), ")");
    case Generalisation::kHour: return "generalise to hour";
    case Generalisation::kDay: return "generalise to day";
    case Generalisation::kIsoWeek: return "generalise to ISO week";
    case Generalisation::kMonth: return "generalise to month";
    case Generalisation::kGrid: return absl::StrCat("generalise to ", t.grid_metres, " m grid cell");
    case Generalisation::kBucket: return absl::StrCat("generalise to bucket of ", t.bucket_width);
    case Generalisation::kNone: break;
  }
  return "generalise";
}

}  // namespace accord::policy
