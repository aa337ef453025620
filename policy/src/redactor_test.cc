#include "accord/policy/redactor.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "re2/re2.h"
#include "redactor_patterns.h"

namespace accord::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RedactorTest : public ::testing::Test {
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

  // Redacts and returns the output; fails the test on error.
  static std::string R(std::string_view text, std::vector<KnownIdentifier> known = {},
                       int* replaced = nullptr) {
    std::string out = "garbage";
    RedactionStats stats;
    absl::Status s = redactor_->Redact(text, known, &out, &stats);
    EXPECT_TRUE(s.ok()) << s;
    if (replaced != nullptr) *replaced = stats.replaced;
    return out;
  }

  static Redactor* redactor_;
};

Redactor* RedactorTest::redactor_ = nullptr;

KnownIdentifier Name(std::string_view v) { return {IdentifierKind::kName, v}; }
KnownIdentifier Phone(std::string_view v) { return {IdentifierKind::kPhone, v}; }
KnownIdentifier Nhs(std::string_view v) { return {IdentifierKind::kNhsNumber, v}; }
KnownIdentifier Postcode(std::string_view v) { return {IdentifierKind::kPostcode, v}; }
KnownIdentifier Dob(std::string_view v) { return {IdentifierKind::kDateOfBirth, v}; }
KnownIdentifier Email(std::string_view v) { return {IdentifierKind::kEmail, v}; }

TEST(PlaceholderTest, EveryKind) {
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kName), "[NAME]");
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kPhone), "[PHONE]");
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kEmail), "[EMAIL]");
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kPostcode), "[POSTCODE]");
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kNhsNumber), "[NHS_NUMBER]");
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kNiNumber), "[NI_NUMBER]");
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kVehicleReg), "[VEHICLE_REG]");
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kDateOfBirth), "[DOB]");
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kAddress), "[ADDRESS]");
  EXPECT_EQ(PlaceholderFor(IdentifierKind::kOther), "[IDENTIFIER]");
}

TEST_F(RedactorTest, PoliceNarrativeFromTheBrief) {
  int replaced = 0;
  EXPECT_EQ(R("Victim SMITH, John (DOB 14/03/1990) assaulted outside The Crown, George St "
              "AL1 3XY. Called from 07700 900123, car AB12 CDE.",
              {Name("John Smith"), Dob("1990-03-14"), Postcode("AL1 3XY"), Phone("07700 900123")},
              &replaced),
            "Victim [NAME] (DOB [DOB]) assaulted outside The Crown, George St [POSTCODE]. "
            "Called from [PHONE], car [VEHICLE_REG].");
  EXPECT_EQ(replaced, 5);
}

TEST_F(RedactorTest, SameNarrativeWithoutKnownIdentifiersStillRemovesPatterns) {
  // Without the record's name the name is still found (cue, shape and
  // gazetteer); every pattern still goes; the pub and its street stay.
  EXPECT_EQ(R("Victim SMITH, John (DOB 14/03/1990) assaulted outside The Crown, George St "
              "AL1 3XY. Called from 07700 900123, car AB12 CDE."),
            "Victim [NAME] (DOB [DOB]) assaulted outside The Crown, George St [POSTCODE]. "
            "Called from [PHONE], car [VEHICLE_REG].");
}

TEST_F(RedactorTest, EmptyText) {
  int replaced = -1;
  EXPECT_EQ(R("", {Name("John Smith")}, &replaced), "");
  EXPECT_EQ(replaced, 0);
}

TEST_F(RedactorTest, TextWithoutIdentifiersIsCopiedExactly) {
  const std::string text =
      "Pt states assaulted by unknown male outside The Crown, George Street at 23:40. "
      "Incident on 14/03/2024. Laceration 3cm to L forearm. crème brûlée café 2nd floor.";
  int replaced = -1;
  EXPECT_EQ(R(text, {Name("Ann Jones")}, &replaced), text);
  EXPECT_EQ(replaced, 0);
}

TEST_F(RedactorTest, TextOfOnlyIdentifiers) {
  EXPECT_EQ(R("07700 900123", {}), "[PHONE]");
  EXPECT_EQ(R("John Smith", {Name("John Smith")}), "[NAME]");
  EXPECT_EQ(R("943 476 5919 AL1 3XY", {}), "[NHS_NUMBER] [POSTCODE]");
}

TEST_F(RedactorTest, InvalidUtf8IsRejectedWithoutEchoingTheText) {
  std::string out = "previous";
  RedactionStats stats;
  stats.replaced = 7;
  absl::Status s = redactor_->Redact("John \xC3\x28 Smith 07700 900123", {Name("John Smith")},
                                     &out, &stats);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("Smith")));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("07700")));
  EXPECT_EQ(out, "");
  EXPECT_EQ(stats.replaced, 0);
  // Overlong encoding, lone continuation byte, surrogate, truncated sequence.
  for (std::string_view bad : {"\xC0\xAF", "\x80", "\xED\xA0\x80", "abc\xE2\x82"}) {
    EXPECT_EQ(redactor_->Redact(bad, {}, &out).code(), absl::StatusCode::kInvalidArgument);
  }
}

// --- Names ------------------------------------------------------------------

TEST_F(RedactorTest, NameInEveryOrderAndCase) {
  const std::vector<KnownIdentifier> k = {Name("John Smith")};
  EXPECT_EQ(R("Seen: SMITH, John; john smith; JOHN; Smith; J. Smith; J Smith.", k),
            "Seen: [NAME]; [NAME]; [NAME]; [NAME]; [NAME]; [NAME].");
  EXPECT_EQ(R("Smith,John left. Then Smith spoke to John Smith's sister.", k),
            "[NAME] left. Then [NAME] spoke to [NAME]'s sister.");
}

TEST_F(RedactorTest, NameGivenSurnameFirst) {
  EXPECT_EQ(R("john smith and SMITH John", {Name("SMITH, John")}), "[NAME] and [NAME]");
}

TEST_F(RedactorTest, NameDoesNotEatSubstrings) {
  const std::vector<KnownIdentifier> k = {Name("Ann Lee")};
  EXPECT_EQ(R("Annual review. Ann seen by Leeds team; LEE, Ann agreed. Annex not involved.", k),
            "Annual review. [NAME] seen by Leeds team; [NAME] agreed. Annex not involved.");
}

TEST_F(RedactorTest, SingleLettersAreNotRemovedAlone) {
  // "J" and "I" are initials of known names but stand alone here.
  EXPECT_EQ(R("Smith I think. J was there. Block J.", {Name("John Smith"), Name("Ian Ray")}),
            "[NAME] I think. J was there. Block J.");
}

TEST_F(RedactorTest, SentenceBoundaryIsKept) {
  EXPECT_EQ(R("Spoke to Smith. John arrived later.", {Name("John Smith")}),
            "Spoke to [NAME]. [NAME] arrived later.");
}

TEST_F(RedactorTest, AccentedAndUnaccentedNames) {
  EXPECT_EQ(R("Zoe and ZOË and zoë and Zoe\xCC\x88 (combining)", {Name("Zoë Łukasz")}),
            "[NAME] and [NAME] and [NAME] and [NAME] (combining)");
  EXPECT_EQ(R("Lukasz arrived; ŁUKASZ left.", {Name("Zoe Lukasz")}),
            "[NAME] arrived; [NAME] left.");
  EXPECT_EQ(R("Siobhan OBrien and Siobhán O’Brien", {Name("Siobhán O'Brien")}),
            "[NAME] and [NAME]");
}

TEST_F(RedactorTest, ApostrophesAndHyphens) {
  const std::vector<KnownIdentifier> k = {Name("Sean O'Brien")};
  EXPECT_EQ(R("O'Brien; OBrien; O Brien; o'brien and Brien.", k),
            "[NAME]; [NAME]; [NAME]; [NAME] and [NAME].");
  // "SURNAME, Forename" is one name, but a list stays a list.
  EXPECT_EQ(R("O'BRIEN, Sean, O'Brien, Sean", k), "[NAME], [NAME]");
  EXPECT_EQ(R("Mary Smith-Jones; Smith Jones; SMITHJONES; Jones.", {Name("Mary Smith-Jones")}),
            "[NAME]; [NAME]; [NAME]; [NAME].");
}

TEST_F(RedactorTest, Particles) {
  EXPECT_EQ(R("Dafydd ap Rhys; Ap Rhys; ApRhys; Rhys; ap alone stays.", {Name("Dafydd ap Rhys")}),
            "[NAME]; [NAME]; [NAME]; [NAME]; ap alone stays.");
  EXPECT_EQ(R("Áine Ní Bhriain; Ni Bhriain; NÍ BHRIAIN; ni stays.", {Name("Áine Ní Bhriain")}),
            "[NAME]; [NAME]; [NAME]; ni stays.");
}

TEST_F(RedactorTest, PlaceholdersAreNotMatchedAgain) {
  EXPECT_EQ(R("[NAME] met Name at [PHONE].", {Name("Name")}), "[NAME] met [NAME] at [PHONE].");
}

// --- Known non-name identifiers ------------------------------------------------

TEST_F(RedactorTest, KnownPhoneInEveryFormat) {
  const std::vector<KnownIdentifier> k = {Phone("07700 900123")};
  EXPECT_EQ(R("a 07700900123 b +44 7700 900123 c +447700900123 d 07700-900-123 e "
              "(07700) 900123 f +44 (0)7700 900123 g 0044 7700 900123",
              k),
            "a [PHONE] b [PHONE] c [PHONE] d [PHONE] e [PHONE] f [PHONE] g [PHONE]");
  // A different number is still removed by pattern; digits inside a longer
  // number are not.
  EXPECT_EQ(R("tel 07700 900124, ref 1077009001234", k), "tel [PHONE], ref 1077009001234");
}

TEST_F(RedactorTest, KnownForeignPhone) {
  EXPECT_EQ(R("Rang +33 1 23 45 67 89 twice", {Phone("+33 1 23 45 67 89")}), "Rang [PHONE] twice");
}

TEST_F(RedactorTest, KnownNhsNumber) {
  const std::vector<KnownIdentifier> k = {Nhs("9434765919")};
  EXPECT_EQ(R("NHS 9434765919 / 943 476 5919 / 943-476-5919", k),
            "NHS [NHS_NUMBER] / [NHS_NUMBER] / [NHS_NUMBER]");
}

TEST_F(RedactorTest, KnownPostcode) {
  EXPECT_EQ(R("lives al13xy, formerly AL1  3XY and Al1 3xy", {Postcode("AL1 3XY")}),
            "lives [POSTCODE], formerly [POSTCODE] and [POSTCODE]");
}

TEST_F(RedactorTest, KnownDateOfBirthInEveryFormat) {
  const std::vector<KnownIdentifier> k = {Dob("1990-03-14")};
  EXPECT_EQ(R("a 14/03/1990 b 14.03.1990 c 14 March 1990 d 14 Mar 1990 e March 14, 1990 "
              "f 1990-03-14 g 14th March 1990 h 14/3/90",
              k),
            "a [DOB] b [DOB] c [DOB] d [DOB] e [DOB] f [DOB] g [DOB] h [DOB]");
  // Other dates (incident dates) stay.
  EXPECT_EQ(R("Incident 15/03/1990 and 14/03/2024", k), "Incident 15/03/1990 and 14/03/2024");
}

TEST_F(RedactorTest, KnownEmailAnyCase) {
  EXPECT_EQ(R("mail J.Smith@Example.org or j.smith@example.ORG", {Email("j.smith@example.org")}),
            "mail [EMAIL] or [EMAIL]");
}

TEST_F(RedactorTest, KnownOtherIsMatchedVerbatimAsWholeWord) {
  EXPECT_EQ(R("Custody ref ab/1234/26 and AB/1234/267", {{IdentifierKind::kOther, "AB/1234/26"}}),
            "Custody ref [IDENTIFIER] and AB/1234/267");
}

// --- Patterns -----------------------------------------------------------------

TEST_F(RedactorTest, NameWrittenAgainstAnotherIdentifierIsRemovedToo) {
  // Found by policy_redactor_fuzz: "YYYY" was part of the word "YYYYϟYYYY"
  // until the literal "ϟ" was replaced, then stood alone beside "[PHONE]".
  int replaced = 0;
  EXPECT_EQ(R("YYYY\u03dfYYYY\u03dfYYYY",
              {{IdentifierKind::kPhone, "\u03df"}, {IdentifierKind::kName, "YYYY"}}, &replaced),
            "[NAME][PHONE][NAME][PHONE][NAME]");
  EXPECT_EQ(replaced, 5);
  EXPECT_EQ(R("Seen by Smith\u00e9ref#42 today",
              {{IdentifierKind::kOther, "\u00e9ref#42"}, {IdentifierKind::kName, "Jo Smith"}}),
            "Seen by [NAME][IDENTIFIER] today");
}

TEST_F(RedactorTest, UkPhonePatterns) {
  EXPECT_EQ(R("m 07700 900456, l (01727) 123456, l2 020 7946 0018, +44 20 7946 0018, "
              "03069 990123, 07700-900-789"),
            "m [PHONE], l [PHONE], l2 [PHONE], [PHONE], [PHONE], [PHONE]");
  // Not phones: too short, a time, a sum of money.
  EXPECT_EQ(R("call 999 at 23:40, cost 1500 pounds, 0800 value"),
            "call 999 at 23:40, cost 1500 pounds, 0800 value");
}

TEST_F(RedactorTest, NhsNumberOnlyWithValidChecksum) {
  EXPECT_EQ(R("NHS 943 476 5919 and 9434765919 and 943-476-5919"),
            "NHS [NHS_NUMBER] and [NHS_NUMBER] and [NHS_NUMBER]");
  // Same shape, wrong check digit: left alone.
  EXPECT_EQ(R("ref 943 476 5918 and 9434765910"), "ref 943 476 5918 and 9434765910");
  // A check digit of 10 is never valid.
  EXPECT_TRUE(redact_internal::NhsChecksumValid("401 023 2137"));
  EXPECT_FALSE(redact_internal::NhsChecksumValid("4010232138"));
}

TEST_F(RedactorTest, Emails) {
  EXPECT_EQ(R("contact john.smith+x@herts.police.uk, or A&E at ed-team@nhs.net."),
            "contact [EMAIL], or A&E at [EMAIL].");
}

TEST_F(RedactorTest, Postcodes) {
  EXPECT_EQ(R("AL1 3XY, al13xy, M1 1AE, SW1A 1AA, ec1a1bb"),
            "[POSTCODE], [POSTCODE], [POSTCODE], [POSTCODE], [POSTCODE]");
  // Partial shapes are not postcodes.
  EXPECT_EQ(R("the A1 and M25, sector AL1 3, room B12"), "the A1 and M25, sector AL1 3, room B12");
}

TEST_F(RedactorTest, NationalInsuranceNumbers) {
  EXPECT_EQ(R("NI QQ 12 34 56 C, QQ123456C, ab123456d"), "NI [NI_NUMBER], [NI_NUMBER], [NI_NUMBER]");
  // D, F, I, Q, U, V are not valid first letters (QQ excepted); E is not a suffix.
  EXPECT_EQ(R("DA123456A FQ123456A AB123456E"), "DA123456A FQ123456A AB123456E");
}

TEST_F(RedactorTest, VehicleRegistrations) {
  EXPECT_EQ(R("cars AB12 CDE, ab12cde, Y123 ABC"), "cars [VEHICLE_REG], [VEHICLE_REG], [VEHICLE_REG]");
  // Words and motorways are not registrations.
  EXPECT_EQ(R("ON THE M4 AND M25, ABCD EFG, 12 CDE"), "ON THE M4 AND M25, ABCD EFG, 12 CDE");
  // A road-like prefix plate after a word in lower or mixed case is a plate.
  EXPECT_EQ(R("left in a grey Ford Focus A222 MAY towards"),
            "left in a grey Ford Focus [VEHICLE_REG] towards");
  EXPECT_EQ(R("white Transit van B742 HAD."), "white Transit van [VEHICLE_REG].");
}

TEST_F(RedactorTest, DatesOfBirthNeedACue) {
  EXPECT_EQ(R("DOB: 14/03/1990. d.o.b 1.2.1985, born 14 March 1990, date of birth March 14, 1990"),
            "DOB: [DOB]. d.o.b [DOB], born [DOB], date of birth [DOB]");
  EXPECT_EQ(R("Attended 14/03/2024, seen 15 March 2024."),
            "Attended 14/03/2024, seen 15 March 2024.");
}

TEST_F(RedactorTest, Addresses) {
  EXPECT_EQ(R("Lives at 12 High Street with family; visited 4a Church Lane."),
            "Lives at [ADDRESS] with family; visited [ADDRESS].");
  EXPECT_EQ(R("At 23:40 Church Road was closed."), "At 23:40 Church Road was closed.");
}

TEST_F(RedactorTest, OverlapsMergeIntoOnePlaceholder) {
  // The known name inside an e-mail address: the e-mail (leftmost, longest) wins.
  EXPECT_EQ(R("wrote to john.smith@example.org", {Name("John Smith")}), "wrote to [EMAIL]");
}

TEST_F(RedactorTest, TriageNote) {
  EXPECT_EQ(R("Pt Zoë Ní Bhriain, NHS 943 476 5919, brought in by friend (tel 07700 900987). "
              "Assaulted at The Feathers pub, 3 Market Place, AL3 5DJ approx 01:30. Punched x3, "
              "LOC <1 min. Zoe reports assailant known to her.",
              {Name("Zoë Ní Bhriain"), Nhs("943 476 5919")}),
            "Pt [NAME], NHS [NHS_NUMBER], brought in by friend (tel [PHONE]). "
            "Assaulted at The Feathers pub, [ADDRESS], [POSTCODE] approx 01:30. Punched x3, "
            "LOC <1 min. [NAME] reports assailant known to her.");
}

TEST_F(RedactorTest, ThreeHundredCharacterNarrative) {
  const std::string text =
      "At 22:15 on 14/03/2024 officers attended The Crown, George Street, St Albans AL1 3XY "
      "following a call from KOWALSKI, Łukasz (DOB 02/11/1987) on 07700 900321. Victim "
      "states Lukasz's ex-partner struck him with a bottle. Suspect left in grey Ford Focus "
      "AB12 CDE towards Hatfield Road. Victim's NI QQ 12 34 56 C noted.";
  ASSERT_GE(text.size(), 300u);
  int replaced = 0;
  EXPECT_EQ(R(text, {Name("Łukasz Kowalski"), Phone("07700900321"), Dob("1987-11-02"),
                     Postcode("AL1 3XY")},
              &replaced),
            "At 22:15 on 14/03/2024 officers attended The Crown, George Street, St Albans "
            "[POSTCODE] following a call from [NAME] (DOB [DOB]) on [PHONE]. Victim states "
            "[NAME]'s ex-partner struck him with a bottle. Suspect left in grey Ford Focus "
            "[VEHICLE_REG] towards Hatfield Road. Victim's NI [NI_NUMBER] noted.");
  EXPECT_EQ(replaced, 7);
}

TEST_F(RedactorTest, OutputBufferIsReusedAndCleared) {
  std::string out = "left over from a previous record";
  ASSERT_TRUE(redactor_->Redact("plain", {}, &out).ok());
  EXPECT_EQ(out, "plain");
}

// --- Helpers --------------------------------------------------------------------

TEST(RedactorPatternsTest, ParseDate) {
  using redact_internal::ParseDate;
  auto d = ParseDate("March 14, 1990");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->year, 1990);
  EXPECT_EQ(d->month, 3);
  EXPECT_EQ(d->day, 14);
  d = ParseDate("03/14/1990");  // month first only when day first is impossible
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->month, 3);
  EXPECT_EQ(d->day, 14);
  EXPECT_FALSE(ParseDate("14/13/1990").has_value() && ParseDate("14/13/1990")->month == 13);
  EXPECT_FALSE(ParseDate("32/03/1990").has_value());
  EXPECT_FALSE(ParseDate("14 Marc 1990").has_value());
  EXPECT_FALSE(ParseDate("1990-03-14x").has_value());
}

// The hand-written matchers implement exactly the language of the RE2
// sources: compare them on strings around every edge of each shape.
TEST(RedactorPatternsTest, HandMatchersAgreeWithRe2) {
  namespace ri = redact_internal;
  struct Case {
    ri::Pattern pattern;
    size_t (*match)(std::string_view, size_t);
  };
  const Case cases[] = {
      {ri::kPhonePattern, ri::MatchPhoneAt},       {ri::kNhsPattern, ri::MatchNhsShapeAt},
      {ri::kPostcodePattern, ri::MatchPostcodeAt}, {ri::kNiPattern, ri::MatchNiAt},
      {ri::kRegPattern, ri::MatchRegAt},           {ri::kRegPrefixPattern, ri::MatchRegPrefixAt},
      {ri::kDobCuePattern, ri::MatchDobCueAt},
  };
  const std::vector<std::string> texts = {
      "07700 900123", "07700900123", "07700-900-123", "(07700) 900123", "+44 7700 900123",
      "+447700900123", "+44 (0)7700 900123", "+44-20-7946-0018", "(01727) 123456", "020 7946 0018",
      "0207946001", "02079460018", "020794600189", "07700 900123a", "07700 90012", "0800 123456",
      "0 7700 900123", "07700  900123", "07700 900123_", "943 476 5919", "9434765919", "943-476-5919",
      "943 4765919", "94347659190", "943 476 591", "943  476 5919", "AL1 3XY", "al13xy", "AL1  3XY",
      "AL1   3XY", "SW1A 1AA", "EC1A1BB", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "AL1 3CY",
      "AL1 3XYZ", "A1", "AL13X", "ALX1 3XY", "1AL 3XY", "QQ 12 34 56 C", "QQ123456C", "AB123456D",
      "ab 12 34 56 a", "DA123456A", "AO123456A", "QQ 12 34 56 E", "QQ 12 34 56", "QQ  12 34 56 C",
      "AB12 CDE", "ab12cde", "AB12  CDE", "AB1 CDE", "AB12 CD", "AB12 CDEF", "A123 BCD", "A1 BCD",
      "Y123ABC", "I123 ABC", "A1234 BCD", "A123 BCI", "a123 bcd", "A123 BC", "M4 AND", "",
      "0", "+44", "(0", "QQ", "AB12", "A123",
      // Date-of-birth cues and every date shape.
      "DOB 14/03/1990", "dob: 14/03/90", "D.O.B. 14.03.1990", "d.o.b 14-3-1990", "DoB(14/03/1990)",
      "DOB: (14/03/1990)", "DOB 14/03/199", "DOB 14/03/19901", "DOB 14/03/1", "DOB 14/03/90x",
      "DOB 14/03/1990x", "DOB 14/03/1990_", "DOB 14/03/1990.", "DOB 114/03/1990", "DOB 14/003/1990",
      "DOB 1990-03-14", "DOB 1990-3-4", "DOB 1990-03-145", "DOB 1990-003-14", "DOB 19901-03-14",
      "DOB 199-03-14", "DOB 32/13/1990", "DOB 14th March 1990", "DOB 14 Mar 1990", "DOB 1st Sept, 1990",
      "DOB 2nd sep. 1990", "DOB 3rd Septe 1990", "DOB 14 March  1990", "DOB 14March 1990",
      "DOB 14 March 199", "DOB 14 March 19901", "DOB 14st\tJune\n1990", "DOB 14stt June 1990",
      "DOB March 14, 1990", "DOB Mar. 14th 1990", "DOB jul 4 1990", "DOB July 4,1990",
      "DOB July 414, 1990", "DOB Julyy 4, 1990", "DOB May 1990", "DOB december 31st,  2001x",
      "dob\v14/03/1990", "DOB -:, (14/03/1990)", "DOB((14/03/1990)", "DOBX 14/03/1990",
      "DOB. 14/03/1990", "DOB.. 14/03/1990", "D.OB 14/03/1990", "DO.B 14/03/1990", "D..OB 1/1/90",
      "DOB\f1/1/90", "born 14/03/1990", "born on 14/03/1990", "Born  On 14 March 1990",
      "born onwards 1990", "born october 3, 1990", "born on", "borne 14/03/1990", "bornon 1/1/90",
      "born\ron\r1/1/90", "date of birth: 14/03/1990", "Date  Of\tBirth 1990-03-14",
      "date of birthday 1/1/90", "dateof birth 1/1/90", "date of birth", "dob", "d", "DOB Ü"};
  RE2::Options options;
  options.set_longest_match(true);
  for (const Case& c : cases) {
    RE2 re(ri::PatternSource(c.pattern), options);
    ASSERT_TRUE(re.ok()) << re.error();
    for (const std::string& text : texts) {
      re2::StringPiece m;
      const size_t want =
          re.Match(text, 0, text.size(), RE2::ANCHOR_START, &m, 1) ? m.size() : 0;
      EXPECT_EQ(c.match(text, 0), want) << "pattern " << c.pattern << " on '" << text << "'";
    }
  }
}

// What the scan's shortcuts rely on (MatchWordStart): an NI number is an NI
// shape with the same end, and a postcode or plate needs a digit second or third.
TEST(RedactorPatternsTest, ScanShortcutsHold) {
  namespace ri = redact_internal;
  std::vector<std::string> texts = {"QQ 12 34 56 C", "QQ123456C", "AB123456D", "ab 12 34 56 a",
                                    "DA123456A", "AO123456A", "QQ 12 34 56 E", "AB 1234 56D",
                                    "AL1 3XY", "SW1A 1AA", "AB12 CDE", "A123 BCD", "M4 AND",
                                    "At 22:15", "on 07700 900321", "QQ 12 34 56C", "zz 99 99 99 z"};
  // Every two letters before a few digit and space shapes.
  const std::string letters = "ABDFIOQUVZadq";
  for (char a : letters) {
    for (char b : letters) {
      for (const char* rest : {"123456C", " 12 34 56 D", "12 3456 A", "1 3XY", "12 CDE", "123 BCD"}) {
        texts.push_back(std::string{a, b} + rest);
        texts.push_back(std::string{a} + rest);
      }
    }
  }
  int ni_numbers = 0;
  for (const std::string& t : texts) {
    if (size_t ni = ri::MatchNiAt(t, 0); ni != 0) {
      ++ni_numbers;
      EXPECT_EQ(ri::MatchNiShapeAt(t, 0), ni) << t;
    }
    const bool digit_near = (t.size() > 1 && absl::ascii_isdigit(static_cast<unsigned char>(t[1]))) ||
                            (t.size() > 2 && absl::ascii_isdigit(static_cast<unsigned char>(t[2])));
    if (!digit_near) {
      EXPECT_EQ(ri::MatchPostcodeAt(t, 0), 0u) << t;
      EXPECT_EQ(ri::MatchRegAt(t, 0), 0u) << t;
      EXPECT_EQ(ri::MatchRegPrefixAt(t, 0), 0u) << t;
    }
  }
  EXPECT_GT(ni_numbers, 50);  // the implication was exercised
}

// The date-of-birth cue matcher returns the end of the cue and its date.
TEST(RedactorPatternsTest, DobCueMatcherEndsAfterTheDate) {
  namespace ri = redact_internal;
  EXPECT_EQ(ri::MatchDobCueAt("DOB 14/03/1990 seen", 0), 14u);
  EXPECT_EQ(ri::MatchDobCueAt("x d.o.b: (14th March 1990)", 2), 25u);
  EXPECT_EQ(ri::MatchDobCueAt("born on March 14, 1990.", 0), 22u);
  EXPECT_EQ(ri::MatchDobCueAt("date of birth 1990-03-14", 0), 24u);
  EXPECT_EQ(ri::MatchDobCueAt("xDOB 14/03/1990", 1), 0u);  // no word boundary before the cue
  EXPECT_EQ(ri::MatchDobCueAt("DOB unknown", 0), 0u);
}

TEST(RedactorPatternsTest, Utf8) {
  using redact_internal::IsValidUtf8;
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("Zoë Łukasz 😀"));
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
}

}  // namespace
}  // namespace accord::policy
