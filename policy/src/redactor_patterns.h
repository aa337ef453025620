// Private to the redactor: the identifier patterns (RE2 sources) and the small
// pure helpers the redactor needs (UTF-8 check, mod-11, date parsing, name
// folding). Nothing here allocates on the hot path except where noted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace accord::policy::redact_internal {

// The built-in patterns. Their RE2 sources (PatternSource) are the
// specification. On the hot path the fixed-shape ones are matched by the
// hand-written Match*At() functions below, which implement exactly the same
// language (redactor_test.cc cross-checks them against RE2): on this class of
// machine every RE2 call costs ~250 ns, and a narrative holds many numbers
// and words that could start an identifier (the date-of-birth cue too,
// behind MayBeDobCueAt). RE2 itself is run, anchored, only where a cheap
// pre-filter has found a likely e-mail or address.
enum Pattern : int {
  kEmailPattern = 0,
  kPhonePattern,
  kNhsPattern,         // shape only: the checksum is checked afterwards
  kPostcodePattern,
  kNiPattern,
  kRegPattern,         // current format "AB12 CDE"
  kRegPrefixPattern,   // prefix format "A123 BCD" (upper case only)
  kDobCuePattern,      // "DOB 14/03/1990" (the cue and the date)
  kAddressPattern,     // "12 High Street"
  kBareDatePattern,    // any date, for comparison with a known date of birth
  kNiShapePattern,     // any two letters, six digits, one letter: only after an NI cue
  kPatternCount,
};

// RE2 source of one pattern (no capturing groups; compile with longest_match).
std::string PatternSource(Pattern pattern);

// Hand-written matchers. Each returns the end of the longest match of its
// pattern starting exactly at `pos`, or 0 if there is none. The caller has
// checked the word boundary before `pos` where the pattern starts with \b.
size_t MatchPhoneAt(std::string_view text, size_t pos);
size_t MatchNhsShapeAt(std::string_view text, size_t pos);
size_t MatchPostcodeAt(std::string_view text, size_t pos);
size_t MatchNiAt(std::string_view text, size_t pos);
size_t MatchNiShapeAt(std::string_view text, size_t pos);
// True when one of the three words before `pos` is an NI cue: "NI", "NINO",
// "National Insurance" (in any case; "NI no:", "NINO -", "NI number" too).
bool NiCueBefore(std::string_view text, size_t pos);
size_t MatchRegAt(std::string_view text, size_t pos);
size_t MatchRegPrefixAt(std::string_view text, size_t pos);
// kDobCuePattern: "DOB 14/03/1990", "d.o.b: (14th March 1990)", "born on March 14, 1990".
size_t MatchDobCueAt(std::string_view text, size_t pos);

// Pre-filters: false when the pattern certainly does not match at `pos`.
bool MayBeAddressAt(std::string_view text, size_t pos);
// (Inline below: they run at every word of the text.)
inline bool MayBeDobCueAt(std::string_view text, size_t pos);
// A digit, or the first three letters of a month name.
inline bool MayBeDateAt(std::string_view text, size_t pos);
// Where an e-mail address containing the '@' at `at` would begin (the start
// of its local part); `at` itself if there is no local part.
size_t EmailStartBefore(std::string_view text, size_t at);

// True for RE2's \b word characters [0-9A-Za-z_].
struct WordByteTable {
  bool is_word[256];
  constexpr WordByteTable() : is_word{} {
    for (int c = 0; c < 256; ++c) {
      is_word[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   c == '_';
    }
  }
};
inline constexpr WordByteTable kWordBytes;
inline bool IsWordByte(unsigned char c) { return kWordBytes.is_word[c]; }

// The end of the run of word bytes [0-9A-Za-z_] from `i`: byte by byte for
// the first eight (most words of a narrative are shorter), then eight bytes at
// a time (SWAR, little-endian), then byte by byte.
inline size_t WordEnd(std::string_view text, size_t i) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "WordEnd reads words little-endian");
  constexpr uint64_t k01 = 0x0101010101010101ULL;
  constexpr uint64_t k80 = 0x8080808080808080ULL;
  const size_t n = text.size();
  for (const size_t first = i + 8 < n ? i + 8 : n; i < first; ++i) {
    if (!IsWordByte(static_cast<unsigned char>(text[i]))) return i;
  }
  while (i + 8 <= n) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    const uint64_t x = w & ~k80;  // bytes below 0x80: no carry between bytes below
    const uint64_t lc = x | (0x20 * k01);
    const uint64_t letter = (lc + (0x80 - 'a') * k01) & ~(lc + (0x80 - 'z' - 1) * k01);
    const uint64_t digit = (x + (0x80 - '0') * k01) & ~(x + (0x80 - '9' - 1) * k01);
    const uint64_t underscore = ~((x ^ (0x5F * k01)) + 0x7F * k01);
    const uint64_t other = ~((letter | digit | underscore) & ~w) & k80;
    if (other != 0) return i + (static_cast<size_t>(__builtin_ctzll(other)) >> 3);
    i += 8;
  }
  while (i < n && IsWordByte(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

// Where the pattern scan has work in a text, one bit per byte (bit k % 64
// of word k / 64 describes byte k): a word start ([0-9A-Za-z_] not right
// after another such byte) or '@', '+', '('. Built once per text, one 64-bit
// word of every map at a time (SSE2, sixteen bytes per step; byte by byte
// where it is not available), so the scan
// jumps from one to the next instead of looking at every byte. Bits past the
// end of the text are 0; a spare zero word follows the last. The same pass
// marks the ASCII letters and digits ([0-9A-Za-z], `alnum`, same layout), where
// the name tokenizer reads a word's end and shape (FindNamesWithoutHints).
//
// `likely` is `bits` without the word starts where no pattern can match unless
// a date of birth is known: a letter with no digit among the three bytes after
// it (every letter-initial pattern has one) and not 'd' or 'b' (the
// date-of-birth cues). Most words of a narrative are such words; the scan
// passes over them when the record gives no date of birth.
struct ScanEvents {
  std::vector<uint64_t> bits;
  std::vector<uint64_t> alnum;
  std::vector<uint64_t> likely;
  std::vector<uint64_t> digits;  // scratch: the ASCII digits
  void Build(std::string_view text);
};

// The first position >= i whose bit is set in `map` (ScanEvents::bits of a
// text of n bytes); n if none.
inline size_t NextSetBit(const std::vector<uint64_t>& map, size_t i, size_t n) {
  if (i >= n) return n;
  size_t w = i >> 6;
  uint64_t bits = map[w] & (~uint64_t{0} << (i & 63));
  const size_t last = (n - 1) >> 6;
  while (bits == 0) {
    if (++w > last) return n;
    bits = map[w];
  }
  const size_t pos = (w << 6) + static_cast<size_t>(__builtin_ctzll(bits));
  return pos < n ? pos : n;
}

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

// The same for a date at the start of `text` that ends at a word boundary
// (the hand-written form of kBareDatePattern); *len receives its length.
std::optional<Date> ParseDatePrefix(std::string_view text, size_t* len);

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

// --- Inline pre-filters -----------------------------------------------------

// True if `c` is one of the bytes of `set` (a short literal): a few compares
// where string_view::find would call memchr.
inline bool IsOneOf(char c, std::string_view set) {
  for (char s : set) {
    if (c == s) return true;
  }
  return false;
}

namespace detail {
inline unsigned char ByteAt(std::string_view text, size_t i) {
  return i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
}
}  // namespace detail

inline bool MayBeDobCueAt(std::string_view text, size_t pos) {
  // The first bytes of "dob", "d.o.b", "do.b", "date of birth", "born": a
  // word such as "both", "bottle", "down" or "day" never reaches RE2.
  const auto c = static_cast<unsigned char>(detail::ByteAt(text, pos) | 0x20);
  if (c != 'd' && c != 'b') return false;  // most words: one byte looked at
  const auto d = static_cast<unsigned char>(detail::ByteAt(text, pos + 1) | 0x20);
  const auto e = static_cast<unsigned char>(detail::ByteAt(text, pos + 2) | 0x20);
  if (c == 'd') {
    if (d == 'o') return e == 'b' || e == '.';
    if (d == '.') return e == 'o';
    return d == 'a' && e == 't' && (detail::ByteAt(text, pos + 3) | 0x20) == 'e';
  }
  return c == 'b' && d == 'o' && e == 'r' && (detail::ByteAt(text, pos + 3) | 0x20) == 'n';
}

inline bool MayBeDateAt(std::string_view text, size_t pos) {
  const unsigned char c = detail::ByteAt(text, pos);
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) < 'a' || (c | 0x20) > 'z') return false;
  const char b = static_cast<char>(detail::ByteAt(text, pos + 1) | 0x20);
  const char d = static_cast<char>(detail::ByteAt(text, pos + 2) | 0x20);
  switch (c | 0x20) {
    case 'j': return (b == 'a' && d == 'n') || (b == 'u' && (d == 'n' || d == 'l'));
    case 'f': return b == 'e' && d == 'b';
    case 'm': return b == 'a' && (d == 'r' || d == 'y');
    case 'a': return (b == 'p' && d == 'r') || (b == 'u' && d == 'g');
    case 's': return b == 'e' && d == 'p';
    case 'o': return b == 'c' && d == 't';
    case 'n': return b == 'o' && d == 'v';
    case 'd': return b == 'e' && d == 'c';
    default: return false;
  }
}

}  // namespace accord::policy::redact_internal
