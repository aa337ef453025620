#include "evaluation.h"

#include <cmath>

#include "gtest/gtest.h"

namespace accord::analyst {
namespace {

// Hand-computed: target 40 -> 20, buffer 30 -> 24, control 100 -> 100.
//   success = 20/100 - 40/100 = -0.20
//   buffer  = 24/100 - 30/100 = -0.06
//   WDQ     = -0.06 / -0.20 = 0.30 (diffusion of benefit)
TEST(EvaluationTest, WdqByHand) {
  auto r = WeightedDisplacementQuotient(40, 20, 30, 24, 100, 100);
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->success, -0.20, 1e-12);
  EXPECT_NEAR(r->buffer, -0.06, 1e-12);
  EXPECT_NEAR(r->wdq, 0.30, 1e-12);
  EXPECT_EQ(r->reading, "diffusion of benefit");
}

// Target 50 -> 25, buffer 20 -> 45, control 80 -> 100:
//   success = 25/100 - 50/80 = 0.25 - 0.625 = -0.375
//   buffer  = 45/100 - 20/80 = 0.45 - 0.25  =  0.20
//   WDQ     = 0.20 / -0.375 = -0.5333...
TEST(EvaluationTest, WdqDisplacement) {
  auto r = WeightedDisplacementQuotient(50, 25, 20, 45, 80, 100);
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->wdq, -0.2 / 0.375, 1e-12);
  EXPECT_EQ(r->reading, "some displacement");
}

TEST(EvaluationTest, WdqUndefinedWithoutImprovementOrControl) {
  EXPECT_FALSE(WeightedDisplacementQuotient(20, 40, 30, 24, 100, 100).has_value());  // target got worse
  EXPECT_FALSE(WeightedDisplacementQuotient(40, 20, 30, 24, 0, 100).has_value());
}

// Wheeler & Ratcliffe with separate controls: T 40->20, Ct 100->110,
// D 30->24, Cd 60->66:
//   WDD = (20-40) - (110-100) + (24-30) - (66-60) = -20 - 10 - 6 - 6 = -42
//   Var = 40+20+100+110+30+24+60+66 = 450, SE = sqrt(450) = 21.2132..., z = -1.9799
TEST(EvaluationTest, WddByHand) {
  Wdd r = WeightedDisplacementDifference(40, 20, 100, 110, 30, 24, 60, 66);
  EXPECT_DOUBLE_EQ(r.wdd, -42);
  EXPECT_NEAR(r.se, std::sqrt(450.0), 1e-12);
  EXPECT_NEAR(r.z, -42 / std::sqrt(450.0), 1e-12);
}

// One shared control: WDD = (20-40) - 2*(110-100) + (24-30) = -46;
// Var = 40+20+30+24 + 4*(100+110) = 954.
TEST(EvaluationTest, WddSharedControlCountsItTwice) {
  Wdd r = WeightedDisplacementDifference(40, 20, 100, 110, 30, 24);
  EXPECT_DOUBLE_EQ(r.wdd, -46);
  EXPECT_NEAR(r.se, std::sqrt(954.0), 1e-12);
}

}  // namespace
}  // namespace accord::analyst
