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
// FindNamesWithoutHints is reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

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
};

class NameGazetteer {
 public:
  // Parses "folded<TAB>FLAGS" lines ('#' comments and blank lines skipped;
  // FLAGS from G S W F) and adds the built-in cue, stop and place words.
  // InvalidArgument names the line of a malformed entry.
  static absl::StatusOr<NameGazetteer> Parse(std::string_view tsv);

  // The bits of a folded (lower-case, accents removed, no apostrophes) word; 0 if unknown.
  uint16_t Lookup(std::string_view folded) const {
    auto it = words_.find(absl::string_view(folded.data(), folded.size()));
    return it == words_.end() ? 0 : it->second;
  }
  size_t size() const { return words_.size(); }

 private:
  absl::flat_hash_map<std::string, uint16_t> words_;
};

// Appends [begin, end) of every name found in `text` (valid UTF-8).
void FindNamesWithoutHints(std::string_view text, const NameGazetteer& gazetteer,
                           absl::InlinedVector<std::pair<size_t, size_t>, 8>* names);

}  // namespace accord::policy::redact_internal
