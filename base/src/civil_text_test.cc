#include "accord/base/civil_text.h"

#include <string>

#include "gtest/gtest.h"

namespace accord::base {
namespace {

TEST(CivilTextTest, MatchesAbslFormattingForEveryFourDigitYearShape) {
  for (const absl::CivilDay d :
       {absl::CivilDay(0, 1, 1), absl::CivilDay(7, 2, 9), absl::CivilDay(99, 10, 31), absl::CivilDay(1987, 11, 2),
        absl::CivilDay(2024, 2, 29), absl::CivilDay(2026, 12, 3), absl::CivilDay(9999, 12, 31)}) {
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

TEST(CivilTextTest, OnlyYearsZeroTo9999HaveTheFixedWidthForm) {
  EXPECT_TRUE(HasFourDigitYear(0));
  EXPECT_TRUE(HasFourDigitYear(9999));
  EXPECT_FALSE(HasFourDigitYear(-1));
  EXPECT_FALSE(HasFourDigitYear(10000));
}

}  // namespace
}  // namespace accord::base
