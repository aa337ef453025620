// The `redact` treatment: removes personal identifiers from free text
// (police narratives, A&E triage notes), replacing each with a typed
// placeholder such as "[NAME]" or "[PHONE]".
//
// Two sources of identifiers are removed:
//  1. Known identifiers: the direct-identifier values of the same record
//     (KnownIdentifier), wherever they appear in the text and in whatever
//     format: a name as "SMITH, John", "john smith", "J. Smith", the forename
//     or surname alone, with or without accents/apostrophes/hyphens; a phone
//     number with or without spaces, hyphens, brackets or +44; an NHS number
//     in 3-3-4 form; a postcode in any case or spacing; a date of birth as
//     "14/03/1990", "14 March 1990", "March 14, 1990", ...; an e-mail in any
//     case; anything else verbatim (case-insensitive, whole words).
//  2. Identifiers found by pattern, with no knowledge of the record: UK phone
//     numbers, e-mail addresses, full UK postcodes, NHS numbers whose mod-11
//     check digit is valid, National Insurance numbers (HMRC's prefix rules;
//     after an "NI" / "NINO" / "National Insurance" cue any two letters, six
//     digits and a letter, spaced or not), UK vehicle registrations, dates
//     next to a date-of-birth cue ("DOB", "born", ...), and house-number +
//     street addresses ("12 High Street").
//  3. People's names with no hint from the record: a gazetteer of given names
//     and surnames common in England and Wales (policy/data/, generated from
//     Faker's person providers), context cues ("Victim", "NOK", "Mr", "aka",
//     "... states") and shape ("SMITH, Oliver", initials, particles). Place
//     names are kept: a chain followed by a street/station/premises word
//     ("George Street", "Watford Junction") or after "The"/"St" ("The Crown").
//     The rules and their measured recall and false removals are in
//     policy/README.md.
//
// Matching is on whole words only: the known name "Ann" never removes part of
// "Annual". Overlapping matches merge: the leftmost (then longest) match
// decides the placeholder and the placeholder covers the union, so no
// fragment of an identifier survives. Everything else is copied byte for byte.
//
// Error messages never contain any part of the text or of the identifiers.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace accord::policy {

enum class IdentifierKind {
  kName,
  kPhone,
  kEmail,
  kPostcode,
  kNhsNumber,
  kNiNumber,
  kVehicleReg,
  kDateOfBirth,
  kAddress,
  kOther,
};

// The placeholder written in place of an identifier of `kind`:
// "[NAME]" "[PHONE]" "[EMAIL]" "[POSTCODE]" "[NHS_NUMBER]" "[NI_NUMBER]"
// "[VEHICLE_REG]" "[DOB]" "[ADDRESS]" "[IDENTIFIER]" (kOther).
std::string_view PlaceholderFor(IdentifierKind kind);

// An identifier taken from the same record (a direct-identifier field), to be
// removed wherever it appears in the text. `value` is borrowed for the
// duration of the Redact() call only. Values are expected in the record's
// own format:
//  - kName: a full name in any order ("John Smith", "SMITH, John");
//  - kPhone: any national or +44 form; kNhsNumber: 10 digits in any grouping;
//  - kPostcode, kNiNumber, kVehicleReg: any case and spacing;
//  - kDateOfBirth: "YYYY-MM-DD" (also accepted: "DD/MM/YYYY");
//  - kEmail, kAddress, kOther: matched verbatim, case-insensitively.
// Empty values, and values that are not valid UTF-8, are ignored.
struct KnownIdentifier {
  IdentifierKind kind;
  std::string_view value;
};

// What one Redact() call did. Counts only, never the values.
struct RedactionStats {
  int replaced = 0;  // number of placeholders written
};

// Immutable after Create(). Redact() is const and thread-safe: the compiled
// RE2 objects are thread-safe and all scratch state is per call, per thread
// (buffers reused from call to call on one thread, trimmed after an unusually
// long text) or lives in the caller-owned output string. Create once per
// process (compiling the patterns costs milliseconds) and share the Redactor.
class Redactor {
 public:
  // Compiles the identifier patterns and loads the name gazetteer embedded at
  // build time (policy/data/name_gazetteer.tsv). Fails only if a built-in
  // pattern does not compile (kInternal) or the embedded gazetteer is
  // malformed (InvalidArgument, naming the line).
  static absl::StatusOr<std::unique_ptr<Redactor>> Create();
  // The same with another gazetteer ("folded-name<TAB>flags" lines, flags
  // from G given, S surname, W also a common word, F frequent surname).
  static absl::StatusOr<std::unique_ptr<Redactor>> Create(std::string_view name_gazetteer_tsv);

  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;
  ~Redactor();

  // Replaces every identifier in `text` with its typed placeholder and writes
  // the result to *out (cleared first; its capacity is reused, so passing the
  // same string for many records avoids allocation). `stats` may be null.
  //
  // `text` must be valid UTF-8: otherwise returns InvalidArgument (with no
  // part of the text in the message) and leaves *out empty. The output is
  // always valid UTF-8 and never contains a known identifier in any of the
  // formats listed above.
  absl::Status Redact(std::string_view text,
                      absl::Span<const KnownIdentifier> known,
                      std::string* out,
                      RedactionStats* stats = nullptr) const;

 private:
  struct Patterns;
  explicit Redactor(std::unique_ptr<const Patterns> patterns);

  std::unique_ptr<const Patterns> patterns_;
};

}  // namespace accord::policy
