#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "accord/policy/diagnostics.h"
#include "lint.h"

namespace accord::policy {

std::string FormatDiagnostic(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) {
    absl::StrAppend(&out, ":", d.line);
    if (d.column > 0) absl::StrAppend(&out, ":", d.column);
  }
  absl::StrAppend(&out, ": ", d.severity == Diagnostic::Severity::kError ? "error" : "warning",
                  ": ", d.message, " [", d.code, "]");
  return out;
}

bool HasErrors(absl::Span<const Diagnostic> diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

namespace internal {

void DiagnosticSink::Error(SourceLocation at, std::string_view code, std::string message) {
  ++errors_;
  diagnostics_.push_back({Diagnostic::Severity::kError, file_, at.line, at.column,
                          std::string(code), std::move(message)});
}

void DiagnosticSink::Warning(SourceLocation at, std::string_view code, std::string message) {
  diagnostics_.push_back({Diagnostic::Severity::kWarning, file_, at.line, at.column,
                          std::string(code), std::move(message)});
}

std::vector<Diagnostic> DiagnosticSink::Take() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  return std::move(diagnostics_);
}

SourceLocation SourceMap::Get(std::string_view path) const {
  while (!path.empty()) {
    auto it = map_.find(Sv(path));
    if (it != map_.end()) return it->second;
    size_t cut = path.find_last_of(".[");
    if (cut == std::string_view::npos) break;
    path = path.substr(0, cut);
  }
  return {};
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string DidYouMean(std::string_view wrong, absl::Span<const std::string_view> candidates) {
  if (wrong.size() > 128) return "";
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (std::string_view c : candidates) {
    if (c.size() > 128) continue;
    size_t d = EditDistance(wrong, c);
    // A shared prefix of 4+ characters also counts as close ("nhs_no" ~ "nhs_number").
    size_t common = 0;
    while (common < wrong.size() && common < c.size() && wrong[common] == c[common]) ++common;
    size_t limit = std::max<size_t>(2, std::max(wrong.size(), c.size()) / 3);
    bool close = d <= limit || (common >= 4 && common * 2 >= std::min(wrong.size(), c.size()));
    if (close && d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  if (best_distance == SIZE_MAX) return "";
  return absl::StrCat(" (did you mean '", Sv(best), "'?)");
}

std::string DidYouMean(std::string_view wrong, const std::vector<std::string>& candidates) {
  std::vector<std::string_view> views(candidates.begin(), candidates.end());
  return DidYouMean(wrong, absl::MakeConstSpan(views));
}

bool IsValidId(std::string_view id) {
  if (id.size() < 2 || id.size() > 64) return false;
  auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_digit(id[0])) return false;
  for (char c : id.substr(1)) {
    if (!lower_digit(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool IsSha256Text(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (text.size() != kPrefix.size() + 64 || text.substr(0, kPrefix.size()) != kPrefix) return false;
  for (char c : text.substr(kPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace internal
}  // namespace accord::policy
