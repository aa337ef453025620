// Lint diagnostics: one problem found in an agreement document, with where it
// is and a message an information officer can act on.
//
// Messages name the field and the problem, never a record value. A
// Diagnostic is a plain value type; thread safety is that of std::string.
#pragma once

#include <string>
#include <vector>

#include "absl/types/span.h"

namespace accord::policy {

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;     // the source name given to the parser
  int line = 0;         // 1-based; 0 when the problem has no single place
  int column = 0;       // 1-based; 0 when unknown
  std::string code;     // stable machine code, e.g. "unknown-field", "duplicate-id"
  std::string message;  // officer-readable, without the location or the code
};

// "file:line:col: error: message [code]" ("warning:" for warnings). Line and
// column are left out when 0.
std::string FormatDiagnostic(const Diagnostic& d);

// True when any diagnostic is an error (warnings alone do not count).
bool HasErrors(absl::Span<const Diagnostic> diagnostics);

}  // namespace accord::policy
