#include "accord/policy/redactor.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"
#include "redactor_names.h"
#include "redactor_patterns.h"

namespace accord::policy {
namespace {

namespace ri = redact_internal;

constexpr std::array<std::string_view, 10> kPlaceholders = {
    "[NAME]", "[PHONE]", "[EMAIL]", "[POSTCODE]", "[NHS_NUMBER]", "[NI_NUMBER]",
    "[VEHICLE_REG]", "[DOB]", "[ADDRESS]", "[IDENTIFIER]"};

struct AlnumTable {
  bool is_alnum[256];
  constexpr AlnumTable() : is_alnum{} {
    for (int c = 0; c < 256; ++c) {
      is_alnum[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
  }
};
constexpr AlnumTable kAlnum;
bool IsAsciiAlnum(unsigned char c) { return kAlnum.is_alnum[c]; }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
unsigned char At(std::string_view text, size_t i) {
  return i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
}
unsigned char Lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c | 0x20) : c;
}

// A stretch of the text to be replaced. `known` spans come from the record's
// own identifiers and win ties against pattern spans.
struct Span {
  size_t begin;
  size_t end;
  IdentifierKind kind;
  bool known;
};
using Spans = absl::InlinedVector<Span, 16>;

// True when `text` at `pos` starts with one of our placeholders.
size_t PlaceholderAt(std::string_view text, size_t pos) {
  std::string_view rest = text.substr(pos);
  for (std::string_view p : kPlaceholders) {
    if (rest.size() >= p.size() && rest.compare(0, p.size(), p) == 0) return p.size();
  }
  return 0;
}

// The positions, in increasing order, of the bytes of `text` equal to a
// lower-case byte or to its upper-case form: memchr (vectorised) instead of a
// byte-by-byte loop, as most of the text cannot start the value looked for.
class CaselessByteFinder {
 public:
  CaselessByteFinder(std::string_view text, unsigned char lower)
      : text_(text),
        lower_(lower),
        upper_(lower >= 'a' && lower <= 'z' ? static_cast<unsigned char>(lower - 0x20) : lower),
        next_lower_(Find(lower_, 0)),
        next_upper_(upper_ == lower_ ? next_lower_ : Find(upper_, 0)) {}

  // The first position >= `from` holding either byte; text.size() if none.
  // Calls must not decrease `from`.
  size_t Next(size_t from) {
    if (next_lower_ < from) next_lower_ = Find(lower_, from);
    if (upper_ == lower_) return next_lower_;
    if (next_upper_ < from) next_upper_ = Find(upper_, from);
    return std::min(next_lower_, next_upper_);
  }

 private:
  size_t Find(unsigned char c, size_t from) const {
    if (from >= text_.size()) return text_.size();
    const void* p = std::memchr(text_.data() + from, c, text_.size() - from);
    return p == nullptr ? text_.size() : static_cast<const char*>(p) - text_.data();
  }

  std::string_view text_;
  unsigned char lower_;
  unsigned char upper_;
  size_t next_lower_;
  size_t next_upper_;
};

// ---------------------------------------------------------------------------
// Known phone and NHS numbers: compared digit by digit, ignoring separators.

constexpr size_t kMaxDigits = 20;

struct DigitTarget {
  char digits[kMaxDigits];
  size_t size = 0;
  IdentifierKind kind;
};

// Phone numbers in their national form: "+44 (0)7700 900123", "0044 7700..."
// and "07700 900123" all become "07700900123". Other international numbers
// keep their country code behind a '+'.
size_t NormalisePhone(const char* digits, size_t n, bool plus, char* out) {
  size_t skip = 0;
  bool intl = plus;
  if (!plus && n >= 2 && digits[0] == '0' && digits[1] == '0') {
    intl = true;
    skip = 2;
  }
  size_t size = 0;
  if (intl) {
    if (n - skip >= 2 && digits[skip] == '4' && digits[skip + 1] == '4') {
      skip += 2;
      if (skip >= n || digits[skip] != '0') out[size++] = '0';
    } else {
      out[size++] = '+';
    }
  }
  for (size_t i = skip; i < n; ++i) out[size++] = digits[i];
  return size;
}

// Builds the target for a known phone/NHS value; false if the value is not
// made only of digits and the usual separators (it is then matched verbatim).
bool MakeDigitTarget(std::string_view value, IdentifierKind kind, DigitTarget* t) {
  char digits[kMaxDigits];
  size_t n = 0;
  bool plus = false;
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (IsDigit(c)) {
      if (n == kMaxDigits - 1) return false;
      digits[n++] = static_cast<char>(c);
    } else if (c == '+' && n == 0) {
      plus = true;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
      return false;
    }
  }
  if (n < 6) return false;
  t->kind = kind;
  if (kind == IdentifierKind::kPhone) {
    t->size = NormalisePhone(digits, n, plus, t->digits);
  } else {
    std::memcpy(t->digits, digits, n);
    t->size = n;
  }
  return true;
}

// The longest known phone/NHS number starting at `i` (a digit, '+' or '('
// not preceded by a letter or digit); its end, or 0.
size_t MatchDigitTargetsAt(std::string_view text, size_t i,
                           absl::Span<const DigitTarget> targets, IdentifierKind* kind) {
  const size_t n = text.size();
  const auto c = static_cast<unsigned char>(text[i]);
  char digits[kMaxDigits];
  char norm[kMaxDigits + 1];
  size_t nd = 0;
  int seps = 0;
  size_t best_end = 0;
  const bool plus = c == '+';
  size_t j = plus ? i + 1 : i;
  for (; j < n && j - i < 40; ++j) {
    const auto d = static_cast<unsigned char>(text[j]);
    if (IsDigit(d)) {
      if (nd == kMaxDigits - 1) break;
      digits[nd++] = static_cast<char>(d);
      seps = 0;
      if (j + 1 < n && IsAsciiAlnum(static_cast<unsigned char>(text[j + 1]))) continue;
      size_t norm_size = 0;
      bool have_norm = false;
      for (const DigitTarget& t : targets) {
        if (t.kind == IdentifierKind::kPhone) {
          if (!have_norm) {
            norm_size = NormalisePhone(digits, nd, plus, norm);
            have_norm = true;
          }
          if (norm_size == t.size && std::memcmp(norm, t.digits, t.size) == 0) {
            best_end = j + 1;
            *kind = t.kind;
          }
        } else if (!plus && nd == t.size && std::memcmp(digits, t.digits, nd) == 0) {
          best_end = j + 1;
          *kind = t.kind;
        }
      }
    } else if (d == ' ' || d == '-' || d == '(' || d == ')' || d == '.') {
      if (++seps > 2) break;
    } else {
      break;
    }
  }
  return best_end;
}

// ---------------------------------------------------------------------------
// Known postcodes, NI numbers and registrations: letters and digits compared
// case-insensitively, spaces and hyphens ignored.

struct AlnumTarget {
  char chars[24];
  size_t size = 0;
  IdentifierKind kind;
};

bool MakeAlnumTarget(std::string_view value, IdentifierKind kind, AlnumTarget* t) {
  t->size = 0;
  t->kind = kind;
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsAsciiAlnum(c)) {
      if (t->size == sizeof(t->chars)) return false;
      t->chars[t->size++] = static_cast<char>(Lower(c));
    } else if (c != ' ' && c != '-') {
      return false;
    }
  }
  return t->size >= 2;
}

void MatchAlnumTarget(std::string_view text, const AlnumTarget& t, Spans* spans) {
  const size_t n = text.size();
  CaselessByteFinder starts(text, static_cast<unsigned char>(t.chars[0]));
  for (size_t i = starts.Next(0); i < n; i = starts.Next(i + 1)) {
    if (i > 0 && IsAsciiAlnum(static_cast<unsigned char>(text[i - 1]))) continue;
    size_t j = i + 1;
    size_t k = 1;
    while (k < t.size && j < n) {
      int seps = 0;
      while (j < n && (text[j] == ' ' || text[j] == '-') && seps < 2) {
        ++j;
        ++seps;
      }
      if (j < n && Lower(static_cast<unsigned char>(text[j])) ==
                       static_cast<unsigned char>(t.chars[k])) {
        ++j;
        ++k;
      } else {
        break;
      }
    }
    if (k == t.size && (j == n || !IsAsciiAlnum(static_cast<unsigned char>(text[j])))) {
      spans->push_back({i, j, t.kind, true});
      i = j - 1;
    }
  }
}

// ---------------------------------------------------------------------------
// Anything else: the value verbatim, ASCII case-insensitive, whole words.

void MatchLiteral(std::string_view text, std::string_view value, IdentifierKind kind,
                  Spans* spans) {
  const size_t m = value.size();
  if (m == 0 || m > text.size()) return;
  const auto first = Lower(static_cast<unsigned char>(value[0]));
  const bool word_start = IsAsciiAlnum(first);
  const bool word_end = IsAsciiAlnum(static_cast<unsigned char>(value.back()));
  const size_t last = text.size() - m;  // the last place a match can start
  CaselessByteFinder starts(text, first);
  for (size_t i = starts.Next(0); i <= last; i = starts.Next(i)) {
    if (word_start && i > 0 && IsAsciiAlnum(static_cast<unsigned char>(text[i - 1]))) {
      ++i;
      continue;
    }
    size_t k = 1;
    while (k < m && Lower(static_cast<unsigned char>(text[i + k])) ==
                        Lower(static_cast<unsigned char>(value[k]))) {
      ++k;
    }
    if (k != m || (word_end && i + m < text.size() &&
                   IsAsciiAlnum(static_cast<unsigned char>(text[i + m])))) {
      ++i;
      continue;
    }
    spans->push_back({i, i + m, kind, true});
    i += m;
  }
}

// ---------------------------------------------------------------------------
// Known names: word tokens compared after folding (case, accents,
// apostrophes, hyphens).

class NameKeys {
 public:
  // Adds the tokens of one known name ("John Smith", "O'Brien, Siobhán").
  void Add(std::string_view name) {
    struct Word {
      size_t off;  // into pool_
      size_t len;
      absl::InlinedVector<std::pair<size_t, size_t>, 2> parts;  // into pool_
    };
    absl::InlinedVector<Word, 4> words;
    std::string folded;
    size_t part_start = 0;
    bool in_word = false;
    auto close_part = [&] {
      if (folded.size() > part_start) {
        words.back().parts.emplace_back(part_start, folded.size() - part_start);
      }
      part_start = folded.size();
    };
    auto close_word = [&] {
      if (!in_word) return;
      close_part();
      in_word = false;
      Word& w = words.back();
      w.len = folded.size() - w.off;
      if (w.len == 0) words.pop_back();
    };
    for (size_t i = 0; i < name.size();) {
      size_t len = 1;
      const size_t before = folded.size();
      ri::NameChar k = ri::ClassifyAndFold(name, i, &len, &folded);
      if (k == ri::NameChar::kLetter || k == ri::NameChar::kMark) {
        if (!in_word) {
          words.push_back(Word{before, 0, {}});
          part_start = before;
          in_word = true;
        }
      } else if (k == ri::NameChar::kJoiner) {
        if (in_word) close_part();
      } else {
        close_word();
      }
      i += len;
    }
    close_word();

    const size_t first_key = keys_.size();
    for (size_t w = 0; w < words.size(); ++w) {
      std::string_view full(folded.data() + words[w].off, words[w].len);
      AddKey(full);
      if (words[w].parts.size() > 1) {
        for (auto [off, len] : words[w].parts) AddKey(std::string_view(folded.data() + off, len));
      }
      if (!ri::IsNameParticle(full)) {
        const auto c = static_cast<unsigned char>(full[0]);
        if (c >= 'a' && c <= 'z') initials_.set(c - 'a');
      }
      if (w + 1 < words.size() && ri::IsNameParticle(full)) {
        // "O Brien" / "Ap Rhys" written as one word: "obrien", "aprhys".
        std::string joined(full);
        joined.append(folded.data() + words[w + 1].off, words[w + 1].len);
        AddKey(joined);
      }
    }
    // A name made only of particles ("Della") is removed on its own.
    bool any_standalone = false;
    for (size_t k = first_key; k < keys_.size(); ++k) any_standalone |= keys_[k].standalone;
    if (!any_standalone) {
      for (size_t k = first_key; k < keys_.size(); ++k) keys_[k].standalone = true;
    }
  }

  bool empty() const { return keys_.empty() && initials_.none(); }

  // 0 = not a key, 1 = particle only (never alone), 2 = a name token.
  int Find(std::string_view folded) const {
    int best = 0;
    for (const Key& k : keys_) {
      if (k.len == folded.size() && std::memcmp(pool_.data() + k.off, folded.data(), k.len) == 0) {
        best = std::max(best, k.standalone ? 2 : 1);
      }
    }
    return best;
  }
  bool IsInitial(unsigned char folded_letter) const {
    return folded_letter >= 'a' && folded_letter <= 'z' && initials_.test(folded_letter - 'a');
  }
  // Cheap filter on a run of text without joiners: can it fold to a key?
  bool MayMatch(unsigned char first_byte, size_t byte_len) const {
    if (byte_len < min_len_ || byte_len > 4 * max_len_) return false;
    return first_byte >= 0x80 || first_.test(Lower(first_byte));
  }
  bool FirstByteMayMatch(unsigned char first_byte) const {
    return first_byte >= 0x80 || first_.test(Lower(first_byte));
  }
  size_t max_len() const { return max_len_; }

 private:
  struct Key {
    size_t off;
    size_t len;
    bool standalone;
  };

  void AddKey(std::string_view key) {
    if (key.size() < 2) return;
    keys_.push_back(Key{pool_.size(), key.size(), !ri::IsNameParticle(key)});
    pool_.append(key);
    first_.set(static_cast<unsigned char>(key[0]));
    min_len_ = std::min(min_len_, key.size());
    max_len_ = std::max(max_len_, key.size());
  }

  std::string pool_;
  absl::InlinedVector<Key, 8> keys_;
  std::bitset<256> first_;
  std::bitset<26> initials_;
  size_t min_len_ = SIZE_MAX;
  size_t max_len_ = 0;
};

// A maximal run of letters (with single joiners between letters) in the text.
struct Run {
  size_t begin;
  size_t end;
  bool has_joiner;
};

// Finds the next run at or after *pos; false at the end of the text.
bool NextRun(std::string_view text, size_t* pos, Run* run) {
  const size_t n = text.size();
  size_t i = *pos;
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (IsAsciiAlnum(c)) break;
      if (c == '[') {
        if (size_t skip = PlaceholderAt(text, i)) {
          i += skip;
          continue;
        }
      }
      ++i;
      continue;
    }
    size_t len = 1;
    ri::NameChar k = ri::ClassifyAndFold(text, i, &len, nullptr);
    if (k == ri::NameChar::kLetter || k == ri::NameChar::kMark) break;
    i += len;
  }
  if (i >= n) {
    *pos = n;
    return false;
  }
  size_t len = 1;
  if (static_cast<unsigned char>(text[i]) >= 0x80) ri::ClassifyAndFold(text, i, &len, nullptr);
  *run = Run{i, i + len, false};
  size_t j = i + len;
  while (j < n) {
    // ASCII letters and digits: the common case, kept tight.
    size_t e = j;
    while (e < n && IsAsciiAlnum(static_cast<unsigned char>(text[e]))) ++e;
    if (e != j) {
      j = e;
      run->end = j;
      if (j == n) break;
    }
    const auto d = static_cast<unsigned char>(text[j]);
    if (d < 0x80 && d != '\'' && d != '-') break;
    ri::NameChar k = ri::ClassifyAndFold(text, j, &len, nullptr);
    if (k == ri::NameChar::kLetter || k == ri::NameChar::kMark) {
      j += len;
      run->end = j;
    } else if (k == ri::NameChar::kJoiner && j + len < n) {
      size_t next_len = 1;
      ri::NameChar next = ri::ClassifyAndFold(text, j + len, &next_len, nullptr);
      if (next != ri::NameChar::kLetter) break;
      // A possessive "'s" is not part of the name: "Smith's" -> "[NAME]'s".
      if (d != '-' && (text[j + len] | 0x20) == 's') {
        const size_t after = j + len + 1;
        size_t after_len = 1;
        if (after == n || ri::ClassifyAndFold(text, after, &after_len, nullptr) ==
                              ri::NameChar::kSeparator) {
          break;
        }
      }
      run->has_joiner = true;
      j += len;
    } else {
      break;
    }
  }
  *pos = run->end;
  return true;
}

// Folds a run; records where its parts (split at joiners) start and end.
void FoldRun(std::string_view text, const Run& run, std::string* folded,
             absl::InlinedVector<std::pair<size_t, size_t>, 4>* parts) {
  folded->clear();
  parts->clear();
  size_t part_start = 0;
  for (size_t i = run.begin; i < run.end;) {
    size_t len = 1;
    ri::NameChar k = ri::ClassifyAndFold(text, i, &len, folded);
    if (k == ri::NameChar::kJoiner || k == ri::NameChar::kSeparator) {
      if (folded->size() > part_start) parts->emplace_back(part_start, folded->size() - part_start);
      part_start = folded->size();
    }
    i += len;
  }
  if (folded->size() > part_start) parts->emplace_back(part_start, folded->size() - part_start);
}

enum class RunMatch { kNone, kPrefix, kName };

// The gap between two parts of one written name: spaces, and at most one
// comma ("SMITH, John": once per name, so a list of names stays a list), or
// one full stop after an initial ("J. Smith").
bool NameGap(std::string_view gap, bool after_initial, bool* comma_used) {
  if (gap.size() > 3) return false;
  int punct = 0;
  bool comma = false;
  for (char c : gap) {
    if (c == ' ') continue;
    if ((c == ',' && !*comma_used) || (c == '.' && after_initial)) {
      if (++punct > 1) return false;
      comma |= c == ',';
      continue;
    }
    return false;
  }
  *comma_used |= comma;
  return true;
}

void MatchNames(std::string_view text, const NameKeys& keys, Spans* spans) {
  std::string folded;  // most names fold within the inline capacity: no allocation
  std::string joined;
  absl::InlinedVector<std::pair<size_t, size_t>, 4> parts;

  // Classifies one run.
  auto classify = [&](const Run& run, bool* initial) -> RunMatch {
    *initial = false;
    const auto first = static_cast<unsigned char>(text[run.begin]);
    const size_t byte_len = run.end - run.begin;
    if (!run.has_joiner && !keys.MayMatch(first, byte_len)) {
      if (byte_len == 1 && keys.IsInitial(Lower(first))) {
        *initial = true;
        return RunMatch::kPrefix;
      }
      return RunMatch::kNone;
    }
    FoldRun(text, run, &folded, &parts);
    if (folded.size() == 1 && keys.IsInitial(static_cast<unsigned char>(folded[0]))) {
      *initial = true;
      return RunMatch::kPrefix;
    }
    int found = keys.Find(folded);
    if (found < 2 && parts.size() > 1) {
      for (auto [off, len] : parts) {
        found = std::max(found, keys.Find(std::string_view(folded).substr(off, len)));
      }
    }
    return found == 2 ? RunMatch::kName : found == 1 ? RunMatch::kPrefix : RunMatch::kNone;
  };

  // The name being assembled from adjacent runs.
  bool open = false;
  size_t group_begin = 0;
  size_t group_end = 0;     // end of the last run in the group
  size_t name_end = 0;      // end of the last name (not prefix) run; 0 = none
  bool last_initial = false;
  bool comma_used = false;
  auto flush = [&] {
    if (open && name_end != 0) spans->push_back({group_begin, name_end, IdentifierKind::kName, true});
    open = false;
    name_end = 0;
  };
  auto feed = [&](const Run& run, RunMatch m, bool initial) {
    if (m == RunMatch::kNone) {
      flush();
      return;
    }
    if (open && !NameGap(text.substr(group_end, run.begin - group_end), last_initial,
                         &comma_used)) {
      flush();
    }
    if (!open) {
      open = true;
      comma_used = false;
      group_begin = run.begin;
    }
    group_end = run.end;
    if (m == RunMatch::kName) name_end = run.end;
    last_initial = initial;
  };

  // One run of look-behind, for "O Brien" / "Ap Rhys" written apart for a
  // key written together.
  bool have_pending = false;
  Run pending{};
  RunMatch pending_match = RunMatch::kNone;
  bool pending_initial = false;
  size_t pos = 0;
  Run run;
  while (NextRun(text, &pos, &run)) {
    const auto first = static_cast<unsigned char>(text[run.begin]);
    const size_t len = run.end - run.begin;
    // Only a short run that may begin a key is worth keeping for a join.
    const bool join_candidate = len <= 4 && keys.FirstByteMayMatch(first);
    // Most words: certainly not part of a name, nothing pending.
    const bool cheap_none = !run.has_joiner && !keys.MayMatch(first, len) &&
                            !(len == 1 && keys.IsInitial(Lower(first)));
    if (cheap_none && !have_pending) {
      if (join_candidate) {
        have_pending = true;
        pending = run;
        pending_match = RunMatch::kNone;
        pending_initial = false;
      } else {
        flush();
      }
      continue;
    }
    bool initial = false;
    const RunMatch m = cheap_none ? RunMatch::kNone : classify(run, &initial);
    if (have_pending) {
      have_pending = false;
      if (pending_match != RunMatch::kName) {
        std::string_view gap = text.substr(pending.end, run.begin - pending.end);
        if (gap.size() <= 2 && gap.find_first_not_of(" '") == std::string_view::npos) {
          FoldRun(text, pending, &folded, &parts);
          joined.assign(folded);
          FoldRun(text, run, &folded, &parts);
          joined.append(folded);
          if (joined.size() <= keys.max_len() && keys.Find(joined) == 2) {
            feed(Run{pending.begin, run.end, true}, RunMatch::kName, false);
            continue;
          }
        }
      }
      feed(pending, pending_match, pending_initial);
    }
    if (m != RunMatch::kName && join_candidate) {
      have_pending = true;
      pending = run;
      pending_match = m;
      pending_initial = initial;
    } else {
      feed(run, m, initial);
    }
  }
  if (have_pending) feed(pending, pending_match, pending_initial);
  flush();
}

// ---------------------------------------------------------------------------

// Three-letter words that look like the tail of a prefix-format registration
// ("M4 AND").
bool IsCommonWord(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "AND", "ARE", "BUT", "CAN", "CAR", "DAY", "FOR", "GOT", "HAD", "HAS", "HER",
      "HIM", "HIS", "HOW", "LET", "MAY", "NEW", "NOT",
      "NOW", "OFF", "OLD", "ONE", "OUR", "OUT", "RAN", "SAW", "SHE", "THE", "TOO",
      "TWO", "VAN", "WAS", "WAY", "WHO", "WHY", "YES", "YET", "YOU", "BUS", "PUB"};
  for (std::string_view k : kWords) {
    if (w == k) return true;
  }
  return false;
}

// True if the word before `pos` (past spaces and punctuation) has a lower-case letter.
bool PrevWordHasLower(std::string_view text, size_t pos) {
  size_t i = pos;
  while (i > 0 && !IsAsciiAlnum(static_cast<unsigned char>(text[i - 1])) &&
         static_cast<unsigned char>(text[i - 1]) < 0x80) {
    --i;
  }
  bool lower = false;
  while (i > 0 && (IsAsciiAlnum(static_cast<unsigned char>(text[i - 1])) ||
                   static_cast<unsigned char>(text[i - 1]) >= 0x80)) {
    const auto c = static_cast<unsigned char>(text[--i]);
    lower |= c >= 'a' && c <= 'z';
  }
  return lower;
}

// Replaces each span of `text` with its placeholder into *out (cleared).
// Leftmost, then longest, then known-before-pattern wins; overlapping spans
// merge into the winner so no fragment of an identifier survives. Sorts
// *spans. Adds the number of replacements to *replaced; true if a
// replacement had a letter, digit or non-ASCII byte right beside it.
bool ApplySpans(std::string_view text, Spans* spans, std::string* out, int* replaced) {
  std::sort(spans->begin(), spans->end(), [](const Span& a, const Span& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    if (a.end != b.end) return a.end > b.end;
    return a.known && !b.known;
  });
  auto word_byte = [&](size_t i) {
    const auto c = static_cast<unsigned char>(text[i]);
    return c >= 0x80 || IsAsciiAlnum(c);
  };
  out->clear();
  out->reserve(text.size() + 16);
  size_t copied = 0;
  bool word_adjacent = false;
  for (size_t i = 0; i < spans->size();) {
    Span s = (*spans)[i];
    size_t j = i + 1;
    while (j < spans->size() && (*spans)[j].begin < s.end) {
      s.end = std::max(s.end, (*spans)[j].end);
      // An e-mail address that contains a name is labelled an e-mail.
      if ((*spans)[j].kind == IdentifierKind::kEmail) s.kind = IdentifierKind::kEmail;
      ++j;
    }
    word_adjacent |= (s.begin > 0 && word_byte(s.begin - 1)) || (s.end < text.size() && word_byte(s.end));
    out->append(text.data() + copied, s.begin - copied);
    out->append(PlaceholderFor(s.kind));
    copied = s.end;
    ++*replaced;
    i = j;
  }
  out->append(text.data() + copied, text.size() - copied);
  return word_adjacent;
}

}  // namespace

std::string_view PlaceholderFor(IdentifierKind kind) {
  switch (kind) {
    case IdentifierKind::kName: return kPlaceholders[0];
    case IdentifierKind::kPhone: return kPlaceholders[1];
    case IdentifierKind::kEmail: return kPlaceholders[2];
    case IdentifierKind::kPostcode: return kPlaceholders[3];
    case IdentifierKind::kNhsNumber: return kPlaceholders[4];
    case IdentifierKind::kNiNumber: return kPlaceholders[5];
    case IdentifierKind::kVehicleReg: return kPlaceholders[6];
    case IdentifierKind::kDateOfBirth: return kPlaceholders[7];
    case IdentifierKind::kAddress: return kPlaceholders[8];
    case IdentifierKind::kOther: return kPlaceholders[9];
  }
  return kPlaceholders[9];
}

struct Redactor::Patterns {
  // Each pattern alone (longest match). Run anchored where the pre-filters of
  // redactor_patterns.h point: e-mail, address (the others are the
  // specification of the hand-written matchers).
  std::array<std::unique_ptr<RE2>, ri::kPatternCount> single;
  // Given names and surnames, and the cue and place vocabulary (redactor_names.h).
  ri::NameGazetteer gazetteer;

  // End of the longest match of `p` at `pos` by RE2, or 0.
  size_t MatchAt(ri::Pattern p, std::string_view text, size_t pos) const {
    re2::StringPiece m;
    if (!single[p]->Match(text, pos, text.size(), RE2::ANCHOR_START, &m, 1)) return 0;
    return pos + m.size();
  }

  // One pass over the text; at each place an identifier can start, the
  // longest accepted match wins (ties: the order tried below).
  void Scan(std::string_view text, const ri::ScanEvents& events,
            absl::Span<const ri::Date> known_dates,
            absl::Span<const DigitTarget> digit_targets, Spans* spans) const {
    const size_t n = text.size();
    // With no known date, the word starts where nothing can match are passed over.
    const std::vector<uint64_t>& starts = known_dates.empty() ? events.likely : events.bits;
    size_t i = 0;
    bool after_word = false;  // the byte before i is a word byte of a word already tried
    while (i < n) {
      // The next word start or '@' / '+' / '(' (nothing else can start an
      // identifier); a word byte right after a match starts a word too.
      if (after_word || !ri::IsWordByte(static_cast<unsigned char>(text[i]))) {
        i = ri::NextSetBit(starts, i, n);
        if (i >= n) break;
      }
      after_word = false;
      const auto c = static_cast<unsigned char>(text[i]);
      if (!ri::IsWordByte(c)) {
        size_t end = 0;
        if (c == '@') {
          const size_t begin = ri::EmailStartBefore(text, i);
          if (begin < i) end = MatchAt(ri::kEmailPattern, text, begin);
          if (end != 0) spans->push_back({begin, end, IdentifierKind::kEmail, false});
        } else if ((c == '+' || c == '(') && (i == 0 || !IsAsciiAlnum(At(text, i - 1)))) {
          IdentifierKind kind = IdentifierKind::kPhone;
          bool known = false;
          if (!digit_targets.empty()) {
            end = MatchDigitTargetsAt(text, i, digit_targets, &kind);
            known = end != 0;
          }
          if (size_t phone = ri::MatchPhoneAt(text, i); phone > end) {
            end = phone;
            kind = IdentifierKind::kPhone;
            known = false;
          }
          if (end != 0) spans->push_back({i, end, kind, known});
        }
        i = end > i ? end : i + 1;
        continue;
      }
      // A word starts at i; with no identifier there, the rest of the word is passed over.
      const size_t end = MatchWordStart(text, i, known_dates, digit_targets, spans);
      after_word = end == 0;
      i = end != 0 ? end : i + 1;
    }
  }

  // Tries every identifier that can start at the word starting at i; pushes
  // the longest accepted one and returns its end, or returns 0.
  size_t MatchWordStart(std::string_view text, size_t i,
                        absl::Span<const ri::Date> known_dates,
                        absl::Span<const DigitTarget> digit_targets, Spans* spans) const {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t best = 0;
    IdentifierKind kind = IdentifierKind::kOther;
    size_t span_begin = i;
    bool known = false;
    if (IsDigit(c)) {
      if (!digit_targets.empty()) {
        IdentifierKind k = IdentifierKind::kPhone;
        if (size_t end = MatchDigitTargetsAt(text, i, digit_targets, &k)) {
          best = end;
          kind = k;
          known = true;
        }
      }
      auto offer = [&](size_t end, IdentifierKind k) {
        if (end > best) {
          best = end;
          kind = k;
          known = false;
        }
      };
      size_t end = ri::MatchNhsShapeAt(text, i);
      if (end != 0 && ri::NhsChecksumValid(text.substr(i, end - i))) {
        offer(end, IdentifierKind::kNhsNumber);
      }
      if (c == '0') offer(ri::MatchPhoneAt(text, i), IdentifierKind::kPhone);
      if (ri::MayBeAddressAt(text, i) &&
          (i == 0 || !ri::IsOneOf(text[i - 1], ":./-"))) {
        offer(MatchAt(ri::kAddressPattern, text, i), IdentifierKind::kAddress);
      }
    } else if (c != '_') {
      // Every letter-initial pattern has a digit within its first four
      // characters, or is a date-of-birth cue.
      const bool digit_soon =
          i + 4 <= text.size()
              ? (IsDigit(static_cast<unsigned char>(text[i + 1])) |
                 IsDigit(static_cast<unsigned char>(text[i + 2])) |
                 IsDigit(static_cast<unsigned char>(text[i + 3])))
              : (IsDigit(At(text, i + 1)) || IsDigit(At(text, i + 2)) || IsDigit(At(text, i + 3)));
      if (digit_soon) {
        auto offer = [&](size_t end, IdentifierKind k) {
          if (end > best) {
            best = end;
            kind = k;
          }
        };
        // Postcodes and both plate formats have a digit second or third
        // ("AL1", "A123", "AB12"); an NI number may have it fourth ("QQ 12").
        const bool digit_near = IsDigit(At(text, i + 1)) || IsDigit(At(text, i + 2));
        if (digit_near) offer(ri::MatchPostcodeAt(text, i), IdentifierKind::kPostcode);
        // Every NI number is an NI shape with the same end, so the shape is tried first.
        if (size_t shape = ri::MatchNiShapeAt(text, i); shape != 0) {
          offer(ri::MatchNiAt(text, i), IdentifierKind::kNiNumber);
          if (shape > best && ri::NiCueBefore(text, i)) offer(shape, IdentifierKind::kNiNumber);
        }
        if (digit_near) {
          offer(ri::MatchRegAt(text, i), IdentifierKind::kVehicleReg);
          if (size_t end = ri::MatchRegPrefixAt(text, i);
              end != 0 && !(ri::IsOneOf(text[i], "ABM") &&
                            IsCommonWord(text.substr(end - 3, 3)) && !PrevWordHasLower(text, i))) {
            // Road numbers in capitals ("ON THE M4 AND M25", "A414 TOO") are not
            // registrations; other prefix plates are, whatever their letters
            // ("J524 HER"), and so is a road-like plate after a word in lower or
            // mixed case ("grey Ford Focus A222 MAY": a sentence would write "may").
            offer(end, IdentifierKind::kVehicleReg);
          }
        }
      }
      if (ri::MayBeDobCueAt(text, i)) {
        if (size_t end = ri::MatchDobCueAt(text, i); end > best) {
          best = end;
          kind = IdentifierKind::kDateOfBirth;
          span_begin = DateStartInCue(text, i, end);
        }
      }
    }
    if (!known_dates.empty() && ri::MayBeDateAt(text, i)) {
      size_t len = 0;
      std::optional<ri::Date> date = ri::ParseDatePrefix(text.substr(i), &len);
      if (date.has_value() && i + len > best) {
        for (const ri::Date& k : known_dates) {
          if (ri::SameDate(*date, k)) {
            best = i + len;
            kind = IdentifierKind::kDateOfBirth;
            span_begin = i;
            known = true;
            break;
          }
        }
      }
    }
    if (best != 0) spans->push_back({span_begin, best, kind, known});
    return best;
  }

  // In a "DOB 14/03/1990" match [begin, end): where the date starts, so the
  // cue is kept. (If no suffix parses, the whole match is replaced.)
  static size_t DateStartInCue(std::string_view text, size_t begin, size_t end) {
    for (size_t i = begin + 1; i < end; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (IsAsciiAlnum(c) && !IsAsciiAlnum(static_cast<unsigned char>(text[i - 1])) &&
          ri::ParseDate(text.substr(i, end - i)).has_value()) {
        return i;
      }
    }
    return begin;
  }
};

Redactor::Redactor(std::unique_ptr<const Patterns> patterns) : patterns_(std::move(patterns)) {}
Redactor::~Redactor() = default;

absl::StatusOr<std::unique_ptr<Redactor>> Redactor::Create() {
  return Create(ri::kEmbeddedNameGazetteer);
}

absl::StatusOr<std::unique_ptr<Redactor>> Redactor::Create(std::string_view name_gazetteer_tsv) {
  auto patterns = std::make_unique<Patterns>();
  absl::StatusOr<ri::NameGazetteer> gazetteer = ri::NameGazetteer::Parse(name_gazetteer_tsv);
  if (!gazetteer.ok()) return gazetteer.status();
  patterns->gazetteer = *std::move(gazetteer);
  RE2::Options options;
  options.set_longest_match(true);
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  auto compile = [&](std::string source, std::unique_ptr<RE2>* out) -> absl::Status {
    *out = std::make_unique<RE2>(source, options);
    if (!(*out)->ok()) {
      return absl::InternalError(absl::StrCat("redactor pattern does not compile: ", (*out)->error()));
    }
    return absl::OkStatus();
  };
  absl::Status s = absl::OkStatus();
  for (int i = 0; s.ok() && i < ri::kPatternCount; ++i) {
    s = compile(ri::PatternSource(static_cast<ri::Pattern>(i)), &patterns->single[i]);
  }
  if (!s.ok()) return s;
  return std::unique_ptr<Redactor>(new Redactor(std::move(patterns)));
}

absl::Status Redactor::Redact(std::string_view text, absl::Span<const KnownIdentifier> known,
                              std::string* out, RedactionStats* stats) const {
  out->clear();
  if (stats != nullptr) *stats = RedactionStats{};
  if (!ri::IsValidUtf8(text)) {
    return absl::InvalidArgumentError("free text is not valid UTF-8");
  }

  // Prepare the record's own identifiers.
  NameKeys names;
  absl::InlinedVector<DigitTarget, 4> digit_targets;
  absl::InlinedVector<AlnumTarget, 4> alnum_targets;
  absl::InlinedVector<std::pair<std::string_view, IdentifierKind>, 4> literals;
  absl::InlinedVector<ri::Date, 2> known_dates;
  for (const KnownIdentifier& id : known) {
    std::string_view value = id.value;
    while (!value.empty() && absl::ascii_isspace(static_cast<unsigned char>(value.front()))) {
      value.remove_prefix(1);
    }
    while (!value.empty() && absl::ascii_isspace(static_cast<unsigned char>(value.back()))) {
      value.remove_suffix(1);
    }
    if (value.empty() || !ri::IsValidUtf8(value)) continue;
    switch (id.kind) {
      case IdentifierKind::kName:
        names.Add(value);
        continue;
      case IdentifierKind::kPhone:
      case IdentifierKind::kNhsNumber: {
        DigitTarget t;
        if (MakeDigitTarget(value, id.kind, &t)) {
          digit_targets.push_back(t);
          continue;
        }
        break;
      }
      case IdentifierKind::kPostcode:
      case IdentifierKind::kNiNumber:
      case IdentifierKind::kVehicleReg: {
        AlnumTarget t;
        if (MakeAlnumTarget(value, id.kind, &t)) {
          alnum_targets.push_back(t);
          continue;
        }
        break;
      }
      case IdentifierKind::kDateOfBirth: {
        std::optional<ri::Date> date = ri::ParseDate(value);
        if (date.has_value() && !date->two_digit_year) {
          known_dates.push_back(*date);
          continue;
        }
        break;
      }
      default:
        break;
    }
    literals.emplace_back(value, id.kind);
  }

  // Find every span.
  Spans spans;
  thread_local ri::ScanEvents events;  // per-thread scratch, reused
  events.Build(text);
  patterns_->Scan(text, events, known_dates, digit_targets, &spans);
  for (const AlnumTarget& t : alnum_targets) MatchAlnumTarget(text, t, &spans);
  for (auto [value, kind] : literals) MatchLiteral(text, value, kind, &spans);
  if (!names.empty()) MatchNames(text, names, &spans);
  {
    absl::InlinedVector<std::pair<size_t, size_t>, 8> found;
    absl::InlinedVector<std::pair<size_t, size_t>, 8> homes;
    ri::FindNamesWithoutHints(text, events, patterns_->gazetteer, &found, &homes);
    for (auto [b, e] : found) spans.push_back({b, e, IdentifierKind::kName, false});
    for (auto [b, e] : homes) spans.push_back({b, e, IdentifierKind::kAddress, false});
  }

  int replaced = 0;
  bool word_adjacent = ApplySpans(text, &spans, out, &replaced);

  // A name can be written against another identifier ("Smith" + a literal
  // value in "Smithϟ"): one word in the text, so not the name; once the other
  // identifier is replaced, the name stands alone beside its placeholder. Look
  // for names again while a replacement touched a word. Each pass replaces
  // letters outside placeholders with placeholders, so this ends.
  std::string again;
  while (word_adjacent && !names.empty()) {
    spans.clear();
    MatchNames(*out, names, &spans);
    if (spans.empty()) break;
    int more = 0;
    word_adjacent = ApplySpans(*out, &spans, &again, &more);
    replaced += more;
    out->swap(again);
  }
  if (stats != nullptr) stats->replaced = replaced;
  return absl::OkStatus();
}

}  // namespace accord::policy
