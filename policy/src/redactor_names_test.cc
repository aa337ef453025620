// Names found with no hint from the record, NI numbers after a cue, e-mail
// labels: issue 14's forms, one assertion per form.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "accord/policy/redactor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "redactor_names.h"
#include "redactor_patterns.h"

namespace accord::policy {
namespace {

class NamesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = Redactor::Create();
    ASSERT_TRUE(r.ok()) << r.status();
    redactor_ = std::move(r).value().release();
  }
  static void TearDownTestSuite() {
    delete redactor_;
    redactor_ = nullptr;
  }
  static std::string R(std::string_view text, std::vector<KnownIdentifier> known = {}) {
    std::string out;
    absl::Status s = redactor_->Redact(text, known, &out);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }
  static Redactor* redactor_;
};
Redactor* NamesTest::redactor_ = nullptr;

TEST_F(NamesTest, EmbeddedGazetteerIsLoaded) {
  auto g = redact_internal::NameGazetteer::Parse(redact_internal::kEmbeddedNameGazetteer);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_GT(g->size(), 5000u);
  EXPECT_NE(g->Lookup("oliver") & redact_internal::kGiven, 0);
  EXPECT_NE(g->Lookup("kowalski") & redact_internal::kSurname, 0);
  EXPECT_EQ(g->Lookup("zzzzqx"), 0);
}

// One table holds the names and the built-in words: a word in both has the bits of both.
TEST_F(NamesTest, BuiltInWordsAndNamesShareOneTable) {
  auto g = redact_internal::NameGazetteer::Parse("june\tGW\nsmith\tSF\n");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->Lookup("june"),
            redact_internal::kGiven | redact_internal::kCommonWord | redact_internal::kCalendar);
  EXPECT_EQ(g->Lookup("smith"), redact_internal::kSurname | redact_internal::kFrequent);
  EXPECT_EQ(g->Lookup("victim"), redact_internal::kCueBefore | redact_internal::kStop);
  EXPECT_EQ(g->Lookup("jones"), 0);
}

// The parts of a double-barrelled word are hashed in place: HashMasked of a
// prefix equals Hash of the prefix alone, whatever follows it.
TEST_F(NamesTest, MaskedHashEqualsHashOfThePart) {
  const std::string word = "llewellyn-price-abcdefghijklmnop";
  std::string buf = word + std::string(8, 'x');
  for (size_t len = 1; len <= word.size(); ++len) {
    EXPECT_EQ(redact_internal::NameGazetteer::HashMasked(buf.data(), len),
              redact_internal::NameGazetteer::Hash(std::string_view(word).substr(0, len)))
        << len;
  }
}

// Welsh given names come from gender-guesser's nam_dict.txt (policy/data/README.md):
// Faker has no Welsh locale.
TEST_F(NamesTest, GazetteerHoldsWelshNames) {
  auto g = redact_internal::NameGazetteer::Parse(redact_internal::kEmbeddedNameGazetteer);
  ASSERT_TRUE(g.ok()) << g.status();
  for (std::string_view name : {"dafydd", "gwenllian", "rhys", "cerys", "sian", "ieuan",
                                "llywelyn", "bethan", "gruffudd", "gethin", "angharad", "owain",
                                "rhiannon", "myfanwy", "catrin", "hywel", "aled", "iolo",
                                "gwion", "emyr", "tegwen", "huw", "ffion", "gwyneth"}) {
    EXPECT_NE(g->Lookup(name) & (redact_internal::kGiven | redact_internal::kSurname), 0) << name;
  }
  for (std::string_view name : {"jones", "davies", "evans", "pritchard", "bowen", "pugh", "parry"}) {
    EXPECT_NE(g->Lookup(name) & redact_internal::kSurname, 0) << name;
  }
}

TEST_F(NamesTest, WelshFormsWithoutHints) {
  // Given names alone and in full, accents, ap/ab patronymics, every order and case.
  EXPECT_EQ(R("Seen with Dafydd Llywelyn today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with Gwenllian Pritchard today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with Siân Bowen today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with Dafydd ap Gruffudd today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with Ieuan ab Owain today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with AP GRUFFUDD, Dafydd today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with GRUFFUDD, Gwenllian today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with CERYS BETHAN-JONES today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("seen with rhys ap gruffudd today."), "seen with [NAME] today.");
  EXPECT_EQ(R("seen with ieuan llywelyn today."), "seen with [NAME] today.");
  EXPECT_EQ(R("NOK Cerys on 07700 900123."), "NOK [NAME] on [PHONE].");
  EXPECT_EQ(R("Pt Gethin states he fell."), "Pt [NAME] states he fell.");
  EXPECT_EQ(R("Hit by Hywel Pugh outside."), "Hit by [NAME] outside.");
  EXPECT_EQ(R("Victim Rhiannon's phone was taken."), "Victim [NAME]'s phone was taken.");
  // Welsh places stay (the Cardiff Model needs them).
  EXPECT_EQ(R("Attended Heol Y Deri Road, Cardiff."), "Attended Heol Y Deri Road, Cardiff.");
}

// Given names that are also structural words of a note (nan, reg, ed).
TEST_F(NamesTest, GivenNamesThatAreAlsoCueWords) {
  EXPECT_EQ(R("Seen with SAMPATH, Reg today."), "Seen with [NAME], [NAME] today.");
  EXPECT_EQ(R("Victim Kamyk, Nan (DOB unknown)."), "Victim [NAME], [NAME] (DOB unknown).");
  EXPECT_EQ(R("NOK Reg informed."), "NOK [NAME] informed.");
  EXPECT_EQ(R("Victim Nan Dungan states."), "Victim [NAME] states.");
  EXPECT_EQ(R("Seen with Nan Jones today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Pt states hit by reg pietrak."), "Pt states hit by [NAME].");
  // The words themselves stay.
  EXPECT_EQ(R("Pt attended ED with her nan."), "Pt attended ED with her nan.");
  EXPECT_EQ(R("Reg AB12 CDE seen."), "Reg [VEHICLE_REG] seen.");
}

// The word scanner (eight bytes at a time) agrees with the byte-by-byte rule at
// every start, for every byte value around the 8-byte boundaries.
TEST(WordEndTest, AgreesWithByteRule) {
  auto slow = [](std::string_view t, size_t i) {
    while (i < t.size() && redact_internal::IsWordByte(static_cast<unsigned char>(t[i]))) ++i;
    return i;
  };
  std::string text = "abc_DEF09xyzQ_7 Hello, w\xc3\xb6rld Z9_z@x.y\x7f[`{/:";
  for (int c = 0; c < 256; ++c) {
    for (size_t at : {size_t{3}, size_t{8}, size_t{12}}) {
      std::string t = text;
      t[at] = static_cast<char>(c);
      for (size_t i = 0; i <= t.size(); ++i) {
        ASSERT_EQ(redact_internal::WordEnd(t, i), slow(t, i)) << c << " " << at << " " << i;
      }
    }
  }
}

// The scan's event map (sixteen bytes at a time) marks exactly the word
// starts and '@' '+' '(' of the byte rule, for every byte value at every
// place of a 16-byte block and texts of every length up to three blocks.
TEST(ScanEventsTest, AgreesWithByteRule) {
  auto is_event = [](std::string_view t, size_t i) {
    const auto c = static_cast<unsigned char>(t[i]);
    if (c == '@' || c == '+' || c == '(') return true;
    return redact_internal::IsWordByte(c) &&
           (i == 0 || !redact_internal::IsWordByte(static_cast<unsigned char>(t[i - 1])));
  };
  const std::string base = "ab_9 (x+y)@Z \xc3\xa9t\xe2\x80\x99s Hello, w0rld_ 12/03 +44 z@q.uk end";
  redact_internal::ScanEvents events;
  auto check = [&](const std::string& t) {
    events.Build(t);
    ASSERT_EQ(events.alnum.size(), events.bits.size());
    for (size_t i = 0; i < t.size(); ++i) {
      const bool bit = (events.bits[i / 64] >> (i % 64)) & 1;
      ASSERT_EQ(bit, is_event(t, i)) << "at " << i << " of " << t.size();
      const auto c = static_cast<unsigned char>(t[i]);
      const bool alnum = (events.alnum[i / 64] >> (i % 64)) & 1;
      ASSERT_EQ(alnum, absl::ascii_isalnum(c)) << "alnum at " << i << " of " << t.size();
      // `likely`: the events but letter-initial words with no digit in the
      // next three bytes that do not start with 'd' or 'b'.
      bool digit_soon = false;
      for (size_t k = i + 1; k <= i + 3 && k < t.size(); ++k) {
        digit_soon |= absl::ascii_isdigit(static_cast<unsigned char>(t[k]));
      }
      const bool quiet_word = absl::ascii_isalpha(c) && !digit_soon &&
                              absl::ascii_tolower(c) != 'd' && absl::ascii_tolower(c) != 'b';
      const bool likely = (events.likely[i / 64] >> (i % 64)) & 1;
      ASSERT_EQ(likely, is_event(t, i) && !quiet_word) << "likely at " << i << " of " << t.size();
    }
    for (size_t i = t.size(); i < events.bits.size() * 64; ++i) {
      ASSERT_EQ((events.bits[i / 64] >> (i % 64)) & 1, 0u) << "past the end at " << i;
      ASSERT_EQ((events.alnum[i / 64] >> (i % 64)) & 1, 0u) << "alnum past the end at " << i;
      ASSERT_EQ((events.likely[i / 64] >> (i % 64)) & 1, 0u) << "likely past the end at " << i;
    }
    for (size_t i = 0; i <= t.size(); ++i) {
      size_t slow = i;
      while (slow < t.size() && !is_event(t, slow)) ++slow;
      ASSERT_EQ(redact_internal::NextSetBit(events.bits, i, t.size()), slow) << i;
    }
  };
  for (size_t len = 0; len <= base.size(); ++len) check(base.substr(0, len));
  for (int c = 0; c < 256; ++c) {
    for (size_t at : {size_t{0}, size_t{7}, size_t{15}, size_t{16}, size_t{31}, size_t{63}, size_t{64}}) {
      std::string t = base + base;
      t[at] = static_cast<char>(c);
      check(t);
    }
  }
}

// The tokenizer's no-loop path hashes a word of up to 16 bytes from two
// 8-byte words: the same hash as the byte buffer the table was built with.
TEST(NameGazetteerTest, Hash16AgreesWithHash) {
  const std::string letters = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t len = 1; len <= 16; ++len) {
    for (size_t start = 0; start + len <= letters.size(); start += 5) {
      const std::string word = letters.substr(start, len);
      char buf[16] = {};
      word.copy(buf, len);
      uint64_t lo = 0;
      uint64_t hi = 0;
      std::memcpy(&lo, buf, 8);
      std::memcpy(&hi, buf + 8, 8);
      EXPECT_EQ(redact_internal::NameGazetteer::Hash16(lo, hi, len),
                redact_internal::NameGazetteer::Hash(word))
          << word;
    }
  }
}

// Words read without a byte loop: at the very end of the text (fewer than 16
// bytes left), at 16 and 17 bytes, before a joiner or a non-ASCII byte.
TEST_F(NamesTest, WordsAtTheEdgesOfTheFastPath) {
  EXPECT_EQ(R("NOK Ellie"), "NOK [NAME]");
  EXPECT_EQ(R("nok ellie"), "nok [NAME]");
  EXPECT_EQ(R("Seen with OLIVER SMITH"), "Seen with [NAME]");
  EXPECT_EQ(R("Victim Abcdefghijklmnop states"), "Victim [NAME] states");    // 16 letters
  EXPECT_EQ(R("Victim Abcdefghijklmnopq states"), "Victim [NAME] states");   // 17 letters
  EXPECT_EQ(R("Seen with Oliver Smith-Jones today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with Oliver Smith\xe2\x80\x99s dog."), "Seen with [NAME]\xe2\x80\x99s dog.");
  EXPECT_EQ(R("Seen with Oliver Smith's dog."), "Seen with [NAME]'s dog.");
  EXPECT_EQ(R("met at 10am with Oliver Smith"), "met at 10am with [NAME]");
}

TEST_F(NamesTest, MalformedGazetteerNamesTheLine) {
  auto r = Redactor::Create("# comment\noliver\tG\nsmith\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("line 3"));
  EXPECT_FALSE(Redactor::Create("oliver\tQ\n").ok());
}

TEST_F(NamesTest, EveryOrderAndCaseWithoutHints) {
  EXPECT_EQ(R("Seen with Oliver Smith today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with SMITH, Oliver today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with Smith, Oliver today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("Seen with OLIVER SMITH today."), "Seen with [NAME] today.");
  EXPECT_EQ(R("seen with oliver smith today."), "seen with [NAME] today.");
  EXPECT_EQ(R("Seen with O. Smith today."), "Seen with [NAME] today.");
}

TEST_F(NamesTest, ContextCues) {
  EXPECT_EQ(R("NOK Ellie on scene."), "NOK [NAME] on scene.");
  EXPECT_EQ(R("nok ellie aware."), "nok [NAME] aware.");
  EXPECT_EQ(R("Caller Zbigniewa Qwertyuk reports noise."), "Caller [NAME] reports noise.");
  EXPECT_EQ(R("Pt: Tomasz Wrzesniewski-Kaur, alert."), "Pt: [NAME], alert.");
  EXPECT_EQ(R("Seen by Dr Patel."), "Seen by Dr [NAME].");
  EXPECT_EQ(R("Mr Xandervelt was present."), "Mr [NAME] was present.");
  EXPECT_EQ(R("Witness Qorvath Blenkins saw it."), "Witness [NAME] saw it.");
  EXPECT_EQ(R("Suspect known as 'Tommo' left."), "Suspect known as '[NAME]' left.");
  EXPECT_EQ(R("Suspect aka tommo left."), "Suspect aka [NAME] left.");
  EXPECT_EQ(R("Later Xyvor Plumtree states he was hit."), "Later [NAME] states he was hit.");
  EXPECT_EQ(R("His mother Siobhan attended."), "His mother [NAME] attended.");
}

TEST_F(NamesTest, ParticlesHyphensApostrophesAccents) {
  EXPECT_EQ(R("Victim Siobhán Ní Bhriain."), "Victim [NAME].");
  EXPECT_EQ(R("Seen with Sean O'Brien."), "Seen with [NAME].");
  EXPECT_EQ(R("Seen with Rhys Ap Rhys."), "Seen with [NAME].");
  EXPECT_EQ(R("Seen with Amelia Smith-Jones."), "Seen with [NAME].");
  EXPECT_EQ(R("Seen with Łukasz Kowalski."), "Seen with [NAME].");
  EXPECT_EQ(R("Seen with Sophie van Dijk."), "Seen with [NAME].");
}

TEST_F(NamesTest, PlacesAreKept) {
  for (std::string_view place :
       {"Fight outside The Crown, George Street at 23:00.", "Assault at Watford Junction station.",
        "Taken to Victoria station.", "Found near the King's Head.", "Officers at St Albans.",
        "Walked down Church Lane toward Hatfield Road.", "Seen in Oxford Street on Friday.",
        "Incident at The Duke of Wellington.", "Met on 3 June at the Red Lion."}) {
    EXPECT_EQ(R(place), place);
  }
}

TEST_F(NamesTest, NiNumberAfterACue) {
  // Prefixes HMRC does not issue, and a bad suffix: removed after a cue only.
  EXPECT_EQ(R("NI QA123456Z given."), "NI [NI_NUMBER] given.");
  EXPECT_EQ(R("NINO: DF 12 34 56 E."), "NINO: [NI_NUMBER].");
  EXPECT_EQ(R("NI no QQ 12 34 56 X."), "NI no [NI_NUMBER].");
  EXPECT_EQ(R("National Insurance number OV123456Q noted."),
            "National Insurance number [NI_NUMBER] noted.");
  EXPECT_EQ(R("ni - fo123456k"), "ni - [NI_NUMBER]");
  // Without a cue, today's validity rules.
  EXPECT_EQ(R("Ref QA123456Z filed."), "Ref QA123456Z filed.");
  EXPECT_EQ(R("Ref AB123456C filed."), "Ref [NI_NUMBER] filed.");
}

TEST_F(NamesTest, EmailsAreLabelledEmails) {
  EXPECT_EQ(R("GP letter to oliver.smith@nhs.net today."), "GP letter to [EMAIL] today.");
  EXPECT_EQ(R("GP letter to oliver.smith@nhs.net",
              {{IdentifierKind::kName, "Oliver Smith"},
               {IdentifierKind::kEmail, "oliver.smith@nhs.net"}}),
            "GP letter to [EMAIL]");
  EXPECT_EQ(R("GP letter to x@y.org"), "GP letter to [EMAIL]");
  EXPECT_EQ(R("Email Smith.O@example.org re follow-up."), "Email [EMAIL] re follow-up.");
}

TEST_F(NamesTest, HomeAddressWithoutHouseNumber) {
  EXPECT_EQ(R("Victim lives at Kingsley Court, Watford."), "Victim lives at [ADDRESS], Watford.");
  EXPECT_EQ(R("Home address: Meadow Close."), "Home address: [ADDRESS].");
  EXPECT_EQ(R("Address 12 Orchard Way, Luton."), "Address [ADDRESS], Luton.");
  // A pub's street is not a home address.
  EXPECT_EQ(R("Fight at The Crown, George Street."), "Fight at The Crown, George Street.");
}

TEST_F(NamesTest, PossessivesKeepTheirApostrophe) {
  EXPECT_EQ(R("Oliver Smith's car."), "[NAME]'s car.");
  EXPECT_EQ(R("Oliver Smith’s car."), "[NAME]’s car.");
  EXPECT_EQ(R("At The King’s Head."), "At The King’s Head.");
}

TEST_F(NamesTest, OrdinaryWordsStay) {
  EXPECT_EQ(R("Will attend in May if able."), "Will attend in May if able.");
  EXPECT_EQ(R("Grey Ford Focus seen."), "Grey Ford Focus seen.");
  EXPECT_EQ(R("Pt states fell. Pt alert."), "Pt states fell. Pt alert.");
}

}  // namespace
}  // namespace accord::policy
