// Which treatments fit which field types, and the checks on a treatment's
// parameters. Used by the linter and by any code that builds flows.
//
//   keep, drop                any type
//   pseudonymise              string name integer date datetime postcode nhs_number
//                             phone email category
//   generalise sector|district   postcode
//   generalise age_band       date (a date of birth)
//   generalise hour           datetime
//   generalise day|week|month date datetime
//   generalise grid           geo_point
//   generalise bucket         integer decimal
//   redact                    free_text string
//   encrypt                   any type, personal flows only
//
// Classification rules (CheckModeRules), on top of the type table:
//   - `encrypt` only on personal flows (mode: personal);
//   - a direct_identifier, on ANY flow, may only be dropped, pseudonymised,
//     generalised or (personal flows) encrypted to the named recipient: never
//     kept as sent, and never `redact`ed (redaction only removes identifiers
//     it recognises inside text, so it does not protect a whole identifier);
//   - on a personal flow, `sensitive` free text is redacted, encrypted or dropped.
// The linter reports these with file:line; PolicySet::Build refuses an
// agreement that breaks them, so such an agreement never activates.
//
// All functions are pure and thread-safe. Errors are InvalidArgument with
// text an information officer can act on; they never contain record values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "accord/policy/agreement.h"

namespace accord::policy {

// True when the treatment (kind and generalisation) is defined for `type`.
bool TreatmentFitsType(const Treatment& t, FieldType type);

// InvalidArgument unless TreatmentFitsType(t, type). The message names the
// treatment, the type and the treatments that would fit.
absl::Status CheckTreatmentType(const Treatment& t, FieldType type);

// Parameters of a generalise treatment: age bands non-empty, non-negative and
// strictly ascending; grid metres positive and dividing 100000; bucket width
// positive. OK for other treatments.
absl::Status CheckTreatmentParameters(const Treatment& t);

// A broken classification rule: a stable lint code ("encrypt-depersonalised",
// "keep-identifier", "sensitive-text-in-clear") and a message that names the
// field and says which treatments to use instead.
struct ModeViolation {
  std::string_view code;
  std::string message;
};

// The classification rules above for `field` on a flow of `mode`; nullopt
// when `t` obeys them. Does not check that `t` fits the field's type.
std::optional<ModeViolation> CheckModeRules(const Treatment& t, const FieldSpec& field,
                                            FlowMode mode);

// CheckModeRules as a Status: InvalidArgument with the violation's message.
absl::Status CheckTreatmentMode(const Treatment& t, const FieldSpec& field, FlowMode mode);

// All of the above for `field` on a flow of `mode`.
absl::Status CheckTreatmentForField(const Treatment& t, const FieldSpec& field, FlowMode mode);

}  // namespace accord::policy
