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
// All functions are pure and thread-safe. Errors are InvalidArgument with
// text an information officer can act on; they never contain record values.
#pragma once

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

// Mode rules: encrypt only on personal flows; no `keep` of a
// direct_identifier on a depersonalised flow.
absl::Status CheckTreatmentMode(const Treatment& t, const FieldSpec& field, FlowMode mode);

// All of the above for `field` on a flow of `mode`.
absl::Status CheckTreatmentForField(const Treatment& t, const FieldSpec& field, FlowMode mode);

}  // namespace accord::policy
