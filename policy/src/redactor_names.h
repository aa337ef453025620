// Private to the redactor: finding people's names in free text with no hint
// from the record (next of kin, witnesses, callers, nicknames, suspects who
// are not a field of the dataset).
//
// Evidence combined, per run of words ("chain"):
//  - the gazetteer (policy/data/name_gazetteer.tsv, embedded at build time and
//    parsed once by Redactor::Create): given names (G), surnames (S), names
//    that are also ordinary English words (W), the most frequent surnames (F);
//  - context cues before the chain ("Victim", "Pt", "NOK", "Caller", "Mr",
//    "Dr", "witness", "known as", "aka", relations such as "mother") or after
//    it ("states", "said", "reports");
//  - shape: Title case, ALL CAPS, "SURNAME, First", initials ("O. Smith"),
//    particles (Mc, Mac, O', Ap, Ní, van, de), hyphens, apostrophes, accents;
//  - place context, which keeps a chain: followed by a street, station or
//    premises word ("George Street", "Watford Junction", "King's Head"), or
//    after "The" / "St" ("The Crown", "St Albans").
// The decision rules are listed in FindNamesWithoutHints (redactor_names.cc)
// and in policy/README.md with their measured recall and false removals.
//
// Thread safety: a NameGazetteer is immutable after Parse and may be shared;
// FindNamesWithoutHints may run on many threads at once (its reused scratch
// buffer is per thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "redactor_patterns.h"

namespace accord::policy::redact_internal {

// The gazetteer generated from Faker and wbritish (redactor_gazetteer_data.cc).
extern const std::string_view kEmbeddedNameGazetteer;

// Bits describing one folded word.
enum WordBit : uint16_t {
  kGiven = 1 << 0,        // G
  kSurname = 1 << 1,      // S
  kCommonWord = 1 << 2,   // W
  kFrequent = 1 << 3,     // F
  kCueBefore = 1 << 4,    // "victim", "mr", "nok", ...: a name follows
  kCueAfter = 1 << 5,     // "states", "said": a name precedes
  kNicknameCue = 1 << 6,  // "aka", "nickname": the next word is a name whatever its case
  kStop = 1 << 7,         // pronouns, roles, articles: never part of a name
  kParticle = 1 << 8,     // "mc", "o", "ap", "van": joins the next word
  kPlaceWord = 1 << 9,    // "street", "station", "arms": the chain before is a place
  kPlaceBefore = 1 << 10, // "the", "st": the chain after is a place
  kCalendar = 1 << 11,    // months and days ("June", "May")
  kKnown = 1 << 12,       // "known" (as in "known as")
  kWeakCue = 1 << 13,     // "by", "states": a capitalised chain after it is a name unless a place
  kHomeCue = 1 << 14,     // "lives", "resides", "address": a street after it is a home address
};

class NameGazetteer {
 public:
  // Parses "folded<TAB>FLAGS" lines ('#' comments and blank lines skipped;
  // FLAGS from G S W F) and adds the built-in cue, stop and place words.
  // InvalidArgument names the line of a malformed entry.
  static absl::StatusOr<NameGazetteer> Parse(std::string_view tsv);

  // The bits of a folded (lower-case, accents removed, no apostrophes) word; 0
  // if unknown. Runs at every word of every narrative, so it costs one hash
  // probe: the names and the built-in words sit in one open-addressed table of
  // 8-byte slots (the upper 48 bits of the word's 64-bit hash and its 16 flag
  // bits), at most a quarter full (512 KiB with the embedded gazetteer). A
  // false match needs the slot and the 48-bit check to agree by chance (about
  // 1 in 10^14 per word) and would only mark one more word.
  uint16_t Lookup(std::string_view folded) const { return LookupHash(Hash(folded)); }
  uint16_t LookupHash(uint64_t h) const {
    const uint64_t* const table = table_.data();
    for (size_t slot = h & mask_;; slot = (slot + 1) & mask_) {
      const uint64_t e = table[slot];
      if (((e ^ h) & ~uint64_t{0xFFFF}) == 0) return static_cast<uint16_t>(e);
      if (e == 0) return 0;
    }
  }
  size_t size() const { return size_; }  // names and built-in words

  // The hash Lookup uses: 8 bytes at a time (a folded word of up to 8 bytes
  // costs one multiply), then a 64-bit finaliser so every bit depends on every
  // byte. HashPadded reads `buf` up to the next multiple of 8 bytes past
  // `len`: the 8 bytes after `len` must be readable and zero.
  static uint64_t Hash(std::string_view s) {
    char padded[64 + 8] = {};
    if (s.size() > 64) s = s.substr(0, 64);  // callers fold at most 64 bytes
    std::memcpy(padded, s.data(), s.size());
    return HashPadded(padded, s.size());
  }
  // The finaliser both hashes share: every bit depends on every byte; never 0.
  static uint64_t Finish(uint64_t h) {
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h == 0 ? 1 : h;
  }
  static uint64_t HashPadded(const char* buf, size_t len) { return HashWords<false>(buf, len); }
  // HashPadded of a folded word of 1 to 16 bytes given as two little-endian
  // words (bytes 0-7 in `lo`, 8-15 in `hi`, zero past `len`), without a buffer.
  static uint64_t Hash16(uint64_t lo, uint64_t hi, size_t len) {
    uint64_t h = (kSeed ^ len ^ lo) * kMul;
    if (len >= 8) {
      h ^= h >> 32;
      if (len > 8) {
        h = (h ^ hi) * kMul;
        if (len == 16) h ^= h >> 32;
      }
    }
    return Finish(h);
  }
  // HashPadded of the `len` bytes at `buf` when the bytes after them are not
  // zero (a part of "smith-jones"): the last word is masked instead. Reads up
  // to the next multiple of 8 bytes past `len`; `len` is at least 1.
  static uint64_t HashMasked(const char* buf, size_t len) { return HashWords<true>(buf, len); }

 private:
  static constexpr uint64_t kSeed = 0x9E3779B97F4A7C15ULL;
  static constexpr uint64_t kMul = 0xFF51AFD7ED558CCDULL;
  // The word loop of HashPadded and HashMasked: 8 bytes at a time; the last,
  // partial word as read (zero padding follows it) or, with kMaskTail, with
  // the bytes past `len` cleared.
  template <bool kMaskTail>
  static uint64_t HashWords(const char* buf, size_t len) {
    uint64_t h = kSeed ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
      uint64_t w;
      std::memcpy(&w, buf + i, 8);
      h = (h ^ w) * kMul;
      h ^= h >> 32;
    }
    if (i < len) {
      uint64_t w;
      std::memcpy(&w, buf + i, 8);
      // Little-endian: keep the first len - i bytes.
      if constexpr (kMaskTail) w &= ~uint64_t{0} >> (8 * (8 - (len - i)));
      h = (h ^ w) * kMul;
    }
    return Finish(h);
  }

  // Adds (or merges) a word's bits; `bits` is never 0, so a used slot is never 0.
  void Add(uint64_t h, uint16_t bits) {
    for (size_t slot = h & mask_;; slot = (slot + 1) & mask_) {
      uint64_t& e = table_[slot];
      if (e == 0 || ((e ^ h) & ~uint64_t{0xFFFF}) == 0) {
        e = (h & ~uint64_t{0xFFFF}) | (e & 0xFFFF) | bits;
        return;
      }
    }
  }

  // Names and built-in words; an empty slot is 0.
  std::vector<uint64_t> table_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// Appends [begin, end) of every name found in `text` (valid UTF-8) to
// *names, and of every home address without a house number ("lives at
// Kingsley Court", "address: Meadow Close") to *addresses.
// `events` is ScanEvents::Build(text) (its `alnum` map: where the ASCII words end).
void FindNamesWithoutHints(std::string_view text, const ScanEvents& events,
                           const NameGazetteer& gazetteer,
                           absl::InlinedVector<std::pair<size_t, size_t>, 8>* names,
                           absl::InlinedVector<std::pair<size_t, size_t>, 8>* addresses);

}  // namespace accord::policy::redact_internal
