#include "accord/base/civil_text.h"

#include <string>

#include "gtest/gtest.h"

namespace accord::base {
namespace {

TEST(CivilTextTest, MatchesAbslFormattingForFourDigitYears) {
  for (const absl::CivilDay d : {absl::CivilDay(1000, 1, 1), absl::CivilDay(1987, 11, 2), absl::CivilDay(2024, 2, 29),
                                 absl::CivilDay(2026, 12, 3), absl::CivilDay(9999, 12, 31)}) {
    ASSERT_TRUE(AbslFormatsAsFourDigits(d.year()));
    std::string day;
    AppendCivilDay(d, &day);
    EXPECT_EQ(day, absl::FormatCivilTime(d));
    std::string month;
    AppendCivilMonth(absl::CivilMonth(d), &month);
    EXPECT_EQ(month, absl::FormatCivilTime(absl::CivilMonth(d)));
  }
}

TEST(CivilTextTest, AppendsToWhatIsThere) {
  std::string out = "agreement/";
  AppendCivilMonth(absl::CivilMonth(2026, 3), &out);
  EXPECT_EQ(out, "agreement/2026-03");
}

// Below 1000 the year is zero-padded, as StrFormat("%04d") pads it (the
// store's period keys); absl::FormatCivilTime would not pad.
TEST(CivilTextTest, YearsBelow1000AreZeroPadded) {
  std::string out;
  AppendCivilDay(absl::CivilDay(7, 2, 9), &out);
  EXPECT_EQ(out, "0007-02-09");
  out.clear();
  AppendCivilMonth(absl::CivilMonth(0, 1), &out);
  EXPECT_EQ(out, "0000-01");
  EXPECT_FALSE(AbslFormatsAsFourDigits(999));
  EXPECT_FALSE(AbslFormatsAsFourDigits(10000));
  EXPECT_FALSE(AbslFormatsAsFourDigits(-1));
}

}  // namespace
}  // namespace accord::base
