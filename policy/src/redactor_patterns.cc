#include "redactor_patterns.h"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace accord::policy::redact_internal {
namespace {

// Month names and their abbreviations ("Sept" too), case-insensitive context.
constexpr std::string_view kMonth =
    "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
    "aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

std::string DateSource() {
  const std::string month = std::string(kMonth);
  return absl::StrCat(
      "(?:\\d{1,2}[/.\\-]\\d{1,2}[/.\\-](?:\\d{4}|\\d{2})",  // 14/03/1990
      "|\\d{4}-\\d{1,2}-\\d{1,2}",                            // 1990-03-14
      "|\\d{1,2}(?:st|nd|rd|th)?\\s+", month, "\\.?,?\\s+\\d{4}",  // 14 March 1990
      "|", month, "\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4})");  // March 14, 1990
}

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// ASCII case-insensitive equality (Debian's Abseil has no std::string_view overloads).
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(a[i])) !=
        absl::ascii_tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string PatternSource(Pattern pattern) {
  switch (pattern) {
    case kEmailPattern:
      return "[A-Za-z0-9._%+\\-]+@[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)+";
    case kPhonePattern:
      // 07xxx / 01 / 02 / 03 numbers, 10 or 11 digits with the trunk 0,
      // optional +44 (and "(0)"), brackets around the area code, single
      // spaces or hyphens between digits.
      return "(?:\\+44[ \\-]?(?:\\(0\\)[ \\-]?)?|\\(0|\\b0)[1237]"
             "(?:\\)?[ \\-]?\\d){8,9}\\b";
    case kNhsPattern:
      return "\\b\\d{3}[ \\-]?\\d{3}[ \\-]?\\d{4}\\b";
    case kPostcodePattern:
      // Outward code A9, A99, AA9, AA99, A9A, AA9A; inward code 9AA whose
      // letters never include C I K M O V.
      return "(?i:\\b[A-Z]{1,2}\\d[A-Z\\d]? {0,2}\\d[ABD-HJLNP-UW-Z]{2}\\b)";
    case kNiPattern:
      // HMRC prefix rules, loosely: first letter not D F I Q U V, second not
      // D F I O Q U V; QQ (the documented example) accepted.
      return "(?i:\\b(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ) ?\\d{2} ?\\d{2} ?"
             "\\d{2} ?[A-D]\\b)";
    case kRegPattern:
      return "(?i:\\b[A-Z]{2}\\d{2} ?[A-Z]{3}\\b)";
    case kRegPrefixPattern:
      return "\\b[A-HJ-NPR-Y]\\d{1,3} ?[A-HJ-NPR-Y]{3}\\b";
    case kDobCuePattern:
      return absl::StrCat(
          "(?i:(?:\\bd\\.?o\\.?b\\b\\.?|\\bborn\\b(?:\\s+on\\b)?|"
          "\\bdate\\s+of\\s+birth\\b)[\\s:,\\-]*\\(?",
          DateSource(), "\\b)");
    case kAddressPattern:
      return "\\b\\d{1,4}[A-Za-z]?,? +(?:[A-Z][A-Za-z'\\-]* +){1,3}"
             "(?i:street|st|road|rd|lane|ln|avenue|ave|close|drive|dr|way|"
             "crescent|cres|place|pl|court|ct|gardens|gdns|terrace|grove|park|"
             "square|sq|walk|row|mews|parade|green|hill|rise|view)\\b";
    case kBareDatePattern:
      return absl::StrCat("(?i:\\b", DateSource(), "\\b)");
    case kNiShapePattern:
      return "(?i:\\b[A-Z]{2} ?\\d{2} ?\\d{2} ?\\d{2} ?[A-Z]\\b)";
    case kPatternCount:
      break;
  }
  return "";
}

namespace {

unsigned char At(std::string_view text, size_t i) {
  return i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
}
// Reads exactly `count` digits at *i.
bool Digits(std::string_view text, size_t* i, int count) {
  for (int k = 0; k < count; ++k) {
    if (!IsDigit(At(text, *i))) return false;
    ++*i;
  }
  return true;
}
bool Letters(std::string_view text, size_t* i, int count) {
  for (int k = 0; k < count; ++k) {
    if (!IsAlpha(At(text, *i))) return false;
    ++*i;
  }
  return true;
}
void OptionalChar(std::string_view text, size_t* i, unsigned char c) {
  if (At(text, *i) == c) ++*i;
}
size_t EndAtBoundary(std::string_view text, size_t i) {
  return IsWordByte(At(text, i)) ? 0 : i;
}
// Letters of the inward code: not C I K M O V.
bool InwardLetter(unsigned char c) {
  c = static_cast<unsigned char>(c | 0x20);
  return c >= 'a' && c <= 'z' && c != 'c' && c != 'i' && c != 'k' && c != 'm' && c != 'o' &&
         c != 'v';
}
bool RegPrefixLetter(unsigned char c) {
  return c >= 'A' && c <= 'Y' && c != 'I' && c != 'O' && c != 'Q';
}

}  // namespace

size_t MatchPhoneAt(std::string_view text, size_t pos) {
  size_t i = pos;
  const unsigned char c = At(text, i);
  if (c == '+') {
    if (At(text, i + 1) != '4' || At(text, i + 2) != '4') return 0;
    i += 3;
    if (At(text, i) == ' ' || At(text, i) == '-') ++i;
    if (At(text, i) == '(' && At(text, i + 1) == '0' && At(text, i + 2) == ')') {
      i += 3;
      if (At(text, i) == ' ' || At(text, i) == '-') ++i;
    }
  } else if (c == '(') {
    if (At(text, i + 1) != '0') return 0;
    i += 2;
  } else if (c == '0') {
    ++i;
  } else {
    return 0;
  }
  const unsigned char area = At(text, i);
  if (area != '1' && area != '2' && area != '3' && area != '7') return 0;
  ++i;
  size_t best = 0;
  for (int d = 1; d <= 9; ++d) {
    size_t j = i;
    if (At(text, j) == ')') ++j;
    if (At(text, j) == ' ' || At(text, j) == '-') ++j;
    if (!IsDigit(At(text, j))) break;
    i = j + 1;
    if (d >= 8 && !IsWordByte(At(text, i))) best = i;
  }
  return best;
}

size_t MatchNhsShapeAt(std::string_view text, size_t pos) {
  size_t i = pos;
  if (!Digits(text, &i, 3)) return 0;
  if (At(text, i) == ' ' || At(text, i) == '-') ++i;
  if (!Digits(text, &i, 3)) return 0;
  if (At(text, i) == ' ' || At(text, i) == '-') ++i;
  if (!Digits(text, &i, 4)) return 0;
  return EndAtBoundary(text, i);
}

size_t MatchPostcodeAt(std::string_view text, size_t pos) {
  size_t i = pos;
  int letters = 0;
  while (letters < 2 && IsAlpha(At(text, i))) {
    ++letters;
    ++i;
  }
  if (letters == 0 || !IsDigit(At(text, i))) return 0;
  ++i;
  // Inward code " 9AA" from `k`.
  auto inward = [&](size_t k) -> size_t {
    for (int s = 0; s < 2 && At(text, k) == ' '; ++s) ++k;
    if (!IsDigit(At(text, k)) || !InwardLetter(At(text, k + 1)) ||
        !InwardLetter(At(text, k + 2))) {
      return 0;
    }
    return EndAtBoundary(text, k + 3);
  };
  const unsigned char extra = At(text, i);
  if (IsDigit(extra) || IsAlpha(extra)) {
    if (size_t end = inward(i + 1)) return end;
  }
  return inward(i);
}

size_t MatchNiAt(std::string_view text, size_t pos) {
  const auto a = static_cast<unsigned char>(At(text, pos) | 0x20);
  const auto b = static_cast<unsigned char>(At(text, pos + 1) | 0x20);
  if (!IsAlpha(At(text, pos)) || !IsAlpha(At(text, pos + 1))) return 0;
  const bool first_ok = !IsOneOf(static_cast<char>(a), "dfiquv");
  const bool second_ok = !IsOneOf(static_cast<char>(b), "dfioquv");
  if (!(first_ok && second_ok) && !(a == 'q' && b == 'q')) return 0;
  size_t i = pos + 2;
  for (int pair = 0; pair < 3; ++pair) {
    OptionalChar(text, &i, ' ');
    if (!Digits(text, &i, 2)) return 0;
  }
  OptionalChar(text, &i, ' ');
  const auto suffix = static_cast<unsigned char>(At(text, i) | 0x20);
  if (suffix < 'a' || suffix > 'd') return 0;
  return EndAtBoundary(text, i + 1);
}

size_t MatchNiShapeAt(std::string_view text, size_t pos) {
  size_t i = pos;
  if (!Letters(text, &i, 2)) return 0;
  for (int pair = 0; pair < 3; ++pair) {
    OptionalChar(text, &i, ' ');
    if (!Digits(text, &i, 2)) return 0;
  }
  OptionalChar(text, &i, ' ');
  if (!IsAlpha(At(text, i))) return 0;
  return EndAtBoundary(text, i + 1);
}

bool NiCueBefore(std::string_view text, size_t pos) {
  size_t i = pos;
  for (int word = 0; word < 3; ++word) {
    // Separators between the cue and the number: spaces and ":#.-()".
    int seps = 0;
    while (i > 0 && IsOneOf(text[i - 1], " :#.-()\t")) {
      --i;
      if (++seps > 4) return false;
    }
    size_t end = i;
    while (i > 0 && IsAlpha(static_cast<unsigned char>(text[i - 1])) && end - i < 10) --i;
    if (i == end || (i > 0 && IsWordByte(static_cast<unsigned char>(text[i - 1])))) return false;
    std::string_view w = text.substr(i, end - i);
    if (EqualsIgnoreCase(w, "ni") || EqualsIgnoreCase(w, "nino") ||
        EqualsIgnoreCase(w, "insurance")) {
      return true;
    }
    // Words allowed between the cue and the number.
    if (!EqualsIgnoreCase(w, "no") && !EqualsIgnoreCase(w, "number") &&
        !EqualsIgnoreCase(w, "num") && !EqualsIgnoreCase(w, "nbr") &&
        !EqualsIgnoreCase(w, "is") && !EqualsIgnoreCase(w, "was") &&
        !EqualsIgnoreCase(w, "given") && !EqualsIgnoreCase(w, "as")) {
      return false;
    }
  }
  return false;
}

size_t MatchRegAt(std::string_view text, size_t pos) {
  size_t i = pos;
  if (!Letters(text, &i, 2) || !Digits(text, &i, 2)) return 0;
  OptionalChar(text, &i, ' ');
  if (!Letters(text, &i, 3)) return 0;
  return EndAtBoundary(text, i);
}

namespace {

// RE2's \s: [\t\n\f\r ].
bool IsRe2Space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
size_t Re2Spaces(std::string_view text, size_t i) {
  while (IsRe2Space(At(text, i))) ++i;
  return i;
}
// The ASCII letters `lower` at i in any case; the index after them or 0.
size_t Word(std::string_view text, size_t i, std::string_view lower) {
  for (char c : lower) {
    if ((At(text, i) | 0x20) != static_cast<unsigned char>(c) || !IsAlpha(At(text, i))) return 0;
    ++i;
  }
  return i;
}
bool Boundary(std::string_view text, size_t i) { return !IsWordByte(At(text, i)); }
// 1..max digits at i (greedy); the index after them, or 0 if none.
size_t DigitRun(std::string_view text, size_t i, int max) {
  size_t j = i;
  while (static_cast<int>(j - i) < max && IsDigit(At(text, j))) ++j;
  return j == i ? 0 : j;
}
// kMonth: the run of letters at i, when it is a month or its abbreviation.
size_t MonthAt(std::string_view text, size_t i) {
  size_t j = i;
  while (IsAlpha(At(text, j))) ++j;
  if (j == i || j - i > 9) return 0;
  char w[10] = {};
  for (size_t k = i; k < j; ++k) w[k - i] = static_cast<char>(At(text, k) | 0x20);
  static constexpr std::string_view kForms[] = {
      "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun",
      "june", "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october",
      "nov", "november", "dec", "december"};
  for (std::string_view f : kForms) {
    if (f == std::string_view(w, j - i)) return j;
  }
  return 0;
}
// "st" "nd" "rd" "th" at i: the index after it, else i.
size_t OrdinalAt(std::string_view text, size_t i) {
  for (std::string_view o : {"st", "nd", "rd", "th"}) {
    if (size_t e = Word(text, i, o); e != 0) return e;
  }
  return i;
}
// DateSource() then \b at i (its alternatives start differently: one parse).
size_t DateAt(std::string_view text, size_t i) {
  if (IsDigit(At(text, i))) {
    size_t j = DigitRun(text, i, 4);
    if (j - i == 4) {  // \d{4}-\d{1,2}-\d{1,2}
      if (At(text, j) != '-' || (j = DigitRun(text, j + 1, 2)) == 0) return 0;
      if (At(text, j) != '-' || (j = DigitRun(text, j + 1, 2)) == 0) return 0;
      return Boundary(text, j) ? j : 0;
    }
    if (j - i == 3) return 0;
    if (IsOneOf(static_cast<char>(At(text, j)), "/.-")) {  // \d{1,2}[/.-]\d{1,2}[/.-](\d{4}|\d{2})
      if ((j = DigitRun(text, j + 1, 2)) == 0) return 0;
      if (!IsOneOf(static_cast<char>(At(text, j)), "/.-")) return 0;
      const size_t y = DigitRun(text, j + 1, 4);
      if (y == 0) return 0;
      if (y - (j + 1) == 4 && Boundary(text, y)) return y;
      return Boundary(text, j + 3) && y >= j + 3 && !IsDigit(At(text, j + 3)) ? j + 3 : 0;
    }
    // \d{1,2}(st|nd|rd|th)?\s+MONTH\.?,?\s+\d{4}
    j = OrdinalAt(text, j);
    if (!IsRe2Space(At(text, j))) return 0;
    if ((j = MonthAt(text, Re2Spaces(text, j))) == 0) return 0;
    if (At(text, j) == '.') ++j;
    if (At(text, j) == ',') ++j;
    if (!IsRe2Space(At(text, j))) return 0;
    j = Re2Spaces(text, j);
    const size_t y = DigitRun(text, j, 4);
    return y != 0 && y - j == 4 && Boundary(text, y) ? y : 0;
  }
  // MONTH\.?\s+\d{1,2}(st|nd|rd|th)?,?\s+\d{4}
  size_t j = MonthAt(text, i);
  if (j == 0) return 0;
  if (At(text, j) == '.') ++j;
  if (!IsRe2Space(At(text, j))) return 0;
  if ((j = DigitRun(text, Re2Spaces(text, j), 2)) == 0) return 0;
  j = OrdinalAt(text, j);
  if (At(text, j) == ',') ++j;
  if (!IsRe2Space(At(text, j))) return 0;
  j = Re2Spaces(text, j);
  const size_t y = DigitRun(text, j, 4);
  return y != 0 && y - j == 4 && Boundary(text, y) ? y : 0;
}

}  // namespace

size_t MatchDobCueAt(std::string_view text, size_t pos) {
  if (pos > 0 && IsWordByte(At(text, pos - 1))) return 0;  // \b
  size_t j = 0;
  const unsigned char c = At(text, pos) | 0x20;
  if (c == 'b') {  // born\b(\s+on\b)?
    if ((j = Word(text, pos, "born")) == 0 || !Boundary(text, j)) return 0;
    const size_t s = Re2Spaces(text, j);
    if (s > j) {
      if (size_t on = Word(text, s, "on"); on != 0 && Boundary(text, on)) j = on;
    }
  } else if (c == 'd' && (At(text, pos + 1) | 0x20) == 'a') {  // date\s+of\s+birth\b
    if ((j = Word(text, pos, "date")) == 0 || !IsRe2Space(At(text, j))) return 0;
    if ((j = Word(text, Re2Spaces(text, j), "of")) == 0 || !IsRe2Space(At(text, j))) return 0;
    if ((j = Word(text, Re2Spaces(text, j), "birth")) == 0 || !Boundary(text, j)) return 0;
  } else {  // d\.?o\.?b\b\.?
    if (c != 'd') return 0;
    j = pos + 1;
    if (At(text, j) == '.') ++j;
    if ((At(text, j) | 0x20) != 'o') return 0;
    ++j;
    if (At(text, j) == '.') ++j;
    if ((At(text, j) | 0x20) != 'b') return 0;
    ++j;
    if (!Boundary(text, j)) return 0;
    if (At(text, j) == '.') ++j;
  }
  // [\s:,\-]*\(?
  while (IsRe2Space(At(text, j)) || IsOneOf(static_cast<char>(At(text, j)), ":,-")) ++j;
  if (At(text, j) == '(') ++j;
  return DateAt(text, j);
}

size_t MatchRegPrefixAt(std::string_view text, size_t pos) {
  size_t i = pos;
  if (!RegPrefixLetter(At(text, i))) return 0;
  ++i;
  int digits = 0;
  while (digits < 3 && IsDigit(At(text, i))) {
    ++digits;
    ++i;
  }
  if (digits == 0) return 0;
  OptionalChar(text, &i, ' ');
  for (int k = 0; k < 3; ++k) {
    if (!RegPrefixLetter(At(text, i))) return 0;
    ++i;
  }
  return EndAtBoundary(text, i);
}

bool MayBeAddressAt(std::string_view text, size_t pos) {
  // \d{1,4}[A-Za-z]?,? +[A-Z]
  size_t i = pos;
  int digits = 0;
  while (digits < 4 && IsDigit(At(text, i))) {
    ++digits;
    ++i;
  }
  if (digits == 0) return false;
  if (IsAlpha(At(text, i))) ++i;
  OptionalChar(text, &i, ',');
  if (At(text, i) != ' ') return false;
  while (At(text, i) == ' ') ++i;
  return At(text, i) >= 'A' && At(text, i) <= 'Z';
}

size_t EmailStartBefore(std::string_view text, size_t at) {
  size_t i = at;
  while (i > 0) {
    const auto c = static_cast<unsigned char>(text[i - 1]);
    if (IsDigit(c) || IsAlpha(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-') {
      --i;
    } else {
      break;
    }
  }
  return i;
}


void ScanEvents::Build(std::string_view text) {
  const size_t n = text.size();
  const size_t words = n / 64 + 2;
  for (std::vector<uint64_t>* map : {&bits, &alnum, &likely, &digits}) {
    if (map->capacity() > 1024 && words <= 1024) {  // after a huge text
      map->clear();
      map->shrink_to_fit();
    }
    map->resize(words);  // every word is written below
  }
  // Sixty-four bytes (one word of each map) at a time.
  uint64_t carry = 0;  // 1 if the byte before the word is a word byte
  for (size_t w = 0; w < words; ++w) {
    const size_t p = w * 64;
    uint64_t word = 0;     // [0-9A-Za-z_]
    uint64_t special = 0;  // '@' '+' '('
    uint64_t an = 0;       // [0-9A-Za-z]
    uint64_t digit = 0;    // [0-9]
    uint64_t db = 0;       // [DdBb]
    if (p < n) {
#if defined(__SSE2__)
      auto block = [&](const char* src, int k) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
        const __m128i lc = _mm_or_si128(v, _mm_set1_epi8(0x20));
        // Signed compares: bytes >= 0x80 are negative, never a letter or digit.
        const __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lc, _mm_set1_epi8('a' - 1)),
                                            _mm_cmplt_epi8(lc, _mm_set1_epi8('z' + 1)));
        const __m128i dg = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                         _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        const __m128i al = _mm_or_si128(alpha, dg);
        const __m128i wd = _mm_or_si128(al, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
        const __m128i sp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('@')),
                                                     _mm_cmpeq_epi8(v, _mm_set1_epi8('+'))),
                                        _mm_cmpeq_epi8(v, _mm_set1_epi8('(')));
        const __m128i bd = _mm_or_si128(_mm_cmpeq_epi8(lc, _mm_set1_epi8('d')),
                                        _mm_cmpeq_epi8(lc, _mm_set1_epi8('b')));
        auto mask = [k](__m128i m) {
          return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(m))) << (16 * k);
        };
        word |= mask(wd);
        special |= mask(sp);
        an |= mask(al);
        digit |= mask(dg);
        db |= mask(bd);
      };
      const char* const src = text.data() + p;
      if (n - p >= 64) {
        for (int k = 0; k < 4; ++k) block(src + 16 * k, k);
      } else {
        // The text's last bytes: whole blocks, then one zero-padded block.
        int k = 0;
        for (; 16 * static_cast<size_t>(k) + 16 <= n - p; ++k) block(src + 16 * k, k);
        if (const size_t rest = n - p - 16 * static_cast<size_t>(k); rest != 0) {
          char tail[16] = {};
          std::memcpy(tail, src + 16 * k, rest);
          block(tail, k);
        }
      }
#else
      const size_t end = n - p < 64 ? n - p : 64;
      for (size_t q = 0; q < end; ++q) {
        const auto c = static_cast<unsigned char>(text[p + q]);
        const uint64_t bit = uint64_t{1} << q;
        if (IsWordByte(c)) word |= bit;
        if (c == '@' || c == '+' || c == '(') special |= bit;
        if (IsWordByte(c) && c != '_') an |= bit;
        if (IsDigit(c)) digit |= bit;
        if ((c | 0x20) == 'd' || (c | 0x20) == 'b') db |= bit;
      }
#endif
    }
    bits[w] = (word & ~((word << 1) | carry)) | special;
    carry = word >> 63;
    alnum[w] = an;
    digits[w] = digit;
    likely[w] = db;  // 'd' / 'b' until the last pass
  }
  // likely = bits minus the letter-initial word starts with no digit in the
  // next three bytes and no 'd' / 'b'.
  for (size_t w = 0; w < words; ++w) {
    const uint64_t d = digits[w];
    const uint64_t next = w + 1 < words ? digits[w + 1] : 0;
    const uint64_t digit_soon = (d >> 1) | (next << 63) | (d >> 2) | (next << 62) | (d >> 3) |
                                (next << 61);
    const uint64_t letters = alnum[w] & ~d;
    likely[w] = bits[w] & ~(letters & ~(digit_soon | likely[w]));
  }
}

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  while (p < end) {
    // ASCII fast path, sixteen bytes at a time (SSE2), then eight.
#if defined(__SSE2__)
    while (end - p >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      if (_mm_movemask_epi8(v) != 0) break;
      p += 16;
    }
#endif
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == end) break;
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t need;
    uint32_t min;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1; min = 0x80; cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2; min = 0x800; cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3; min = 0x10000; cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= need) return false;
    for (size_t i = 1; i <= need; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += need + 1;
  }
  return true;
}

bool NhsChecksumValid(std::string_view text) {
  int digits[10];
  int n = 0;
  for (unsigned char c : text) {
    if (!IsDigit(c)) continue;
    if (n == 10) return false;
    digits[n++] = c - '0';
  }
  if (n != 10) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += digits[i] * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return false;
  return check == digits[9];
}

namespace {

// A tiny cursor for ParseDate.
struct Cursor {
  std::string_view s;
  size_t i = 0;

  bool AtEnd() const { return i == s.size(); }
  // Reads 1..max digits; returns the count read.
  int Number(int max, int* value) {
    int n = 0;
    *value = 0;
    while (i < s.size() && n < max && IsDigit(s[i])) {
      *value = *value * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    return n;
  }
  bool Char(std::string_view set) {
    if (i < s.size() && set.find(s[i]) != std::string_view::npos) {
      ++i;
      return true;
    }
    return false;
  }
  int Spaces() {
    int n = 0;
    while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
      ++n;
    }
    return n;
  }
  void Ordinal() {
    if (s.size() - i >= 2) {
      std::string_view two = s.substr(i, 2);
      for (std::string_view o : {"st", "nd", "rd", "th"}) {
        if (EqualsIgnoreCase(two, o)) {
          i += 2;
          return;
        }
      }
    }
  }
  // Reads a month name or abbreviation; 0 if none.
  int Month() {
    static constexpr std::array<std::string_view, 12> kNames = {
        "january", "february", "march",     "april",   "may",      "june",
        "july",    "august",   "september", "october", "november", "december"};
    if (s.size() - i < 3) return 0;
    // Fast rejection on the first three letters.
    char abbr[3];
    for (int k = 0; k < 3; ++k) abbr[k] = static_cast<char>(s[i + k] | 0x20);
    int m = 0;
    while (m < 12 && std::memcmp(kNames[m].data(), abbr, 3) != 0) ++m;
    if (m == 12) return 0;
    size_t end = i + 3;
    while (end < s.size() && IsAlpha(s[end])) ++end;
    std::string_view word = s.substr(i, end - i);
    // The full name, its three-letter abbreviation, or "Sept".
    if (word.size() == 3 || EqualsIgnoreCase(word, kNames[m]) ||
        (m == 8 && EqualsIgnoreCase(word, "sept"))) {
      i = end;
      return m + 1;
    }
    return 0;
  }
};

bool Plausible(const Date& d) {
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31;
}

}  // namespace

std::optional<Date> ParseDatePrefix(std::string_view text, size_t* len) {
  Cursor c{text};
  Date d;
  // The date must end at a word boundary.
  auto done = [&]() -> std::optional<Date> {
    if (!Plausible(d) || (!c.AtEnd() && IsWordByte(static_cast<unsigned char>(text[c.i])))) {
      return std::nullopt;
    }
    *len = c.i;
    return d;
  };
  int a = 0;
  int na = c.Number(4, &a);
  if (na == 4) {  // 1990-03-14
    d.year = a;
    if (!c.Char("-") || c.Number(2, &d.month) == 0 || !c.Char("-") || c.Number(2, &d.day) == 0) {
      return std::nullopt;
    }
    return done();
  }
  if (na >= 1 && na <= 2) {
    if (c.Char("/.-")) {  // 14/03/1990
      int b = 0;
      if (c.Number(2, &b) == 0 || !c.Char("/.-")) return std::nullopt;
      int ny = c.Number(4, &d.year);
      if (ny != 2 && ny != 4) return std::nullopt;
      d.two_digit_year = ny == 2;
      d.day = a;
      d.month = b;
      if (!Plausible(d)) std::swap(d.day, d.month);
      return done();
    }
    // 14th March 1990
    d.day = a;
    c.Ordinal();
    if (c.Spaces() == 0) return std::nullopt;
    d.month = c.Month();
    if (d.month == 0) return std::nullopt;
    c.Char(".");
    c.Char(",");
    if (c.Spaces() == 0 || c.Number(4, &d.year) != 4) return std::nullopt;
    return done();
  }
  if (na != 0) return std::nullopt;
  // March 14, 1990
  d.month = c.Month();
  if (d.month == 0) return std::nullopt;
  c.Char(".");
  if (c.Spaces() == 0 || c.Number(2, &d.day) == 0) return std::nullopt;
  c.Ordinal();
  c.Char(",");
  if (c.Spaces() == 0 || c.Number(4, &d.year) != 4) return std::nullopt;
  return done();
}

std::optional<Date> ParseDate(std::string_view text) {
  size_t len = 0;
  std::optional<Date> d = ParseDatePrefix(text, &len);
  if (!d.has_value() || len != text.size()) return std::nullopt;
  return d;
}

bool SameDate(const Date& written, const Date& known) {
  const bool year_ok = written.two_digit_year
                           ? written.year == known.year % 100
                           : written.year == known.year;
  if (!year_ok) return false;
  if (written.day == known.day && written.month == known.month) return true;
  return written.day == known.month && written.month == known.day;
}

// --- Name folding -----------------------------------------------------------

namespace {

// Folded forms of U+00C0..U+00FF; "" marks a separator (× ÷).
constexpr std::array<std::string_view, 64> kLatin1Fold = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "y"};

// Folded forms of U+0100..U+017F (Latin Extended-A), in pairs upper/lower.
constexpr std::string_view kLatinExtAFold[128] = {
    "a",  "a",  "a",  "a",  "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
    "d",  "d",  "e",  "e",  "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    "g",  "g",  "g",  "g",  "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
    "i",  "i",  "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
    "l",  "l",  "l",  "n",  "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    "o",  "o",  "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
    "s",  "s",  "t",  "t",  "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
    "u",  "u",  "u",  "u",  "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s"};

}  // namespace

NameChar ClassifyAndFold(std::string_view text, size_t pos, size_t* len,
                         std::string* folded) {
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c < 0x80) {
    *len = 1;
    if (c >= 'A' && c <= 'Z') {
      if (folded != nullptr) folded->push_back(static_cast<char>(c | 0x20));
      return NameChar::kLetter;
    }
    if ((c >= 'a' && c <= 'z') || IsDigit(c)) {
      if (folded != nullptr) folded->push_back(static_cast<char>(c));
      return NameChar::kLetter;
    }
    if (c == '\'' || c == '-') return NameChar::kJoiner;
    return NameChar::kSeparator;
  }
  // Decode (the caller guarantees valid UTF-8).
  uint32_t cp;
  size_t n;
  if (c < 0xE0) {
    n = 2;
    cp = c & 0x1F;
  } else if (c < 0xF0) {
    n = 3;
    cp = c & 0x0F;
  } else {
    n = 4;
    cp = c & 0x07;
  }
  if (pos + n > text.size()) n = text.size() - pos;  // defensive; never for valid UTF-8
  for (size_t i = 1; i < n; ++i) cp = (cp << 6) | (text[pos + i] & 0x3F);
  *len = n;
  if (cp < 0xC0) return NameChar::kSeparator;  // C1 controls, NBSP, Latin-1 punctuation
  if (cp <= 0xFF) {
    std::string_view f = kLatin1Fold[cp - 0xC0];
    if (f.empty()) return NameChar::kSeparator;
    if (folded != nullptr) folded->append(f);
    return NameChar::kLetter;
  }
  if (cp <= 0x17F) {
    if (folded != nullptr) folded->append(kLatinExtAFold[cp - 0x100]);
    return NameChar::kLetter;
  }
  if (cp >= 0x218 && cp <= 0x21B) {  // Romanian comma-below s and t
    if (folded != nullptr) folded->push_back(cp < 0x21A ? 's' : 't');
    return NameChar::kLetter;
  }
  if (cp == 0x2BC || cp == 0x2018 || cp == 0x2019 || cp == 0x2010 || cp == 0x2011) {
    return NameChar::kJoiner;  // modifier apostrophe, curly quotes, hyphens
  }
  if (cp >= 0x300 && cp <= 0x36F) return NameChar::kMark;
  if ((cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x2E00 && cp <= 0x2E7F) ||
      cp == 0x3000 || cp == 0xFEFF || (cp >= 0xFE10 && cp <= 0xFE6F) ||
      (cp >= 0xFF00 && cp <= 0xFF0F)) {
    return NameChar::kSeparator;  // general punctuation, spaces, BOM
  }
  if (folded != nullptr) folded->append(text.substr(pos, n));  // other scripts: kept as written
  return NameChar::kLetter;
}

bool IsNameParticle(std::string_view token) {
  static constexpr std::string_view kParticles[] = {
      "ab", "ap", "al", "bin", "bint", "da", "de", "del", "della", "der", "des",
      "di", "du", "el", "la", "le", "mac", "mc", "ni", "nic", "o", "st", "ter",
      "ui", "van", "ver", "von", "y", "zu"};
  if (token.size() <= 1) return true;
  for (std::string_view p : kParticles) {
    if (token == p) return true;
  }
  return false;
}

}  // namespace accord::policy::redact_internal
