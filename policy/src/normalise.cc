#include "accord/policy/normalise.h"

#include <algorithm>
#include <cstring>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/time/civil_time.h"

namespace accord::policy {
namespace {

constexpr size_t kMaxNameBytes = 1024;
constexpr size_t kMaxEmailBytes = 254;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// Decodes one code point at text[*pos]; advances *pos. False on malformed input.
bool DecodeUtf8(std::string_view text, size_t* pos, char32_t* cp) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = *pos;
  const size_t n = text.size();
  unsigned char c = s[i];
  if (c < 0x80) {
    *cp = c;
    *pos = i + 1;
    return true;
  }
  int len;
  char32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, min = 0x80, *cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, min = 0x800, *cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, min = 0x10000, *cp = c & 0x07;
  } else {
    return false;
  }
  if (n - i < static_cast<size_t>(len)) return false;
  for (int k = 1; k < len; ++k) {
    unsigned char cc = s[i + k];
    if ((cc & 0xC0) != 0x80) return false;
    *cp = (*cp << 6) | (cc & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return false;
  *pos = i + len;
  return true;
}

// How one code point contributes to a normalised name.
enum class NameClass { kKeep, kFold, kDrop, kBreak };

// Folding table for U+00C0..U+00FF; nullptr marks a word break (× ÷).
constexpr const char* kLatin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};

// Folding of Latin Extended-A (U+0100..U+017F), as ranges of code points.
struct FoldRange {
  char32_t first;
  char32_t last;
  const char* ascii;
};
constexpr FoldRange kLatinExtA[] = {
    {0x0100, 0x0105, "a"}, {0x0106, 0x010D, "c"}, {0x010E, 0x0111, "d"},
    {0x0112, 0x011B, "e"}, {0x011C, 0x0123, "g"}, {0x0124, 0x0127, "h"},
    {0x0128, 0x0131, "i"}, {0x0132, 0x0133, "ij"}, {0x0134, 0x0135, "j"},
    {0x0136, 0x0138, "k"}, {0x0139, 0x0142, "l"}, {0x0143, 0x014B, "n"},
    {0x014C, 0x0151, "o"}, {0x0152, 0x0153, "oe"}, {0x0154, 0x0159, "r"},
    {0x015A, 0x0161, "s"}, {0x0162, 0x0167, "t"}, {0x0168, 0x0173, "u"},
    {0x0174, 0x0175, "w"}, {0x0176, 0x0178, "y"}, {0x0179, 0x017E, "z"},
    {0x017F, 0x017F, "s"}};

NameClass ClassifyNameCodePoint(char32_t cp, const char** fold) {
  if (cp < 0x80) {
    if (cp == '\'' || cp == '`') return NameClass::kDrop;
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) return NameClass::kKeep;
    if (cp >= 'A' && cp <= 'Z') return NameClass::kFold;  // lower-cased by caller
    return NameClass::kBreak;
  }
  if (cp < 0xC0) return (cp == 0xB4 || cp == 0xAD) ? NameClass::kDrop : NameClass::kBreak;
  if (cp <= 0xFF) {
    *fold = kLatin1[cp - 0xC0];
    return *fold == nullptr ? NameClass::kBreak : NameClass::kFold;
  }
  if (cp <= 0x17F) {
    for (const FoldRange& r : kLatinExtA) {
      if (cp >= r.first && cp <= r.last) {
        *fold = r.ascii;
        return NameClass::kFold;
      }
    }
    return NameClass::kKeep;  // unreachable: the table covers the block
  }
  if (cp >= 0x02B0 && cp <= 0x036F) return NameClass::kDrop;  // modifiers, combining marks
  if (cp == 0x2018 || cp == 0x2019 || cp == 0x201B || cp == 0x2032 || cp == 0xFEFF) {
    return NameClass::kDrop;
  }
  if (cp >= 0x2000 && cp <= 0x206F) return NameClass::kBreak;  // general punctuation
  if (cp == 0x3000) return NameClass::kBreak;                   // ideographic space
  if (cp >= 0x1AB0 && cp <= 0x1AFF) return NameClass::kDrop;    // more combining marks
  if (cp >= 0x1DC0 && cp <= 0x1DFF) return NameClass::kDrop;
  if (cp >= 0x20D0 && cp <= 0x20FF) return NameClass::kDrop;
  if (cp >= 0xFE20 && cp <= 0xFE2F) return NameClass::kDrop;
  return NameClass::kKeep;
}

// Removes leading/trailing ASCII whitespace.
std::string_view Trim(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (!s->starts_with(prefix)) return false;
  s->remove_prefix(prefix.size());
  return true;
}

// Parses exactly `n` ASCII digits.
bool ParseDigits(std::string_view s, int* out) {
  int v = 0;
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Shape check of a compact, upper-case postcode.
bool IsPostcodeShape(std::string_view p) {
  if (p == "GIR0AA") return true;
  if (p.size() < 5 || p.size() > 7) return false;
  std::string_view in = p.substr(p.size() - 3);
  if (!IsDigit(in[0]) || !IsUpper(in[1]) || !IsUpper(in[2])) return false;
  // Outward code: A9 A99 AA9 AA99 A9A AA9A, written as a letter/digit pattern.
  std::string shape;
  for (char c : p.substr(0, p.size() - 3)) {
    if (IsUpper(c)) {
      shape += 'A';
    } else if (IsDigit(c)) {
      shape += '9';
    } else {
      return false;
    }
  }
  return shape == "A9" || shape == "A99" || shape == "AA9" || shape == "AA99" ||
         shape == "A9A" || shape == "AA9A";
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t pos = 0;
  char32_t cp;
  while (pos < text.size()) {
    // ASCII fast path, eight bytes at a time: most text in records is ASCII.
    while (pos + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + pos, 8);
      if (word & 0x8080808080808080ULL) break;
      pos += 8;
    }
    if (pos >= text.size()) break;
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    if (!DecodeUtf8(text, &pos, &cp)) return false;
  }
  return true;
}

bool IsValidNhsNumber(std::string_view d) {
  if (d.size() != 10) return false;
  int sum = 0;
  for (size_t i = 0; i < 10; ++i) {
    if (!IsDigit(d[i])) return false;
    if (i < 9) sum += (d[i] - '0') * static_cast<int>(10 - i);
  }
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return false;
  return check == d[9] - '0';
}

absl::StatusOr<std::string> NormaliseNhsNumber(std::string_view text) {
  char digits[10];
  size_t n = 0;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    if (!IsDigit(c)) return absl::InvalidArgumentError("NHS number contains a character other than digits, spaces and hyphens");
    if (n == 10) return absl::InvalidArgumentError("NHS number has more than 10 digits");
    digits[n++] = c;
  }
  if (n != 10) return absl::InvalidArgumentError("NHS number does not have 10 digits");
  std::string_view d(digits, 10);
  if (!IsValidNhsNumber(d)) return absl::InvalidArgumentError("NHS number check digit is invalid");
  return std::string(d);
}

absl::StatusOr<std::string> NormalisePostcode(std::string_view text) {
  std::string out;
  out.reserve(8);
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) continue;
    if (out.size() == 7) return absl::InvalidArgumentError("postcode is too long");
    out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  if (!IsPostcodeShape(out)) return absl::InvalidArgumentError("postcode is not a UK postcode shape");
  return out;
}

absl::StatusOr<std::string> FormatPostcode(std::string_view text) {
  auto compact = NormalisePostcode(text);
  if (!compact.ok()) return compact.status();
  std::string out = std::move(*compact);
  out.insert(out.size() - 3, 1, ' ');
  return out;
}

absl::StatusOr<std::string> NormaliseName(std::string_view utf8) {
  if (utf8.size() > kMaxNameBytes) return absl::InvalidArgumentError("name is too long");
  std::string out;
  out.reserve(utf8.size());
  bool pending_break = false;
  size_t pos = 0;
  while (pos < utf8.size()) {
    size_t start = pos;
    char32_t cp;
    if (!DecodeUtf8(utf8, &pos, &cp)) return absl::InvalidArgumentError("name is not valid UTF-8");
    const char* fold = nullptr;
    NameClass cls = ClassifyNameCodePoint(cp, &fold);
    if (cls == NameClass::kDrop) continue;
    if (cls == NameClass::kBreak) {
      pending_break = !out.empty();
      continue;
    }
    if (pending_break) {
      out.push_back(' ');
      pending_break = false;
    }
    if (cls == NameClass::kKeep) {
      out.append(utf8.substr(start, pos - start));
    } else if (fold != nullptr) {
      out.append(fold);
    } else {
      out.push_back(static_cast<char>(cp - 'A' + 'a'));
    }
  }
  if (out.empty()) return absl::InvalidArgumentError("name has no letters or digits");
  return out;
}

absl::StatusOr<std::string> NormaliseNameForLinkage(std::string_view utf8) {
  absl::StatusOr<std::string> name = NormaliseName(utf8);
  if (!name.ok()) return name.status();
  static constexpr std::string_view kParticles[] = {
      "ab", "ap", "da", "de", "del", "della", "den", "der", "du", "la", "le",
      "mc", "ni", "nic", "o", "ter", "ten", "van", "von"};
  auto is_particle = [](std::string_view w) {
    for (std::string_view p : kParticles) {
      if (w == p) return true;
    }
    return false;
  };
  std::vector<std::string> words;
  std::string pending;  // particles waiting for the next word
  std::string_view rest = *name;
  while (!rest.empty()) {
    const size_t space = rest.find(' ');
    std::string_view w = rest.substr(0, space);
    rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
    if (is_particle(w) && !rest.empty()) {
      pending.append(w);
      continue;
    }
    pending.append(w);
    words.push_back(std::move(pending));
    pending.clear();
  }
  std::sort(words.begin(), words.end());
  std::string out;
  out.reserve(name->size());
  for (const std::string& w : words) {
    if (!out.empty()) out.push_back(' ');
    out.append(w);
  }
  return out;
}

std::vector<std::string> NameTokens(std::string_view utf8) {
  auto name = NormaliseName(utf8);
  if (!name.ok()) return {};
  std::vector<std::string> out;
  std::string_view rest = *name;
  for (size_t sp; (sp = rest.find(' ')) != std::string_view::npos; rest.remove_prefix(sp + 1)) {
    out.emplace_back(rest.substr(0, sp));
  }
  out.emplace_back(rest);
  return out;
}

absl::StatusOr<std::string> NormalisePhone(std::string_view text) {
  char compact[20];  // on the stack: a phone number never needs the heap here
  size_t size = 0;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\t') continue;
    if (size == sizeof(compact)) return absl::InvalidArgumentError("phone number is too long");
    compact[size++] = c;
  }
  std::string_view rest(compact, size);
  bool international = false;
  if (ConsumePrefix(&rest, "+44") || ConsumePrefix(&rest, "0044")) {
    international = true;
  } else if (!rest.empty() && rest[0] == '+') {
    return absl::InvalidArgumentError("phone number is not a UK number");
  } else if (rest.size() >= 2 && rest[0] == '0' && rest[1] == '0') {
    return absl::InvalidArgumentError("phone number is not a UK number");
  }
  if (international) ConsumePrefix(&rest, "0");  // "+44 (0)1727 ..."
  std::string out;
  if (international) out.push_back('0');
  for (char c : rest) {
    if (!IsDigit(c)) return absl::InvalidArgumentError("phone number contains a character other than digits and separators");
    out.push_back(c);
  }
  if (out.size() < 10 || out.size() > 11) return absl::InvalidArgumentError("phone number does not have 10 or 11 digits");
  if (out[0] != '0' || out[1] == '0') return absl::InvalidArgumentError("phone number is not in UK national form");
  return out;
}

absl::StatusOr<std::string> NormaliseEmail(std::string_view text) {
  std::string_view t = Trim(text);
  if (t.size() > kMaxEmailBytes) return absl::InvalidArgumentError("e-mail address is too long");
  if (!IsValidUtf8(t)) return absl::InvalidArgumentError("e-mail address is not valid UTF-8");
  std::string out(t.size(), '\0');
  int ats = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return absl::InvalidArgumentError("e-mail address contains whitespace or a control character");
    if (c == '@') ++ats;
    out[i] = static_cast<char>(absl::ascii_tolower(u));
  }
  size_t at = out.find('@');
  if (ats != 1 || at == 0 || at + 1 == out.size()) {
    return absl::InvalidArgumentError("e-mail address is not of the form local@domain");
  }
  return out;
}

absl::StatusOr<std::string> NormaliseDate(std::string_view text) {
  std::string_view t = Trim(text);
  int y = 0, m = 0, d = 0;
  bool parsed = false;
  if (t.size() == 10 && t[4] == '-' && t[7] == '-') {
    parsed = ParseDigits(t.substr(0, 4), &y) && ParseDigits(t.substr(5, 2), &m) &&
             ParseDigits(t.substr(8, 2), &d);
  } else if (t.size() == 10 && t[2] == '/' && t[5] == '/') {
    parsed = ParseDigits(t.substr(0, 2), &d) && ParseDigits(t.substr(3, 2), &m) &&
             ParseDigits(t.substr(6, 4), &y);
  }
  if (!parsed) return absl::InvalidArgumentError("date is not YYYY-MM-DD or DD/MM/YYYY");
  absl::CivilDay day(y, m, d);
  if (y < 1 || day.year() != y || day.month() != m || day.day() != d) {
    return absl::InvalidArgumentError("date is not a calendar date");
  }
  std::string out(10, '0');
  auto put = [&out](size_t at, int v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) out[at + i] = static_cast<char>('0' + v % 10);
  };
  put(0, y, 4);
  out[4] = '-';
  put(5, m, 2);
  out[7] = '-';
  put(8, d, 2);
  return out;
}

}  // namespace accord::policy
