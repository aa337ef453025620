// Canonical forms of the identifiers seen in police and health records, used
// before pseudonymising (so "943 476 5919" and "9434765919" link) and by
// redaction to match a record's own identifiers inside free text.
//
// All functions are pure, allocate only their result and are thread-safe.
// Errors are InvalidArgument whose message names the kind of value and the
// problem; it NEVER contains the value itself (it is personal data).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace accord::policy {

// NHS number: removes ASCII spaces and hyphens, then requires exactly 10
// ASCII digits whose mod-11 check digit is valid (a computed check of 10 makes
// the number invalid). Returns the 10 digits: "943 476 5919" -> "9434765919".
absl::StatusOr<std::string> NormaliseNhsNumber(std::string_view text);

// True when `digits10` is exactly 10 ASCII digits with a valid mod-11 check.
bool IsValidNhsNumber(std::string_view digits10);

// UK postcode: removes ASCII whitespace and upper-cases, then requires one of
// the shapes A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA (or the
// special GIR 0AA). Returns the compact form: "al1 3xy" -> "AL13XY".
absl::StatusOr<std::string> NormalisePostcode(std::string_view text);

// A postcode in its written form with one space before the inward code:
// "al13xy" -> "AL1 3XY". Accepts anything NormalisePostcode accepts.
absl::StatusOr<std::string> FormatPostcode(std::string_view text);

// A person's name, for linkage and matching. Requires valid UTF-8. Rules:
//  - ASCII letters are lower-cased; Latin-1 Supplement and Latin Extended-A
//    letters are folded to ASCII (Zoë -> zoe, Łukasz -> lukasz, Ní -> ni,
//    ß -> ss, æ -> ae, œ -> oe, þ -> th, ĳ -> ij); combining marks
//    (U+0300..U+036F) and modifier letters (U+02B0..U+02FF) are dropped;
//  - apostrophes (' ` ´ ‘ ’ ‛ ′ ʼ) and the soft hyphen are removed, so they
//    join the word: "O'Brien" -> "obrien" (note "O Brien" -> "o brien", a
//    different value: a space is a word break, an apostrophe is not);
//  - every other non-letter, non-digit (space, hyphen, dash, comma, full stop,
//    slash, brackets, NBSP, general punctuation) is a word break:
//    "Smith-Jones" -> "smith jones", "SMITH, John" -> "smith john";
//  - breaks collapse to one space, and the result is trimmed.
// Token order is kept ("SMITH, John" != "John Smith"; use NameTokens to match
// regardless of order). Other scripts (Greek, Cyrillic, ...) pass through
// unchanged. InvalidArgument for invalid UTF-8 or when nothing is left.
absl::StatusOr<std::string> NormaliseName(std::string_view utf8);

// The canonical form of a name for linkage (pseudonyms), version 2
// (kNameLinkageVersion): the multiset of NormaliseName's words, with each name
// particle joined to the word after it, sorted and joined by single spaces.
//   "SMITH, Oliver", "Oliver Smith", "oliver smith", "OLIVER SMITH" -> "oliver smith"
//   "O'Brien, Seán", "Sean O Brien" -> "obrien sean"
//   "VAN DER BERG, Jan", "Jan van der Berg" -> "jan vanderberg"
//   "Anna Smith-Jones", "SMITH JONES, Anna" -> "anna jones smith"
// Particles joined: ab ap da de del della den der du la le mc ni nic o ter
// ten van von (a particle that is the last word stays a word of its own;
// "Mac" and "Di" are not joined: both are also given names, "Mac Doudigan").
// What does NOT link (a different canonical form): an initial for a given
// name ("O. Smith" -> "o smith"), a middle name on one side only ("Oliver
// James Smith"), a double-barrelled surname written as one word
// ("SmithJones"), different spellings ("Olly", "Oliwer"). Equal NormaliseName
// values always give equal linkage forms, so values that linked with version
// 1 (order kept) still link; pseudonyms change for names whose words were not
// already in sorted order or held a separate particle.
absl::StatusOr<std::string> NormaliseNameForLinkage(std::string_view utf8);
inline constexpr int kNameLinkageVersion = 2;

// The words of NormaliseName(utf8), in order; empty for invalid UTF-8 or a
// name with no letters. "SMITH, John" -> {"smith", "john"}.
std::vector<std::string> NameTokens(std::string_view utf8);

// UK phone number in national form: removes spaces, hyphens, dots and
// brackets; "+44" or "0044" becomes "0" (a following "(0)" is dropped:
// "+44 (0)1727 123456" -> "01727123456"). The result must be 10 or 11 digits
// starting with a single 0. Other international numbers are InvalidArgument.
absl::StatusOr<std::string> NormalisePhone(std::string_view text);

// E-mail address: trims ASCII whitespace and lower-cases ASCII. Requires valid
// UTF-8, at most 254 bytes, exactly one '@' with a non-empty local part and
// domain, and no whitespace or control characters inside.
absl::StatusOr<std::string> NormaliseEmail(std::string_view text);

// Calendar date as "YYYY-MM-DD". Accepts "YYYY-MM-DD" and "DD/MM/YYYY"
// (surrounding ASCII whitespace allowed) and requires a real calendar date in
// years 0001..9999: "29/02/2023" is InvalidArgument.
absl::StatusOr<std::string> NormaliseDate(std::string_view text);

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace accord::policy
