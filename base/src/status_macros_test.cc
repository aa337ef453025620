#include "accord/base/status_macros.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace accord::base {
namespace {

absl::Status FailIf(bool fail) { return fail ? absl::NotFoundError("missing") : absl::OkStatus(); }

absl::StatusOr<std::unique_ptr<int>> Make(bool fail, int v) {
  if (fail) return absl::InvalidArgumentError("bad");
  return std::make_unique<int>(v);
}

absl::Status Steps(bool fail_first, bool fail_second, int* reached) {
  ACCORD_RETURN_IF_ERROR(FailIf(fail_first));
  *reached = 1;
  ACCORD_RETURN_IF_ERROR(FailIf(fail_second));
  *reached = 2;
  return absl::OkStatus();
}

absl::StatusOr<int> Sum(bool fail_a, bool fail_b) {
  ACCORD_ASSIGN_OR_RETURN(std::unique_ptr<int> a, Make(fail_a, 2));  // move-only values
  ACCORD_ASSIGN_OR_RETURN(auto b, Make(fail_b, 3));                  // two on one function
  return *a + *b;
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstError) {
  int reached = 0;
  EXPECT_TRUE(Steps(false, false, &reached).ok());
  EXPECT_EQ(reached, 2);
  reached = 0;
  EXPECT_EQ(Steps(false, true, &reached).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reached, 1);
  reached = 0;
  EXPECT_EQ(Steps(true, false, &reached).message(), "missing");
  EXPECT_EQ(reached, 0);
}

TEST(StatusMacrosTest, AssignOrReturnAssignsOrPassesTheErrorOn) {
  auto ok = Sum(false, false);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, 5);
  EXPECT_EQ(Sum(true, false).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Sum(false, true).status().message(), "bad");
}

}  // namespace
}  // namespace accord::base
