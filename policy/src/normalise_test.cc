#include "accord/policy/normalise.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace accord::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Ok(const absl::StatusOr<std::string>& s) {
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : "<error>";
}

TEST(NhsNumber, AcceptsWrittenForms) {
  EXPECT_EQ(Ok(NormaliseNhsNumber("9434765919")), "9434765919");
  EXPECT_EQ(Ok(NormaliseNhsNumber("943 476 5919")), "9434765919");
  EXPECT_EQ(Ok(NormaliseNhsNumber("943-476-5919")), "9434765919");
  EXPECT_EQ(Ok(NormaliseNhsNumber(" 943  476-5919 ")), "9434765919");
  // Remainder 0 gives check 11, written as 0.
  EXPECT_EQ(Ok(NormaliseNhsNumber("000 000 0000")), "0000000000");
}

TEST(NhsNumber, RejectsBadCheckDigitAndShape) {
  auto bad = NormaliseNhsNumber("9434765918");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("check digit"));
  EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr("943")));
  EXPECT_FALSE(NormaliseNhsNumber("943476591").ok());    // 9 digits
  EXPECT_FALSE(NormaliseNhsNumber("94347659190").ok());  // 11 digits
  EXPECT_FALSE(NormaliseNhsNumber("943/476/5919").ok());
  EXPECT_FALSE(NormaliseNhsNumber("").ok());
  // Computed check digit 10 is never valid: 1234567890 -> sum 1*10+2*9+...+9*2 = 210,
  // 210 % 11 = 1, 11 - 1 = 10.
  EXPECT_FALSE(IsValidNhsNumber("1234567890"));
  EXPECT_FALSE(IsValidNhsNumber("1234567891"));
  EXPECT_TRUE(IsValidNhsNumber("9434765919"));
  EXPECT_FALSE(IsValidNhsNumber("943 4765919"));
}

TEST(Postcode, NormalisesAndFormats) {
  EXPECT_EQ(Ok(NormalisePostcode("AL1 3XY")), "AL13XY");
  EXPECT_EQ(Ok(NormalisePostcode("al13xy")), "AL13XY");
  EXPECT_EQ(Ok(NormalisePostcode(" sw1a  1aa ")), "SW1A1AA");
  EXPECT_EQ(Ok(NormalisePostcode("M1 1AE")), "M11AE");
  EXPECT_EQ(Ok(NormalisePostcode("B33 8TH")), "B338TH");
  EXPECT_EQ(Ok(NormalisePostcode("CR2 6XH")), "CR26XH");
  EXPECT_EQ(Ok(NormalisePostcode("DN55 1PT")), "DN551PT");
  EXPECT_EQ(Ok(NormalisePostcode("W1A 0AX")), "W1A0AX");
  EXPECT_EQ(Ok(NormalisePostcode("gir 0aa")), "GIR0AA");
  EXPECT_EQ(Ok(FormatPostcode("al13xy")), "AL1 3XY");
  EXPECT_EQ(Ok(FormatPostcode("SW1A1AA")), "SW1A 1AA");
  EXPECT_EQ(Ok(FormatPostcode("m11ae")), "M1 1AE");
}

TEST(Postcode, RejectsOtherShapes) {
  for (const char* bad : {"", "AL1", "AL1 3X", "1AL 3XY", "AL1 XXY", "AL12 3XYZ", "ALL1 3XY",
                          "AL1-3XY", "A 1", "AAA9 9AA", "A9AA 9AA", "ÄL1 3XY"}) {
    auto r = NormalisePostcode(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(Name, FoldsCaseAccentsAndPunctuation) {
  EXPECT_EQ(Ok(NormaliseName("Zoë")), "zoe");
  EXPECT_EQ(Ok(NormaliseName("ZOE")), "zoe");
  EXPECT_EQ(Ok(NormaliseName("Łukasz")), "lukasz");
  EXPECT_EQ(Ok(NormaliseName("Ní Bhriain")), "ni bhriain");
  EXPECT_EQ(Ok(NormaliseName("Weiß")), "weiss");
  EXPECT_EQ(Ok(NormaliseName("Ærøskøbing")), "aeroskobing");
  EXPECT_EQ(Ok(NormaliseName("Œuvre")), "oeuvre");
  EXPECT_EQ(Ok(NormaliseName("Þór")), "thor");
  EXPECT_EQ(Ok(NormaliseName("Dvořák")), "dvorak");
  EXPECT_EQ(Ok(NormaliseName("Şükrü")), "sukru");
  EXPECT_EQ(Ok(NormaliseName("O'Brien")), "obrien");
  EXPECT_EQ(Ok(NormaliseName("O’Brien")), "obrien");  // U+2019
  EXPECT_EQ(Ok(NormaliseName("OBRIEN")), "obrien");
  EXPECT_EQ(Ok(NormaliseName("O Brien")), "o brien");  // documented: a space is a break
  EXPECT_EQ(Ok(NormaliseName("Smith-Jones")), "smith jones");
  EXPECT_EQ(Ok(NormaliseName("  SMITH,   John  ")), "smith john");
  EXPECT_EQ(Ok(NormaliseName("Ap\u00a0Rhys")), "ap rhys");  // NBSP
  EXPECT_EQ(Ok(NormaliseName("Zoe\u0308")), "zoe");         // decomposed diaeresis
  EXPECT_EQ(Ok(NormaliseName("Mary-Jane O'Neil–Smith")), "mary jane oneil smith");  // en dash
  EXPECT_EQ(Ok(NormaliseName("Иван")), "Иван");  // other scripts pass through
}

TEST(Name, RejectsInvalid) {
  EXPECT_FALSE(NormaliseName("").ok());
  EXPECT_FALSE(NormaliseName(" -,' ").ok());
  auto bad = NormaliseName("Zo\xc3");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("UTF-8"));
  EXPECT_FALSE(NormaliseName(std::string(2000, 'a')).ok());
}

TEST(Name, Tokens) {
  EXPECT_THAT(NameTokens("SMITH, John"), ElementsAre("smith", "john"));
  EXPECT_THAT(NameTokens("Ní Bhriain-O'Neil"), ElementsAre("ni", "bhriain", "oneil"));
  EXPECT_THAT(NameTokens("Zoë"), ElementsAre("zoe"));
  EXPECT_THAT(NameTokens("--"), IsEmpty());
  EXPECT_THAT(NameTokens("\xff"), IsEmpty());
}

TEST(Phone, ReducesToNationalForm) {
  EXPECT_EQ(Ok(NormalisePhone("07700 900123")), "07700900123");
  EXPECT_EQ(Ok(NormalisePhone("+44 7700 900123")), "07700900123");
  EXPECT_EQ(Ok(NormalisePhone("0044 7700 900123")), "07700900123");
  EXPECT_EQ(Ok(NormalisePhone("+44 (0)7700 900123")), "07700900123");
  EXPECT_EQ(Ok(NormalisePhone("(01727) 123456")), "01727123456");
  EXPECT_EQ(Ok(NormalisePhone("01727-123-456")), "01727123456");
  EXPECT_EQ(Ok(NormalisePhone("0169 77 12345")), "01697712345");
  EXPECT_EQ(Ok(NormalisePhone("016977 2345")), "0169772345");  // 10-digit area
}

TEST(Phone, RejectsNonUk) {
  for (const char* bad : {"", "7700900123", "+1 212 555 0100", "00 1 212 555 0100", "0770090012a",
                          "077009001234", "077009", "+44", "00770090012"}) {
    auto r = NormalisePhone(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(Email, TrimsAndLowerCases) {
  EXPECT_EQ(Ok(NormaliseEmail("  John.Smith@Example.ORG\n")), "john.smith@example.org");
  EXPECT_FALSE(NormaliseEmail("john smith@example.org").ok());
  EXPECT_FALSE(NormaliseEmail("@example.org").ok());
  EXPECT_FALSE(NormaliseEmail("john@").ok());
  EXPECT_FALSE(NormaliseEmail("john").ok());
  EXPECT_FALSE(NormaliseEmail("a@b@c").ok());
  EXPECT_FALSE(NormaliseEmail("j\xc3@x.org").ok());
}

TEST(Date, CanonicalForm) {
  EXPECT_EQ(Ok(NormaliseDate("2026-11-22")), "2026-11-22");
  EXPECT_EQ(Ok(NormaliseDate("22/11/2026")), "2026-11-22");
  EXPECT_EQ(Ok(NormaliseDate(" 01/02/1990 ")), "1990-02-01");
  EXPECT_EQ(Ok(NormaliseDate("29/02/2024")), "2024-02-29");
  EXPECT_FALSE(NormaliseDate("29/02/2023").ok());
  EXPECT_FALSE(NormaliseDate("2026-13-01").ok());
  EXPECT_FALSE(NormaliseDate("2026-11-31").ok());
  EXPECT_FALSE(NormaliseDate("0000-01-01").ok());
  EXPECT_FALSE(NormaliseDate("2026/11/22").ok());
  EXPECT_FALSE(NormaliseDate("2026-1-022").ok());
  EXPECT_FALSE(NormaliseDate("+026-11-22").ok());
  EXPECT_FALSE(NormaliseDate("").ok());
}

TEST(Utf8, Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Zoë Łukasz 漢字 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
}

}  // namespace
}  // namespace accord::policy

namespace accord::policy {
namespace {

std::string Link(std::string_view name) {
  auto v = NormaliseNameForLinkage(name);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : "";
}

TEST(NameLinkage, OrderCaseAndCommaDoNotMatter) {
  const std::string want = "oliver smith";
  for (std::string_view form : {"SMITH, Oliver", "Oliver Smith", "oliver smith", "OLIVER SMITH",
                                "Smith Oliver", " smith ,oliver "}) {
    EXPECT_EQ(Link(form), want) << form;
  }
}

TEST(NameLinkage, AccentsParticlesAndDoubleBarrelled) {
  EXPECT_EQ(Link("O'Brien, Seán"), Link("Sean O Brien"));
  EXPECT_EQ(Link("Sean O'Brien"), "obrien sean");
  EXPECT_EQ(Link("VAN DER BERG, Jan"), "jan vanderberg");
  EXPECT_EQ(Link("Jan van der Berg"), "jan vanderberg");
  EXPECT_EQ(Link("Rhys ap Gwilym"), Link("AP GWILYM, Rhys"));
  EXPECT_EQ(Link("Siobhán Ní Bhriain"), Link("NI BHRIAIN, Siobhan"));
  EXPECT_EQ(Link("Anna Smith-Jones"), Link("SMITH JONES, Anna"));
  EXPECT_EQ(Link("Anna Smith-Jones"), "anna jones smith");
  EXPECT_EQ(Link("Zoë"), "zoe");
  EXPECT_EQ(Link("Di Smith"), Link("SMITH, Di"));  // a trailing particle stays a word
}

TEST(NameLinkage, DocumentedNonLinks) {
  EXPECT_NE(Link("O. Smith"), Link("Oliver Smith"));              // initial
  EXPECT_NE(Link("Oliver James Smith"), Link("Oliver Smith"));    // middle name on one side
  EXPECT_NE(Link("Anna SmithJones"), Link("Anna Smith-Jones"));   // barrel written as one word
}

TEST(NameLinkage, EqualVersionOneFormsStayEqual) {
  // Anything NormaliseName made equal stays equal.
  for (auto [a, b] : std::vector<std::pair<std::string_view, std::string_view>>{
           {"Zoë O'Neil", "ZOE ONEIL"}, {"SMITH, John", "smith john"}, {"Łukasz", "LUKASZ"}}) {
    ASSERT_EQ(*NormaliseName(a), *NormaliseName(b));
    EXPECT_EQ(Link(a), Link(b));
  }
  EXPECT_FALSE(NormaliseNameForLinkage("  ,' ").ok());
}

}  // namespace
}  // namespace accord::policy
