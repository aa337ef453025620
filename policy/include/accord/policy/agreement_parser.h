// Parsing and linting of agreement documents (YAML, see policy/AGREEMENT_FORMAT.md).
//
// ParseAgreement() reads the whole document and reports EVERY problem it can
// find (syntax, unknown keys, wrong types, bad ids and dates, cross references,
// treatments that do not fit a field's type, keys that are not Ed25519, ...),
// each with its line and column. It never throws and never aborts on any
// input: yaml-cpp exceptions are caught here. Anchors and aliases are
// rejected, nesting deeper than 64 levels is rejected, and documents larger
// than kMaxAgreementBytes are rejected without being parsed.
//
// Thread safety: the functions are reentrant; they share no state.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "accord/policy/agreement.h"
#include "accord/policy/diagnostics.h"

namespace accord::policy {

// Documents larger than this (1 MiB) are rejected with code "oversize".
inline constexpr size_t kMaxAgreementBytes = 1 << 20;

struct ParseResult {
  // Set if and only if there is no error-severity diagnostic. Its
  // source_name is the name given to ParseAgreement; signatures are parsed
  // (structurally checked) but not verified: see signing.h.
  std::optional<Agreement> agreement;
  // Errors and warnings, ordered by line then column.
  std::vector<Diagnostic> diagnostics;

  bool ok() const { return agreement.has_value(); }
};

// `source_name` is used in diagnostics only (usually the file name).
ParseResult ParseAgreement(std::string_view yaml_text, std::string_view source_name);

// Convenience for callers that only want the model: the agreement, or
// InvalidArgument whose message is every error formatted by FormatDiagnostic,
// one per line.
absl::StatusOr<Agreement> ParseAgreementOrError(std::string_view yaml_text,
                                                std::string_view source_name);

}  // namespace accord::policy
