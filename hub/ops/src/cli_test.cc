#include "accord/ops/cli.h"

#include <vector>

#include "gtest/gtest.h"

namespace accord::ops {
namespace {

std::optional<int> ParseArgs(std::vector<std::string> args, std::string* err = nullptr) {
  CLI::App app{"test"};
  app.name("prog");
  AddVersionFlag(app, "prog");
  LogFlags flags;
  AddLogFlags(app, &flags);
  app.require_subcommand(1);
  auto* a = app.add_subcommand("alpha", "a");
  a->require_subcommand(1);
  int n = 0;
  a->add_subcommand("one", "1")->add_option("--n", n)->required();
  app.add_subcommand("beta", "b");
  std::vector<char*> argv;
  args.insert(args.begin(), "prog");
  for (auto& s : args) argv.push_back(s.data());
  ::testing::internal::CaptureStderr();
  auto rc = ParseCommandLine(app, static_cast<int>(argv.size()), argv.data());
  std::string captured = ::testing::internal::GetCapturedStderr();
  if (err) *err = captured;
  return rc;
}

TEST(ParseCommandLineTest, UsageErrorsExitTwoNeverCli11Codes) {
  EXPECT_EQ(ParseArgs({"beta", "--nope"}), 2);       // CLI11: 109 (extras)
  EXPECT_EQ(ParseArgs({"alpha", "one"}), 2);         // CLI11: 106 (required)
  EXPECT_EQ(ParseArgs({"--log-format", "xml", "beta"}), 2);
  EXPECT_EQ(ParseArgs({}), 2);
  EXPECT_EQ(ParseArgs({"beta"}), std::nullopt);
  EXPECT_EQ(ParseArgs({"alpha", "one", "--n", "3"}), std::nullopt);
}

TEST(ParseCommandLineTest, UnknownCommandsAreNamed) {
  std::string err;
  EXPECT_EQ(ParseArgs({"bogus"}, &err), 2);
  EXPECT_NE(err.find("unknown command 'bogus'"), std::string::npos) << err;
  EXPECT_NE(err.find("alpha, beta"), std::string::npos) << err;
  EXPECT_EQ(ParseArgs({"alpha", "two"}, &err), 2);
  EXPECT_NE(err.find("prog alpha: unknown command 'two'"), std::string::npos) << err;
}

TEST(ParseCommandLineTest, VersionAndHelpExitZero) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(ParseArgs({"--version"}), 0);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("prog " + std::string(Version())), std::string::npos) << out;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(ParseArgs({"--help"}), 0);
  ::testing::internal::GetCapturedStdout();
}

}  // namespace
}  // namespace accord::ops
