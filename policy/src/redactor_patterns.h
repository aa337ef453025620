// Private to the redactor: the identifier patterns (RE2 sources) and the small
// pure helpers the redactor needs (UTF-8 check, mod-11, date parsing, name
// folding). Nothing here allocates on the hot path except where noted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace accord::policy::redact_internal {

// The built-in patterns, in the order they appear as alternatives of the
// combined scanner. kBareDate is only part of the scanner used when a known
// date of birth is given: a date without a cue is personal only if it equals
// the record's own date of birth.
enum Pattern : int {
  kEmailPattern = 0,
  kPhonePattern,
  kNhsPattern,         // shape only: the checksum is checked afterwards
  kPostcodePattern,
  kNiPattern,
  kRegPattern,         // current format "AB12 CDE"
  kRegPrefixPattern,   // prefix format "A123 BCD" (upper case only)
  kDobCuePattern,      // "DOB 14/03/1990": group 1 is the date
  kAddressPattern,     // "12 High Street"
  kBareDatePattern,    // any date, for comparison with a known date of birth
  kPatternCount,
};

// RE2 source of one pattern. With `capture_date`, kDobCuePattern has one
// capturing group around the date; otherwise every group is non-capturing.
std::string PatternSource(Pattern pattern, bool capture_date);

// The combined scanner: each pattern (up to `count`) as one capturing
// alternative, "(p0)|(p1)|...", to be compiled with longest_match.
std::string CombinedSource(int count);

// True if a match of `pattern` can begin with byte `c` (cheap pre-check
// before an anchored match).
bool CanStartWith(Pattern pattern, unsigned char c);

// True if `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view text);

// NHS number check: exactly 10 digits (separators ignored) with a valid
// mod-11 check digit.
bool NhsChecksumValid(std::string_view text);

struct Date {
  int year = 0;   // four digits, or 0..99 when written with two
  int month = 0;  // 1..12
  int day = 0;    // 1..31
  bool two_digit_year = false;
};

// Parses one whole date in any of the supported forms: "14/03/1990",
// "14.03.1990", "14-03-90", "1990-03-14", "14 March 1990", "14th Mar 1990",
// "March 14, 1990". Returns nullopt if `text` is not exactly one such date.
// Numeric forms are read day-first; when that is impossible (month > 12) the
// month-first reading is returned.
std::optional<Date> ParseDate(std::string_view text);

// True if `written` (from the text) may denote the full date `known`: equal
// day, month and year, or a two-digit year equal to the known year mod 100,
// or (numeric forms) the day and month swapped.
bool SameDate(const Date& written, const Date& known);

// --- Name folding -----------------------------------------------------------

// How a code point takes part in a name token.
enum class NameChar : uint8_t {
  kSeparator,  // ends a token: space, punctuation, symbols
  kJoiner,     // apostrophes and hyphens between letters: "O'Brien", "Smith-Jones"
  kMark,       // combining diacritic: part of the token, dropped when folding
  kLetter,     // letters and digits
};

// Decodes the code point at text[pos] (text must be valid UTF-8), returning its
// class, its length in bytes in *len, and appending its folded form (lower
// case, accents removed: "Ë" -> "e", "Ł" -> "l", "ß" -> "ss") to *folded
// when it is a letter and `folded` is not null. Letters of other scripts are
// appended unchanged.
NameChar ClassifyAndFold(std::string_view text, size_t pos, size_t* len,
                         std::string* folded);

// Name particles ("ap", "ni", "van", "de", ...) and single letters: removed only
// next to another part of a known name, never alone. `token` is folded.
bool IsNameParticle(std::string_view token);

}  // namespace accord::policy::redact_internal
