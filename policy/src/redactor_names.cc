#include "redactor_names.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "redactor_patterns.h"

namespace accord::policy::redact_internal {
namespace {

// Structural words (grammar, roles, places), not names: the cue and context
// vocabulary of police and A&E notes. Names come only from the gazetteer file.
struct BuiltIn {
  std::string_view word;
  uint16_t bits;
};
constexpr BuiltIn kBuiltIn[] = {
    // Cues before a name.
    {"victim", kCueBefore | kStop}, {"pt", kCueBefore | kStop}, {"patient", kCueBefore | kStop},
    {"nok", kCueBefore | kStop}, {"caller", kCueBefore | kStop}, {"mr", kCueBefore | kStop},
    {"mrs", kCueBefore | kStop}, {"ms", kCueBefore | kStop}, {"miss", kCueBefore | kStop},
    {"mx", kCueBefore | kStop}, {"dr", kCueBefore | kStop}, {"witness", kCueBefore | kStop},
    {"witnesses", kCueBefore | kStop}, {"suspect", kCueBefore | kStop},
    {"offender", kCueBefore | kStop}, {"complainant", kCueBefore | kStop},
    {"informant", kCueBefore | kStop}, {"ip", kCueBefore | kStop},
    {"named", kCueBefore | kStop}, {"called", kCueBefore | kStop}, {"name", kCueBefore | kStop},
    {"son", kCueBefore | kStop}, {"daughter", kCueBefore | kStop}, {"wife", kCueBefore | kStop},
    {"husband", kCueBefore | kStop}, {"partner", kCueBefore | kStop},
    {"boyfriend", kCueBefore | kStop}, {"girlfriend", kCueBefore | kStop},
    {"mother", kCueBefore | kStop}, {"mum", kCueBefore | kStop}, {"father", kCueBefore | kStop},
    {"dad", kCueBefore | kStop}, {"brother", kCueBefore | kStop}, {"sister", kCueBefore | kStop},
    {"friend", kCueBefore | kStop}, {"neighbour", kCueBefore | kStop},
    {"carer", kCueBefore | kStop}, {"uncle", kCueBefore | kStop}, {"aunt", kCueBefore | kStop},
    {"auntie", kCueBefore | kStop}, {"nan", kCueBefore | kStop}, {"grandmother", kCueBefore | kStop},
    {"grandfather", kCueBefore | kStop}, {"cousin", kCueBefore | kStop}, {"ex", kCueBefore | kStop},
    {"nickname", kCueBefore | kNicknameCue | kStop}, {"aka", kCueBefore | kNicknameCue | kStop},
    {"as", kNicknameCue}, {"known", kKnown}, {"by", kWeakCue | kStop},
    // Cues after a name.
    {"states", kCueAfter | kWeakCue | kStop}, {"stated", kCueAfter | kWeakCue | kStop}, {"reports", kCueAfter | kWeakCue | kStop},
    {"reported", kCueAfter | kStop}, {"says", kCueAfter | kWeakCue | kStop}, {"said", kCueAfter | kWeakCue | kStop},
    {"alleges", kCueAfter | kStop}, {"claims", kCueAfter | kStop}, {"advised", kCueAfter | kStop},
    {"confirmed", kCueAfter | kStop}, {"told", kCueAfter | kWeakCue | kStop},
    // Never part of a name.
    {"he", kStop}, {"she", kStop}, {"they", kStop}, {"him", kStop}, {"her", kStop}, {"his", kStop},
    {"them", kStop}, {"i", kStop}, {"we", kStop}, {"you", kStop}, {"it", kStop}, {"a", kStop},
    {"an", kStop}, {"and", kStop}, {"or", kStop}, {"no", kStop}, {"not", kStop}, {"nil", kStop},
    {"none", kStop}, {"of", kStop}, {"at", kStop}, {"on", kStop}, {"in", kStop}, {"to", kStop},
    {"officer", kStop}, {"officers", kStop}, {"pc", kStop}, {"ps", kStop}, {"dc", kStop},
    {"ds", kStop}, {"sgt", kStop}, {"insp", kStop}, {"police", kStop}, {"staff", kStop},
    {"male", kStop}, {"female", kStop}, {"man", kStop}, {"woman", kStop}, {"boy", kStop},
    {"girl", kStop}, {"child", kStop}, {"person", kStop}, {"unknown", kStop}, {"unk", kStop},
    {"manager", kStop}, {"security", kStop}, {"paramedic", kStop}, {"paramedics", kStop},
    {"nurse", kStop}, {"doctor", kStop}, {"crew", kStop}, {"ambulance", kStop},
    {"triage", kStop}, {"gp", kStop}, {"nhs", kStop}, {"ni", kParticle},
    {"nino", kStop}, {"dob", kStop}, {"tel", kStop}, {"mob", kStop}, {"email", kStop},
    {"address", kStop | kHomeCue}, {"lives", kHomeCue}, {"living", kHomeCue},
    {"resides", kHomeCue}, {"resident", kHomeCue}, {"home", kHomeCue}, {"abode", kHomeCue}, {"reg", kStop}, {"vrm", kStop}, {"ae", kStop}, {"ed", kStop},
    {"cctv", kStop}, {"nfa", kStop}, {"rtc", kStop}, {"asb", kStop}, {"bar", kStop},
    {"door", kStop}, {"all", kStop}, {"both", kStop}, {"same", kStop}, {"sister's", kStop},
    // Name particles.
    {"mc", kParticle}, {"mac", kParticle}, {"o", kParticle}, {"ap", kParticle},
    {"ab", kParticle}, {"nic", kParticle}, {"van", kParticle}, {"von", kParticle},
    {"de", kParticle}, {"der", kParticle}, {"den", kParticle}, {"du", kParticle},
    {"da", kParticle}, {"di", kParticle}, {"del", kParticle}, {"della", kParticle},
    {"la", kParticle}, {"le", kParticle}, {"bin", kParticle}, {"al", kParticle},
    {"el", kParticle}, {"ter", kParticle}, {"ten", kParticle},
    // Places: the words that end a street, station or premises name.
    {"street", kPlaceWord}, {"road", kPlaceWord}, {"rd", kPlaceWord}, {"lane", kPlaceWord},
    {"avenue", kPlaceWord}, {"ave", kPlaceWord}, {"close", kPlaceWord}, {"drive", kPlaceWord},
    {"way", kPlaceWord}, {"crescent", kPlaceWord}, {"place", kPlaceWord}, {"court", kPlaceWord},
    {"gardens", kPlaceWord}, {"terrace", kPlaceWord}, {"grove", kPlaceWord}, {"park", kPlaceWord},
    {"square", kPlaceWord}, {"walk", kPlaceWord}, {"row", kPlaceWord}, {"mews", kPlaceWord},
    {"parade", kPlaceWord}, {"green", kPlaceWord}, {"hill", kPlaceWord}, {"rise", kPlaceWord},
    {"view", kPlaceWord}, {"station", kPlaceWord}, {"junction", kPlaceWord},
    {"central", kPlaceWord}, {"parkway", kPlaceWord}, {"halt", kPlaceWord},
    {"arms", kPlaceWord}, {"inn", kPlaceWord}, {"tavern", kPlaceWord}, {"hotel", kPlaceWord},
    {"head", kPlaceWord}, {"hospital", kPlaceWord}, {"school", kPlaceWord},
    {"church", kPlaceWord}, {"centre", kPlaceWord}, {"bridge", kPlaceWord},
    {"market", kPlaceWord}, {"house", kPlaceWord}, {"estate", kPlaceWord},
    {"common", kPlaceWord}, {"heath", kPlaceWord}, {"line", kPlaceWord}, {"cross", kPlaceWord},
    {"gate", kPlaceWord}, {"wood", kPlaceWord}, {"club", kPlaceWord}, {"lodge", kPlaceWord},
    {"hall", kPlaceWord}, {"wharf", kPlaceWord}, {"quay", kPlaceWord}, {"yard", kPlaceWord},
    {"college", kPlaceWord}, {"academy", kPlaceWord}, {"stadium", kPlaceWord},
    {"surgery", kPlaceWord}, {"circus", kPlaceWord}, {"boulevard", kPlaceWord},
    {"pub", kPlaceWord}, {"oak", kPlaceWord}, {"tree", kPlaceWord}, {"bell", kPlaceWord},
    {"lion", kPlaceWord}, {"horse", kPlaceWord}, {"anchor", kPlaceWord}, {"plough", kPlaceWord},
    {"swan", kPlaceWord}, {"bull", kPlaceWord}, {"crown", kPlaceWord}, {"hotel", kPlaceWord},
    {"the", kPlaceBefore | kStop}, {"st", kPlaceBefore | kPlaceWord | kStop}, {"saint", kPlaceBefore | kStop},
    {"upon", kPlaceBefore | kStop}, {"on-sea", kPlaceBefore},
    // Calendar words that are also given names.
    {"january", kCalendar}, {"february", kCalendar}, {"march", kCalendar}, {"april", kCalendar},
    {"may", kCalendar}, {"june", kCalendar}, {"july", kCalendar}, {"august", kCalendar},
    {"september", kCalendar}, {"october", kCalendar}, {"november", kCalendar},
    {"december", kCalendar}, {"monday", kCalendar}, {"tuesday", kCalendar},
    {"wednesday", kCalendar}, {"thursday", kCalendar}, {"friday", kCalendar},
    {"saturday", kCalendar}, {"sunday", kCalendar}, {"christmas", kCalendar},
    {"easter", kCalendar},
};

enum class Shape : uint8_t { kLower, kTitle, kUpper, kInitial, kOther };

struct Token {
  size_t begin;
  size_t end;         // excludes a possessive "'s"
  uint16_t bits;      // gazetteer and built-in bits
  Shape shape;
  bool possessive;
  bool joined;        // has an apostrophe or hyphen inside ("d'souza", "smith-jones")
  bool candidate;     // Candidate(*this), computed once
};

// The tokenizer's view of an ASCII byte.
// ASCII letters and digits; the joiners ' and -; the non-ASCII bytes (they
// may be letters); the rest: openers (a sentence's first word may follow
// them) and other bytes. Words end at the last two.
enum ByteClass : unsigned char { kAlnumByte, kJoinerByte, kNonAsciiByte, kOtherByte, kOpenerByte };
struct ByteClassTable {
  unsigned char cls[256];
  constexpr ByteClassTable() : cls{} {
    for (int c = 0; c < 128; ++c) cls[c] = kOtherByte;
    for (int c = 128; c < 256; ++c) cls[c] = kNonAsciiByte;
    cls[static_cast<unsigned char>('\'')] = cls[static_cast<unsigned char>('-')] = kJoinerByte;
    for (int c = '0'; c <= '9'; ++c) cls[c] = kAlnumByte;
    for (int c = 'a'; c <= 'z'; ++c) cls[c] = kAlnumByte;
    for (int c = 'A'; c <= 'Z'; ++c) cls[c] = kAlnumByte;
    // Bytes a sentence's first word may follow (after '.', ':' ... or a line break).
    cls[static_cast<unsigned char>(' ')] = cls[static_cast<unsigned char>('"')] = kOpenerByte;
    cls[static_cast<unsigned char>('(')] = kOpenerByte;
  }
};
constexpr ByteClassTable kByteClass;

bool IsAsciiUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiLower(unsigned char c) { return c >= 'a' && c <= 'z'; }

// Upper case for the Latin letters the folding tables cover.
bool IsUpperCodePoint(std::string_view text, size_t pos, size_t len) {
  const auto c = static_cast<unsigned char>(text[pos]);
  if (len == 1) return IsAsciiUpper(c);
  if (len != 2) return false;
  const uint32_t cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(text[pos + 1]) & 0x3F);
  if (cp >= 0xC0 && cp <= 0xDE) return cp != 0xD7;
  if (cp == 0x178) return true;
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) return (cp % 2) == 1;
  if (cp >= 0x100 && cp <= 0x17F) return (cp % 2) == 0;
  return false;
}

// Reads the word at `i` (a letter); fills *t and the folded key (joiners dropped).
size_t ReadWord(std::string_view text, size_t i, Token* t, std::string* key) {
  const size_t n = text.size();
  key->clear();
  int upper = 0;
  int lower = 0;
  bool digit = false;
  bool first_upper = false;
  t->begin = i;
  t->possessive = false;
  t->joined = false;
  size_t possessive_skip = 0;
  size_t j = i;
  size_t letters = 0;
  while (j < n) {
    size_t len = 1;
    const auto c = static_cast<unsigned char>(text[j]);
    NameChar k;
    if (c < 0x80) {
      if (IsAsciiUpper(c) || IsAsciiLower(c) || (c >= '0' && c <= '9')) {
        k = NameChar::kLetter;
        digit |= c <= '9';
        if (key->size() < 64) key->push_back(static_cast<char>(c | (c >= 'A' ? 0x20 : 0)));
      } else {
        k = (c == '\'' || c == '-') ? NameChar::kJoiner : NameChar::kSeparator;
      }
    } else {
      k = ClassifyAndFold(text, j, &len, key->size() < 64 ? key : nullptr);
    }
    if (k == NameChar::kLetter) {
      const bool up = IsUpperCodePoint(text, j, len);
      if (letters == 0) first_upper = up;
      (up ? upper : lower) += (c < 0x80 && c <= '9') ? 0 : 1;
      ++letters;
      j += len;
      continue;
    }
    if (k == NameChar::kMark) {
      j += len;
      continue;
    }
    if (k == NameChar::kJoiner && letters > 0 && j + len < n) {
      size_t next_len = 1;
      const NameChar next = ClassifyAndFold(text, j + len, &next_len, nullptr);
      if (next == NameChar::kLetter) {
        const auto s = static_cast<unsigned char>(text[j + len]);
        if (c != '-' && (s | 0x20) == 's') {
          const size_t after = j + len + 1;
          size_t after_len = 1;
          if (after == n ||
              ClassifyAndFold(text, after, &after_len, nullptr) == NameChar::kSeparator) {
            t->possessive = true;
            possessive_skip = len + 1;
            break;
          }
        }
        if (c == '-' && key->size() < 64) key->push_back('-');
        t->joined = true;
        j += len;
        continue;
      }
    }
    break;
  }
  t->end = j;
  if (digit) {
    t->shape = Shape::kOther;
  } else if (letters == 1 && upper == 1) {
    t->shape = Shape::kInitial;
  } else if (upper > 0 && lower == 0) {
    t->shape = Shape::kUpper;
  } else if (first_upper) {
    t->shape = Shape::kTitle;
  } else {
    t->shape = Shape::kLower;
  }
  return j + possessive_skip;
}

uint16_t LookupKey(const NameGazetteer& g, std::string_view key) {
  if (key.empty() || key.size() > 40) return 0;
  uint16_t bits = g.Lookup(key);
  if (bits == 0 && key.find('-') != std::string_view::npos) {
    // Double-barrelled: the union of its parts ("smith-jones").
    size_t start = 0;
    while (start < key.size()) {
      size_t dash = key.find('-', start);
      if (dash == std::string_view::npos) dash = key.size();
      bits |= g.Lookup(key.substr(start, dash - start)) & (kGiven | kSurname | kFrequent);
      start = dash + 1;
    }
  }
  return bits;
}

// The separator loop's view of a byte: where a word may start (an ASCII
// letter or digit; a non-ASCII byte that may be a letter), and which skipped
// bytes a sentence's first word may follow without them counting ("opener":
// space, '"', '(', and '\'').
enum SkipClass : unsigned char { kWordStartByte, kNonAsciiStart, kOpenerSkip, kSignificantSkip };
struct SkipTable {
  unsigned char cls[256];
  constexpr SkipTable() : cls{} {
    for (int c = 0; c < 256; ++c) {
      const unsigned char b = kByteClass.cls[c];
      cls[c] = b == kAlnumByte       ? kWordStartByte
               : b == kNonAsciiByte  ? kNonAsciiStart
               : b == kOpenerByte    ? kOpenerSkip
                                     : kSignificantSkip;
    }
    cls[static_cast<unsigned char>('\'')] = kOpenerSkip;
  }
};
constexpr SkipTable kSkip;

// Per ASCII byte, for the fast path: its folded form in the low byte (0 for a
// byte that is not a letter or digit) and kLowerFlag / kDigitFlag above it.
enum : uint16_t { kLowerFlag = 1 << 8, kDigitFlag = 2 << 8 };
struct AsciiWordTable {
  uint16_t entry[256];
  constexpr AsciiWordTable() : entry{} {
    for (int c = '0'; c <= '9'; ++c) entry[c] = static_cast<uint16_t>(c | kDigitFlag);
    for (int c = 'a'; c <= 'z'; ++c) entry[c] = static_cast<uint16_t>(c | kLowerFlag);
    for (int c = 'A'; c <= 'Z'; ++c) entry[c] = static_cast<uint16_t>(c | 0x20);
  }
};
constexpr AsciiWordTable kAsciiWord;

// The tokenizer's fast path: the word at `i` (an ASCII letter or digit) when
// it is ASCII letters and digits, joined by ' or - ("o'brien", "smith-jones",
// a possessive "Lukasz's"), of at most 40 folded bytes. Fills *t exactly as
// ReadWord + LookupKey would and returns where the scan goes on; returns 0
// when the word needs ReadWord (a non-ASCII byte in or right after it, or
// longer than 40 bytes). Byte by byte through one table: most words of a
// narrative are shorter than 8 bytes.
size_t ReadAsciiWord(const char* tx, size_t n, size_t i, const NameGazetteer& g, Token* t) {
  char buf[40 + 8];
  char* o = buf;
  size_t j = i;
  unsigned flags = 0;
  bool hyphen = false;
  bool joined = false;
  bool possessive = false;
  for (;;) {
    // A run of letters and digits, at most 40 folded bytes in all.
    const size_t limit = std::min(n, j + static_cast<size_t>(buf + 40 - o));
    while (j < limit) {
      const uint16_t e = kAsciiWord.entry[static_cast<unsigned char>(tx[j])];
      if (e == 0) break;
      *o++ = static_cast<char>(e);
      flags |= e;
      ++j;
    }
    if (j >= n) break;
    const auto c = static_cast<unsigned char>(tx[j]);
    if (kAsciiWord.entry[c] != 0) return 0;  // longer than 40 bytes
    if (c >= 0x80) return 0;
    if ((c != '\'' && c != '-') || j + 1 >= n) break;
    // A joiner: the word goes on if a letter or digit follows.
    const auto next = static_cast<unsigned char>(tx[j + 1]);
    if (next >= 0x80) return 0;
    if (kAsciiWord.entry[next] == 0) break;
    if (c == '\'' && (next | 0x20) == 's') {
      const size_t after = j + 2;
      const auto a = after < n ? static_cast<unsigned char>(tx[after]) : 0;
      if (a >= 0x80) return 0;
      if (after == n || kByteClass.cls[a] >= kOtherByte) {
        possessive = true;
        break;
      }
    }
    if (c == '-') {
      if (o == buf + 40) return 0;
      *o++ = '-';
      hyphen = true;
    }
    joined = true;
    ++j;
  }
  const size_t kl = static_cast<size_t>(o - buf);
  t->begin = i;
  t->end = j;
  t->possessive = possessive;
  t->joined = joined;
  if (flags & kDigitFlag) {
    t->shape = Shape::kOther;
    t->bits = 0;
  } else {
    std::memset(o, 0, 8);
    const bool any_lower = (flags & kLowerFlag) != 0;
    if (kl == 1 && !any_lower) {
      t->shape = Shape::kInitial;
    } else if (!any_lower) {
      t->shape = Shape::kUpper;
    } else {
      t->shape = IsAsciiUpper(static_cast<unsigned char>(tx[i])) ? Shape::kTitle : Shape::kLower;
    }
    uint16_t bits = g.LookupHash(NameGazetteer::HashPadded(buf, kl));
    if (bits == 0 && hyphen) {
      // Double-barrelled: the union of its parts, as LookupKey; the parts are
      // never empty (a '-' is kept only between letters or digits).
      for (size_t start = 0; start < kl;) {
        size_t dash = start;
        while (dash < kl && buf[dash] != '-') ++dash;
        bits |= g.LookupHash(NameGazetteer::HashMasked(buf + start, dash - start)) &
                (kGiven | kSurname | kFrequent);
        start = dash + 1;
      }
    }
    t->bits = bits;
  }
  return possessive ? j + 2 : j;
}

// The tokenizer's fastest path: the word at `i` (an ASCII letter or digit)
// when it is 1 to 16 ASCII letters and digits ending before a byte that is
// neither a joiner (' -) nor non-ASCII, or before a possessive "'s", so no
// byte of it need be looked at one by one: its end comes from the `alnum` map of ScanEvents, its shape and folded
// form from two 8-byte loads (SWAR). Fills *t exactly as ReadAsciiWord would
// and returns its end; returns 0 for any other word (ReadAsciiWord then).
size_t ReadShortAsciiWord(const char* tx, size_t n, size_t i, const uint64_t* alnum,
                          const NameGazetteer& g, Token* t) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "reads words little-endian");
  // The alnum bits from i on (the map has a spare word after the text's last).
  const size_t shift = i & 63;
  uint64_t window = alnum[i >> 6] >> shift;
  if (shift != 0) window |= alnum[(i >> 6) + 1] << (64 - shift);
  const uint64_t stops = ~window & 0x1FFFF;
  if (stops == 0) return 0;  // longer than 16 bytes
  const auto len = static_cast<size_t>(__builtin_ctzll(stops));
  const size_t end = i + len;
  bool possessive = false;
  if (end < n) {
    const unsigned char cls = kByteClass.cls[static_cast<unsigned char>(tx[end])];
    if (cls == kNonAsciiByte) return 0;
    if (cls == kJoinerByte) {
      // Only a possessive "'s" / "'S" before a space or punctuation ("Lukasz's").
      if (tx[end] != '\'' || end + 1 >= n || (tx[end + 1] | 0x20) != 's') return 0;
      if (end + 2 < n && kByteClass.cls[static_cast<unsigned char>(tx[end + 2])] < kOtherByte) {
        return 0;
      }
      possessive = true;
    }
  }
  uint64_t lo = 0;
  uint64_t hi = 0;
  if (n - i >= 16) {
    std::memcpy(&lo, tx + i, 8);
    std::memcpy(&hi, tx + i + 8, 8);
  } else {
    char tail[16] = {};
    std::memcpy(tail, tx + i, n - i);
    std::memcpy(&lo, tail, 8);
    std::memcpy(&hi, tail + 8, 8);
  }
  const uint64_t lo_mask = len >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * len)) - 1;
  const uint64_t hi_mask =
      len <= 8 ? 0 : len >= 16 ? ~uint64_t{0} : (uint64_t{1} << (8 * (len - 8))) - 1;
  lo &= lo_mask;
  hi &= hi_mask;
  // Every byte is [0-9A-Za-z]: a digit has 0x40 clear, a lower-case letter
  // has 0x40 and 0x20 set; folding is setting 0x20 (digits have it already).
  constexpr uint64_t k20 = 0x2020202020202020ULL;
  constexpr uint64_t k40 = 0x4040404040404040ULL;
  t->begin = i;
  t->end = end;
  t->possessive = possessive;
  t->joined = false;
  const size_t next = possessive ? end + 2 : end;
  if (((~lo & lo_mask) | (~hi & hi_mask)) & k40) {
    t->shape = Shape::kOther;
    t->bits = 0;
    return next;
  }
  const bool any_lower = (((lo & (lo << 1)) | (hi & (hi << 1))) & k40) != 0;
  if (!any_lower) {
    t->shape = len == 1 ? Shape::kInitial : Shape::kUpper;
  } else {
    t->shape = IsAsciiUpper(static_cast<unsigned char>(tx[i])) ? Shape::kTitle : Shape::kLower;
  }
  t->bits = g.LookupHash(NameGazetteer::Hash16(lo | (k20 & lo_mask), hi | (k20 & hi_mask), len));
  return next;
}

// Byte flags for the tokenizer's context checks, one table load each.
enum ContextBit : unsigned char {
  kGlueBit = 1,       // '@' '.' '_' '/' '\\': glues a word into an e-mail, URL or path
  kSentenceBit = 2,   // EndsSentence
  kGlueAfterBit = 4,  // the glue bytes but '.', after a word (a sentence may end in '.')
};
struct ContextTable {
  unsigned char bits[256];
  constexpr ContextTable() : bits{} {
    for (char c : {'@', '.', '_', '/', '\\'}) bits[static_cast<unsigned char>(c)] |= kGlueBit;
    for (char c : {'@', '_', '/', '\\'}) bits[static_cast<unsigned char>(c)] |= kGlueAfterBit;
    for (char c : {'.', '!', '?', ':', ';', '\n', '\r', '\t'}) {
      bits[static_cast<unsigned char>(c)] |= kSentenceBit;
    }
  }
};
constexpr ContextTable kContext;

bool IsGlue(char c) { return (kContext.bits[static_cast<unsigned char>(c)] & kGlueBit) != 0; }
bool IsGlueAfter(char c) {
  return (kContext.bits[static_cast<unsigned char>(c)] & kGlueAfterBit) != 0;
}
bool EndsSentence(char c) {
  return (kContext.bits[static_cast<unsigned char>(c)] & kSentenceBit) != 0;
}

bool IsNameBits(uint16_t b) { return (b & (kGiven | kSurname)) != 0; }
// A gazetteer name that is not also a common word (or is a frequent surname).
bool IsStrong(uint16_t b) {
  return IsNameBits(b) && ((b & kCommonWord) == 0 || (b & kFrequent) != 0) &&
         (b & (kCalendar | kStop)) == 0;
}

}  // namespace

absl::StatusOr<NameGazetteer> NameGazetteer::Parse(std::string_view tsv) {
  NameGazetteer g;
  absl::flat_hash_map<uint64_t, uint16_t> names;  // while parsing: duplicates merge
  int line_no = 0;
  while (!tsv.empty()) {
    ++line_no;
    size_t nl = tsv.find('\n');
    std::string_view line = tsv.substr(0, nl);
    tsv.remove_prefix(nl == std::string_view::npos ? tsv.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == 0 || tab == std::string_view::npos || tab + 1 == line.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("name gazetteer line ", line_no, ": expected name<TAB>flags"));
    }
    uint16_t bits = 0;
    for (char f : line.substr(tab + 1)) {
      switch (f) {
        case 'G': bits |= kGiven; break;
        case 'S': bits |= kSurname; break;
        case 'W': bits |= kCommonWord; break;
        case 'F': bits |= kFrequent; break;
        default:
          return absl::InvalidArgumentError(
              absl::StrCat("name gazetteer line ", line_no, ": unknown flag (use G S W F)"));
      }
    }
    names[Hash(line.substr(0, tab))] |= bits;
  }
  for (const BuiltIn& b : kBuiltIn) names[Hash(b.word)] |= b.bits;
  // At most a quarter full: a word in no list (most words) meets an empty slot
  // after 1.4 probes on average.
  size_t slots = 1024;
  while (slots < 4 * names.size()) slots *= 2;
  g.table_.assign(slots, 0);
  g.mask_ = slots - 1;
  for (const auto& [h, bits] : names) g.Add(h, bits);
  g.size_ = names.size();
  return g;
}

namespace {

// The gap between two tokens of one written name.
enum class Gap { kSpace, kComma, kPeriod, kOther };

Gap ClassifyGap(std::string_view gap) {
  if (gap.empty() || gap.size() > 3) return Gap::kOther;
  int commas = 0;
  int periods = 0;
  for (char c : gap) {
    if (c == ' ') continue;
    if (c == ',') {
      ++commas;
    } else if (c == '.') {
      ++periods;
    } else {
      return Gap::kOther;
    }
  }
  if (commas + periods > 1) return Gap::kOther;
  if (commas == 1) return gap[0] == ',' ? Gap::kComma : Gap::kOther;
  if (periods == 1) return gap[0] == '.' ? Gap::kPeriod : Gap::kOther;
  return Gap::kSpace;
}

// A gap a cue may be separated from its name by: spaces, ':' '-' '(' quotes, "." after "Mr".
bool CueGap(std::string_view gap) {
  if (gap.size() > 4) return false;
  for (char c : gap) {
    if (c != ' ' && c != ':' && c != '-' && c != '(' && c != '"' && c != '\'' && c != '.' &&
        c != ',') {
      return false;
    }
  }
  return true;
}

bool Candidate(const Token& t) {
  if (t.shape == Shape::kOther) return false;
  if ((t.bits & (kStop | kCueBefore | kCueAfter | kKnown)) != 0) return false;
  // A month that is also a given name ("June") may join a name, never make one alone.
  if ((t.bits & kPlaceWord) != 0 && !IsStrong(t.bits)) return false;
  if ((t.bits & kCalendar) != 0 && (t.bits & kGiven) == 0) return false;
  if (t.shape == Shape::kLower) return IsNameBits(t.bits) || (t.bits & kParticle) != 0;
  return true;
}

// Splits `text` into words (Token) with their gazetteer bits, shape and
// context flags; returns how many were written to `tokens` (room for
// text.size() / 2 + 1). Appends the index of each word that may start a cue
// rule to *cues, and of each capitalised given name that is also a cue or
// stop word ("Reg", "Nan", "Ed") to *structural_names. Kept out of line: the
// hot loop keeps its few variables in registers.
ABSL_ATTRIBUTE_NOINLINE size_t Tokenize(std::string_view text, const uint64_t* alnum,
                                        const NameGazetteer& g, Token* tokens,
                                        absl::InlinedVector<uint32_t, 16>* cues,
                                        absl::InlinedVector<uint32_t, 4>* structural_names) {
  const char* const tx = text.data();  // unchecked indexing in the hot loop
  const size_t n = text.size();
  size_t count = 0;
  constexpr uint16_t kAnyCue = kHomeCue | kCueBefore | kWeakCue | kNicknameCue;
  std::string key;
  size_t i = 0;
  while (i < n) {
    // Most words are followed by one space then the next word: step over it at once.
    if (tx[i] == ' ' && i + 1 < n) ++i;
    const auto c = static_cast<unsigned char>(tx[i]);
    const unsigned char skip = kSkip.cls[c];
    if (skip != kWordStartByte) {
      if (skip != kNonAsciiStart) {
        ++i;
        continue;
      }
      size_t len = 1;
      if (ClassifyAndFold(text, i, &len, nullptr) != NameChar::kLetter) {
        i += len;
        continue;
      }
    }
    // Filled in place.
    Token& t = tokens[count];
    // Fast path: a plain ASCII word (most of a narrative), folded by one table
    // load per byte and hashed; a word with a digit is never a name.
    size_t next = 0;
    if (skip == kWordStartByte) {
      next = ReadShortAsciiWord(tx, n, i, alnum, g, &t);
      if (next == 0) next = ReadAsciiWord(tx, n, i, g, &t);
    }
    if (next == 0) {
      next = ReadWord(text, i, &t, &key);
      t.bits = t.shape == Shape::kOther ? 0 : LookupKey(g, key);
    }
    if (t.shape == Shape::kOther) {
      // A word with a digit (a time, date, phone, plate ...): no bits, never a candidate.
      t.candidate = false;
    } else {
      // A word glued to the one before or after by '@', '.', '/', '_' (e-mails,
      // URLs, paths) is not a name.
      const bool glued = t.begin > 1 && IsGlue(tx[t.begin - 1]) &&
                         static_cast<unsigned char>(tx[t.begin - 2]) > ' ';
      if (glued || (t.end < n && IsGlueAfter(tx[t.end]))) t.shape = Shape::kOther;
      if (t.bits == 0) {
        // A word no list holds (most words): a candidate when capitalised.
        t.candidate = t.shape != Shape::kLower && t.shape != Shape::kOther;
      } else {
        t.candidate = Candidate(t);
        if (t.bits & kAnyCue) cues->push_back(static_cast<uint32_t>(count));
        if ((t.bits & kGiven) && (t.bits & (kStop | kCueBefore)) &&
            (t.shape == Shape::kTitle || t.shape == Shape::kUpper)) {
          structural_names->push_back(static_cast<uint32_t>(count));
        }
      }
    }
    ++count;
    i = std::max(next, i + 1);
  }
  return count;
}

}  // namespace

void FindNamesWithoutHints(std::string_view text, const ScanEvents& events,
                           const NameGazetteer& g,
                           absl::InlinedVector<std::pair<size_t, size_t>, 8>* names,
                           absl::InlinedVector<std::pair<size_t, size_t>, 8>* addresses) {
  const size_t n = text.size();
  // Per-thread scratch, reused across calls: no allocation once warm, no
  // construction of its tokens and no capacity check per token (a token is at
  // least one byte and is followed by one that is in no token, so a text of n
  // bytes has at most n / 2 + 1). Trimmed after an unusually long text.
  struct TokenScratch {
    std::unique_ptr<Token[]> tokens;
    size_t capacity = 0;
  };
  thread_local TokenScratch scratch;
  const size_t max_tokens = n / 2 + 1;
  if (scratch.capacity < max_tokens || (scratch.capacity > 4096 && max_tokens <= 4096)) {
    scratch.capacity = std::max<size_t>(max_tokens, 256);
    scratch.tokens.reset(new Token[scratch.capacity]);
  }
  Token* const tokens = scratch.tokens.get();
  absl::InlinedVector<uint32_t, 16> cues;  // tokens that may start a cue rule
  // Capitalised given names that are also cue or stop words ("Reg", "Nan", "Ed").
  absl::InlinedVector<uint32_t, 4> structural_names;
  const size_t count = Tokenize(text, events.alnum.data(), g, tokens, &cues, &structural_names);
  const Token* const tk = tokens;
  auto gap = [&](size_t a, size_t b) {  // text between tokens a and b (a < b)
    size_t from = tk[a].end;
    if (tk[a].possessive) {
      // Past the apostrophe (' or a 3-byte ’) and the 's'.
      from += static_cast<unsigned char>(text[from]) < 0x80 ? 2 : 4;
      from = std::min(from, tk[b].begin);
    }
    return text.substr(from, tk[b].begin > from ? tk[b].begin - from : 0);
  };
  // Whether token m starts a sentence: after '.', '!', '?', ':', ';' or a line
  // break, but not after an initial or "Mr." / "Dr." / "St.". Asked of few
  // words, so the byte it depends on is found only then: the last one before
  // the word that is not a space, quote or '(' (the end of the word before, a
  // punctuation mark, or none).
  auto sentence_start = [&](size_t m) {
    size_t p = tk[m].begin;
    while (p > 0 && kSkip.cls[static_cast<unsigned char>(text[p - 1])] == kOpenerSkip) --p;
    if (p == 0) return true;
    const size_t sig = p - 1;
    if (!EndsSentence(text[sig])) return false;
    const bool after_short = m >= 1 && tk[m - 1].end == sig && sig - tk[m - 1].begin <= 2;
    return !(text[sig] == '.' && after_short);
  };
  size_t k = 0;
  while (k < count) {
    if (!tk[k].candidate) {
      ++k;
      continue;
    }
    const bool after_cue = k > 0 && (tk[k - 1].bits & kCueBefore) && !tk[k - 1].possessive;
    // Grow a chain [k, e).
    size_t e = k + 1;
    bool comma_used = false;
    while (e < count && e - k < 5 && !tk[e - 1].possessive &&
           (tk[e].candidate ||
            // A particle is followed by a name part, listed or not: "rhys ap gwilym".
            ((tk[e - 1].bits & kParticle) && tk[e].shape != Shape::kOther &&
             (tk[e].bits & (kStop | kCueBefore | kCueAfter)) == 0))) {
      const Gap gp = ClassifyGap(gap(e - 1, e));
      const Token& prev = tk[e - 1];
      const Token& cur = tk[e];
      if (gp == Gap::kSpace) {
        // A lower-case word joins only a lower-case name ("oliver smith").
        if ((cur.shape == Shape::kLower) != (prev.shape == Shape::kLower) &&
            (prev.bits & kParticle) == 0 && (cur.bits & kParticle) == 0) {
          break;
        }
      } else if (gp == Gap::kPeriod) {
        if (prev.shape != Shape::kInitial) break;
      } else if (gp == Gap::kComma) {
        // "SMITH, Oliver" / "Smith, Oliver": a surname then a given name, once.
        const bool surname_first = prev.shape == Shape::kUpper || (prev.bits & kSurname) ||
                                   (prev.shape == Shape::kTitle && IsStrong(cur.bits));
        // After a cue ("Victim Llewellyn-Price, Dafydd") the given name need not be listed.
        const bool given_second = (cur.bits & kGiven) || after_cue ||
                                  (prev.shape == Shape::kUpper && IsStrong(prev.bits));
        if (comma_used || !surname_first || !given_second || cur.shape == Shape::kLower) {
          break;
        }
        comma_used = true;
      } else {
        break;
      }
      ++e;
    }
    // Context.
    const Token* before = k > 0 ? &tk[k - 1] : nullptr;
    std::string_view gap_before = before ? gap(k - 1, k) : std::string_view();
    const bool cue_before =
        before != nullptr && (before->bits & kCueBefore) && !before->possessive &&
        CueGap(gap_before);
    const bool known_as = before != nullptr && k >= 2 && (before->bits & kNicknameCue) &&
                          CueGap(gap_before) && (tk[k - 2].bits & kKnown) != 0;
    const Token* after = e < count ? &tk[e] : nullptr;
    const std::string_view gap_after = after ? gap(e - 1, e) : std::string_view();
    const bool cue_after = after != nullptr && (after->bits & kCueAfter) &&
                           ClassifyGap(gap_after) == Gap::kSpace &&
                           tk[e - 1].shape != Shape::kLower;
    const bool place_after = after != nullptr && (after->bits & kPlaceWord) &&
                             ClassifyGap(gap_after) == Gap::kSpace;
    const bool place_before = before != nullptr && (before->bits & kPlaceBefore) &&
                              ClassifyGap(gap_before) == Gap::kSpace;
    bool chain_named = false;
    for (size_t m = k; m < e; ++m) chain_named |= IsNameBits(tk[m].bits);
    // "hit by MAŁGORZATA NOWAK": two capitalised words, or a listed one ("by Leeds" stays).
    const bool weak_cue = before != nullptr && (before->bits & kWeakCue) &&
                          ClassifyGap(gap_before) == Gap::kSpace &&
                          tk[k].shape != Shape::kLower && (chain_named || e - k >= 2);
    // "Holywell Hill": a chain ending in a place word, with no given name before it.
    bool place_end = false;
    if (e - k >= 2 && (tk[e - 1].bits & kPlaceWord) != 0) {
      place_end = true;
      for (size_t m = k; m + 1 < e; ++m) {
        if (IsStrong(tk[m].bits) && (tk[m].bits & kGiven)) place_end = false;
      }
    }
    const bool of_before = before != nullptr && before->shape == Shape::kLower &&
                           text.substr(before->begin, before->end - before->begin) == "of" &&
                           e - k == 1;

    // Trim leading words that carry no evidence (a sentence-initial "Later").
    size_t s = k;
    if (!cue_before && !known_as && weak_cue && !(place_after || place_end)) {
      // After "hit by" / "states": the capitalised chain is a name.
    } else if (cue_after && !cue_before && !known_as) {
      // "Later Xyvor Plumtree states": a sentence-initial word with no evidence is not a name.
      if (e - k >= 2 && sentence_start(k) && !IsNameBits(tk[k].bits)) s = k + 1;
    } else if (!cue_before && !known_as) {
      while (s < e && !IsNameBits(tk[s].bits) && tk[s].shape == Shape::kTitle &&
             (tk[s].bits & kParticle) == 0 && (s == k ? sentence_start(s) : true) &&
             s + 1 < e) {
        ++s;
      }
    }
    bool emit = false;
    if (s >= e) {
      emit = false;
    } else if (cue_before || known_as || cue_after) {
      emit = true;
    } else if (place_after || place_before || of_before || place_end) {
      emit = false;
    } else if (weak_cue) {
      emit = true;
    } else if (s < e) {
      int strong = 0;
      int named = 0;
      int parts = 0;
      bool any_lower = false;
      for (size_t m = s; m < e; ++m) {
        const Token& t = tk[m];
        if (t.bits & kParticle) continue;
        ++parts;
        strong += IsStrong(t.bits) ? 1 : 0;
        const bool after_particle = m > s && (tk[m - 1].bits & kParticle);
        named += (IsNameBits(t.bits) || after_particle) ? 1 : 0;
        any_lower |= t.shape == Shape::kLower;
      }
      const Token& first = tk[s];
      const bool lower_after_cue = before != nullptr && (before->bits & kWeakCue) &&
                                   ClassifyGap(gap_before) == Gap::kSpace;
      if (any_lower) {
        // "oliver smith": every word a name, the first a given name, two at least.
        emit = parts >= 2 && named == parts && (first.bits & kGiven) && IsStrong(first.bits);
        if (!emit && lower_after_cue && e - s >= 2 && (first.bits & kGiven) &&
            (first.bits & kStop) == 0) {
          // "hit by mac doudigan": a given name then name parts after a cue.
          int ok_words = 0;
          for (size_t m = s; m < e; ++m) {
            ok_words += IsNameBits(tk[m].bits) || (tk[m].bits & kParticle) ||
                        (m > s && (tk[m - 1].bits & kParticle));
          }
          emit = ok_words == static_cast<int>(e - s);
        }
      } else if (parts >= 2) {
        emit = strong >= 1;
      } else if (parts == 1) {
        size_t only = s;
        while (only + 1 < e && (tk[only].bits & kParticle) != 0) ++only;
        const Token& t = tk[only];
        if (t.shape == Shape::kInitial) {
          emit = false;
        } else if (IsStrong(t.bits)) {
          emit = (t.bits & kCommonWord) == 0 || !sentence_start(only);
        }
      }
    }
    if (emit) {
      // Nicknames after "aka" / "known as" may be any case: take the next word.
      size_t from = (cue_before || known_as) ? k : s;
      size_t to = e;
      const size_t end_byte = tk[to - 1].end;
      names->emplace_back(tk[from].begin, end_byte);
    }
    k = e;
  }

  // A given name that is also a cue or stop word ("Reg", "Nan", "Ed") is a
  // name when its context says so: after "SURNAME," ("SAMPATH, Reg"), right
  // after a cue ("NOK Nan", "Victim Reg"), or before a listed surname ("Nan
  // Dungan").
  for (const uint32_t idx : structural_names) {
    const size_t m = idx;
    const Token& t = tk[m];
    // The name goes on into a capitalised candidate after it ("Nan Dungan").
    const bool next_joins = m + 1 < count && !t.possessive && tk[m + 1].candidate &&
                            tk[m + 1].shape != Shape::kLower &&
                            ClassifyGap(gap(m, m + 1)) == Gap::kSpace;
    if (m > 0) {
      const Token& prev = tk[m - 1];
      const std::string_view gp = gap(m - 1, m);
      if (ClassifyGap(gp) == Gap::kComma && !prev.possessive &&
          (prev.shape == Shape::kUpper || (prev.bits & kSurname)) && prev.candidate) {
        names->emplace_back(t.begin, t.end);
        continue;
      }
      if ((prev.bits & kCueBefore) && !prev.possessive && CueGap(gp)) {
        names->emplace_back(t.begin, next_joins ? tk[m + 1].end : t.end);
        continue;
      }
    }
    if (next_joins && (tk[m + 1].bits & kSurname)) names->emplace_back(t.begin, tk[m + 1].end);
  }

  // The rules that start at a cue word, in one pass over the tokens.
  for (const uint32_t cue : cues) {
    const size_t m = cue;
    if (m + 1 >= count) break;
    const uint16_t cue_bits = tk[m].bits;
    const bool possessive = tk[m].possessive;

    // Home addresses without a house number: a cue ("lives at", "address:"),
    // then up to three capitalised words ending in a street word.
    if (cue_bits & kHomeCue) {
      size_t a = m + 1;
      // "lives at", "resides on", "home address:"
      while (a < count && a <= m + 2 && tk[a].shape == Shape::kLower &&
             (tk[a].bits & (kStop | kHomeCue)) != 0) {
        ++a;
      }
      if (a < count && (tk[a].shape == Shape::kTitle || tk[a].shape == Shape::kUpper) &&
          CueGap(gap(a - 1, a)) && (tk[a].bits & kPlaceBefore & ~kPlaceWord) == 0) {
        for (size_t z = a + 1; z < count && z <= a + 3; ++z) {
          if (ClassifyGap(gap(z - 1, z)) != Gap::kSpace || tk[z].shape == Shape::kLower ||
              tk[z].shape == Shape::kOther) {
            break;
          }
          if (tk[z].bits & kPlaceWord) {
            addresses->emplace_back(tk[a].begin, tk[z].end);
            break;
          }
        }
      }
    }

    // After a cue, a lower-case word no list holds followed by a lower-case
    // surname: "Pt dafydd llewellyn-price".
    if ((cue_bits & (kCueBefore | kWeakCue)) != 0 && !possessive && m + 2 < count) {
      const Token& a = tk[m + 1];
      const Token& b = tk[m + 2];
      if (a.shape == Shape::kLower && b.shape == Shape::kLower) {
        // One listed, the other in no list: "dafydd llewellyn-price", "chloé d'souza".
        const bool a_name = IsNameBits(a.bits) && (a.bits & (kStop | kCueAfter | kPlaceWord)) == 0;
        const bool b_name = IsNameBits(b.bits) && (b.bits & (kStop | kCueAfter | kPlaceWord)) == 0;
        // A given name that is also a cue or stop word: "hit by reg pietrak".
        const bool a_structural_given = (a.bits & kGiven) && (a.bits & (kStop | kCueBefore));
        if ((((a.bits == 0 || a_structural_given) && b_name && (b.bits & kSurname)) ||
             (a_name && b.bits == 0 && b.joined)) &&
            CueGap(gap(m, m + 1)) && ClassifyGap(gap(m + 1, m + 2)) == Gap::kSpace) {
          names->emplace_back(a.begin, b.end);
        }
      }
    }

    // A cue then a capitalised given name that is also a word: "NOK June", "Mrs May".
    if ((cue_bits & kCueBefore) != 0 && !possessive) {
      const Token& t = tk[m + 1];
      if ((t.shape == Shape::kTitle || t.shape == Shape::kUpper) && (t.bits & kGiven) != 0 &&
          (t.bits & (kCalendar | kCommonWord)) != 0 && (t.bits & (kStop | kCueBefore)) == 0 &&
          CueGap(gap(m, m + 1))) {
        names->emplace_back(t.begin, t.end);
      }
    }

    // Nickname cues followed by a lower-case or unknown word: "aka tommo".
    if ((cue_bits & kNicknameCue) != 0 &&
        ((cue_bits & kCueBefore) != 0 || (m > 0 && (tk[m - 1].bits & kKnown) != 0))) {
      const Token& t = tk[m + 1];
      if (t.shape != Shape::kOther && (t.bits & (kStop | kCueBefore)) == 0 &&
          CueGap(gap(m, m + 1))) {
        names->emplace_back(t.begin, t.end);
      }
    }
  }
}

}  // namespace accord::policy::redact_internal
