#include "accord/policy/treatment_rules.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace accord::policy {
namespace {

// Debian's Abseil has its own string_view type.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }


bool Pseudonymisable(FieldType type) {
  switch (type) {
    case FieldType::kString:
    case FieldType::kName:
    case FieldType::kInteger:
    case FieldType::kDate:
    case FieldType::kDateTime:
    case FieldType::kPostcode:
    case FieldType::kNhsNumber:
    case FieldType::kPhone:
    case FieldType::kEmail:
    case FieldType::kCategory:
      return true;
    default:
      return false;
  }
}

bool GeneralisationFits(Generalisation g, FieldType type) {
  switch (g) {
    case Generalisation::kPostcodeSector:
    case Generalisation::kPostcodeDistrict:
      return type == FieldType::kPostcode;
    case Generalisation::kAgeBand:
      return type == FieldType::kDate;
    case Generalisation::kHour:
      return type == FieldType::kDateTime;
    case Generalisation::kDay:
    case Generalisation::kIsoWeek:
    case Generalisation::kMonth:
      return type == FieldType::kDate || type == FieldType::kDateTime;
    case Generalisation::kGrid:
      return type == FieldType::kGeoPoint;
    case Generalisation::kBucket:
      return type == FieldType::kInteger || type == FieldType::kDecimal;
    case Generalisation::kNone:
      return false;
  }
  return false;
}

// Officer-facing name of a treatment as written in the document.
std::string WrittenName(const Treatment& t) {
  if (t.kind != TreatmentKind::kGeneralise) return std::string(TreatmentKindName(t.kind));
  return absl::StrCat("generalise: ", Sv(GeneralisationName(t.generalisation)));
}

std::vector<std::string> FittingTreatments(FieldType type) {
  std::vector<std::string> out = {"keep", "drop"};
  if (Pseudonymisable(type)) out.push_back("pseudonymise");
  for (Generalisation g :
       {Generalisation::kPostcodeSector, Generalisation::kPostcodeDistrict,
        Generalisation::kAgeBand, Generalisation::kHour, Generalisation::kDay,
        Generalisation::kIsoWeek, Generalisation::kMonth, Generalisation::kGrid,
        Generalisation::kBucket}) {
    if (GeneralisationFits(g, type)) out.push_back(absl::StrCat("generalise: ", Sv(GeneralisationName(g))));
  }
  if (type == FieldType::kFreeText || type == FieldType::kString) out.push_back("redact");
  out.push_back("encrypt (personal flows)");
  return out;
}

}  // namespace

bool TreatmentFitsType(const Treatment& t, FieldType type) {
  switch (t.kind) {
    case TreatmentKind::kKeep:
    case TreatmentKind::kDrop:
    case TreatmentKind::kEncrypt:
      return true;
    case TreatmentKind::kPseudonymise:
      return Pseudonymisable(type);
    case TreatmentKind::kGeneralise:
      return GeneralisationFits(t.generalisation, type);
    case TreatmentKind::kRedact:
      return type == FieldType::kFreeText || type == FieldType::kString;
  }
  return false;
}

absl::Status CheckTreatmentType(const Treatment& t, FieldType type) {
  if (TreatmentFitsType(t, type)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "treatment '", WrittenName(t), "' cannot be applied to a field of type ",
      Sv(FieldTypeName(type)), "; treatments that fit ", Sv(FieldTypeName(type)), " are: ",
      absl::StrJoin(FittingTreatments(type), ", ")));
}

absl::Status CheckTreatmentParameters(const Treatment& t) {
  if (t.kind != TreatmentKind::kGeneralise) return absl::OkStatus();
  switch (t.generalisation) {
    case Generalisation::kNone:
      return absl::InvalidArgumentError("generalise needs a target, e.g. {generalise: sector}");
    case Generalisation::kAgeBand: {
      if (t.age_bands.empty()) {
        return absl::InvalidArgumentError(
            "age_band needs 'bands': ascending lower bounds in years, e.g. [0, 18, 25, 35, 50, 65]");
      }
      for (size_t i = 0; i < t.age_bands.size(); ++i) {
        if (t.age_bands[i] < 0 || t.age_bands[i] > 150) {
          return absl::InvalidArgumentError("age bands must be ages between 0 and 150 years");
        }
        if (i > 0 && t.age_bands[i] <= t.age_bands[i - 1]) {
          return absl::InvalidArgumentError(absl::StrCat(
              "age bands must be strictly ascending, but ", t.age_bands[i], " follows ",
              t.age_bands[i - 1]));
        }
      }
      return absl::OkStatus();
    }
    case Generalisation::kGrid:
      if (t.grid_metres <= 0 || 100000 % t.grid_metres != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "grid metres must be a positive number that divides 100000 (e.g. 100, 250, 500, "
            "1000), not ", t.grid_metres));
      }
      return absl::OkStatus();
    case Generalisation::kBucket:
      if (t.bucket_width <= 0) {
        return absl::InvalidArgumentError("bucket width must be a positive whole number");
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

namespace {

// One generalisation that fits `type`, written as in the document.
std::string GeneralisationExample(FieldType type) {
  switch (type) {
    case FieldType::kPostcode: return "{generalise: sector}";
    case FieldType::kDate: return "{generalise: age_band, bands: [0, 18, 25, 35, 50, 65]}";
    case FieldType::kDateTime: return "{generalise: hour}";
    case FieldType::kGeoPoint: return "{generalise: grid, metres: 500}";
    case FieldType::kInteger:
    case FieldType::kDecimal: return "{generalise: bucket, width: 10}";
    default: return "";
  }
}

// "encrypt, pseudonymise, {generalise: sector} or drop": the treatments that
// protect a direct identifier of `type` on a flow of `mode`.
std::string IdentifierTreatments(FieldType type, FlowMode mode) {
  std::vector<std::string> options;
  if (mode == FlowMode::kPersonal) options.push_back("encrypt");
  if (Pseudonymisable(type)) options.push_back("pseudonymise");
  if (std::string g = GeneralisationExample(type); !g.empty()) options.push_back(std::move(g));
  std::string out = absl::StrJoin(options, ", ");
  return options.empty() ? "drop" : absl::StrCat(out, " or drop");
}

}  // namespace

std::optional<ModeViolation> CheckModeRules(const Treatment& t, const FieldSpec& field,
                                            FlowMode mode) {
  const bool personal = mode == FlowMode::kPersonal;
  if (t.kind == TreatmentKind::kEncrypt && !personal) {
    return ModeViolation{
        "encrypt-depersonalised",
        "encrypt is only allowed on personal flows (mode: personal); a depersonalised flow "
        "must not carry recoverable personal data"};
  }
  if (field.classification == Classification::kDirectIdentifier &&
      (t.kind == TreatmentKind::kKeep || t.kind == TreatmentKind::kRedact)) {
    const std::string use = IdentifierTreatments(field.type, mode);
    std::string why =
        t.kind == TreatmentKind::kKeep
            ? absl::StrCat("'", field.name, "' is a direct_identifier and cannot be kept as sent",
                           personal ? ", not even on a personal flow" : "")
            : absl::StrCat("'", field.name,
                           "' is a direct_identifier; redact only removes identifiers it "
                           "recognises inside text, so it does not protect the field");
    std::string hint =
        personal ? "; encrypt seals it so that only the recipient's X25519 key opens it"
                 : "; if the recipient needs the value itself, use a personal flow "
                   "(mode: personal) and encrypt it to the recipient";
    return ModeViolation{"keep-identifier", absl::StrCat(why, "; use ", use, hint)};
  }
  if (personal && field.classification == Classification::kSensitive &&
      field.type == FieldType::kFreeText && t.kind == TreatmentKind::kKeep) {
    return ModeViolation{
        "sensitive-text-in-clear",
        absl::StrCat("'", field.name,
                     "' is sensitive free text, and free text names people; on a personal flow "
                     "it must be redacted or encrypted to the recipient: use redact, encrypt or "
                     "drop")};
  }
  return std::nullopt;
}

absl::Status CheckTreatmentMode(const Treatment& t, const FieldSpec& field, FlowMode mode) {
  std::optional<ModeViolation> v = CheckModeRules(t, field, mode);
  if (!v) return absl::OkStatus();
  return absl::InvalidArgumentError(std::move(v->message));
}

absl::Status CheckTreatmentForField(const Treatment& t, const FieldSpec& field, FlowMode mode) {
  if (absl::Status s = CheckTreatmentType(t, field.type); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("field '", field.name, "': ", s.message()));
  }
  if (absl::Status s = CheckTreatmentParameters(t); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("field '", field.name, "': ", s.message()));
  }
  return CheckTreatmentMode(t, field, mode);
}

}  // namespace accord::policy
