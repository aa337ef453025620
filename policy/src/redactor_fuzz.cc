// Fuzzes Redactor::Redact with arbitrary text and two known identifiers.
//
// Input layout: byte 0 picks the kinds of the two known identifiers (low and
// high nibble, mod 10); the rest is split at the first two 0x01 bytes into
// text, value 1 and value 2.
//
// Properties checked:
//  - invalid UTF-8 text is refused with InvalidArgument and an empty output;
//  - otherwise Redact succeeds and the output is valid UTF-8;
//  - a known value of >= 4 ASCII letters (of any kind) never survives as a
//    whole word (case-insensitive), where "whole word" means bounded by bytes
//    that are neither ASCII letters/digits nor non-ASCII (so the redactor's
//    wider notion of a word never makes this stricter than what it promises).
//    Values that are part of a placeholder word ("NAME", "PHONE", ...) are
//    skipped: placeholders already in the text are left alone.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "accord/policy/redactor.h"
#include "redactor_patterns.h"

namespace {

using accord::policy::IdentifierKind;
using accord::policy::KnownIdentifier;
using accord::policy::Redactor;

bool WordByte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

bool AllAsciiLetters(std::string_view v) {
  for (char c : v) {
    if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) return false;
  }
  return true;
}

std::string LowerCopy(std::string_view v) {
  std::string s(v);
  for (char& c : s) c = Lower(c);
  return s;
}

bool InPlaceholderWord(const std::string& lower_value) {
  static const char* const kWords[] = {"name", "phone", "email", "postcode", "nhs_number",
                                       "ni_number", "vehicle_reg", "dob", "address",
                                       "identifier"};
  for (const char* w : kWords) {
    if (std::string_view(w).find(lower_value) != std::string_view::npos) return true;
  }
  return false;
}

// True if `value` (lower case) occurs in `text` as a whole word, ignoring case.
bool HasWholeWord(std::string_view text, const std::string& value) {
  const std::string lower = LowerCopy(text);
  for (size_t pos = lower.find(value); pos != std::string::npos;
       pos = lower.find(value, pos + 1)) {
    const bool start_ok = pos == 0 || !WordByte(static_cast<unsigned char>(text[pos - 1]));
    const size_t end = pos + value.size();
    const bool end_ok = end == text.size() || !WordByte(static_cast<unsigned char>(text[end]));
    if (start_ok && end_ok) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Redactor* const redactor = [] {
    auto r = Redactor::Create();
    if (!r.ok()) std::abort();
    return r.value().release();
  }();
  if (size == 0) return 0;
  const auto kind1 = static_cast<IdentifierKind>((data[0] & 0x0F) % 10);
  const auto kind2 = static_cast<IdentifierKind>((data[0] >> 4) % 10);
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string_view parts[3];
  for (int i = 0; i < 2; ++i) {
    const size_t cut = rest.find('\x01');
    parts[i] = rest.substr(0, cut);
    rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
  }
  parts[2] = rest;
  const std::string_view text = parts[0];
  const std::vector<KnownIdentifier> known = {{kind1, parts[1]}, {kind2, parts[2]}};

  std::string out = "stale";
  accord::policy::RedactionStats stats;
  const absl::Status status = redactor->Redact(text, known, &out, &stats);
  if (!accord::policy::redact_internal::IsValidUtf8(text)) {
    if (status.code() != absl::StatusCode::kInvalidArgument || !out.empty()) std::abort();
    return 0;
  }
  if (!status.ok()) std::abort();
  if (!accord::policy::redact_internal::IsValidUtf8(out)) std::abort();
  if (stats.replaced < 0) std::abort();
  if (stats.replaced == 0 && out != text) std::abort();

  for (const KnownIdentifier& k : known) {
    if (k.value.size() < 4 || !AllAsciiLetters(k.value)) continue;
    const std::string value = LowerCopy(k.value);
    if (InPlaceholderWord(value)) continue;
    if (HasWholeWord(out, value)) std::abort();
  }
  return 0;
}
