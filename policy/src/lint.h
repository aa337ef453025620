// Private to the parser and linter: diagnostic collection, source locations
// of parsed items, and the semantic checks run after the structural parse.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "accord/policy/agreement.h"
#include "accord/policy/diagnostics.h"

namespace accord::policy::internal {

// Debian's Abseil (20220623) has its own string_view type, distinct from
// std::string_view: convert at absl call sites.
inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Collects diagnostics for one document.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}

  void Error(SourceLocation at, std::string_view code, std::string message);
  void Warning(SourceLocation at, std::string_view code, std::string message);
  bool has_errors() const { return errors_ > 0; }
  // Diagnostics sorted by line, then column (stable).
  std::vector<Diagnostic> Take();

 private:
  std::string file_;
  int errors_ = 0;
  std::vector<Diagnostic> diagnostics_;
};

// Where each parsed item was written, keyed by a path such as "valid_until",
// "parties[1].signing_key", "flows[0].to[2]". Get() falls back to the
// nearest enclosing path that is known.
class SourceMap {
 public:
  void Set(std::string path, SourceLocation at) { map_[std::move(path)] = at; }
  SourceLocation Get(std::string_view path) const;
  // Items that failed to parse (e.g. a field with an unknown type): the
  // linter skips checks that would only repeat the problem.
  void MarkBroken(std::string path) { broken_.insert(std::move(path)); }
  bool IsBroken(std::string_view path) const { return broken_.contains(Sv(path)); }

 private:
  absl::flat_hash_map<std::string, SourceLocation> map_;
  absl::flat_hash_set<std::string> broken_;
};

// " (did you mean 'x'?)" for the closest candidate within a small edit
// distance, else "".
std::string DidYouMean(std::string_view wrong, absl::Span<const std::string_view> candidates);
std::string DidYouMean(std::string_view wrong, const std::vector<std::string>& candidates);

// [a-z0-9][a-z0-9._-]{1,63}
bool IsValidId(std::string_view id);
// "sha256:" followed by 64 lower-case hex digits.
bool IsSha256Text(std::string_view text);

// Semantic checks on a structurally parsed agreement: dates, duplicate ids,
// cross references, flows and treatments, signatures entries.
void LintAgreement(const Agreement& a, const SourceMap& where, DiagnosticSink& sink);

}  // namespace accord::policy::internal
