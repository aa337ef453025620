#include "accord/ops/logging.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "grpc/support/log.h"
#include "gtest/gtest.h"
#include "spdlog/spdlog.h"

namespace accord::ops {
namespace {

using Json = nlohmann::json;

class LoggingTest : public ::testing::Test {
 protected:
  void Init(LogFormat format, spdlog::level::level_enum level = spdlog::level::info) {
    LogOptions o;
    o.program = "accord-test";
    o.format = format;
    o.level = level;
    o.burst = 5;
    o.window = absl::Seconds(10);
    o.output = [this](std::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    };
    o.clock = [this] {
      absl::MutexLock lock(&mu_);
      return now_;
    };
    InitLogging(o);
  }
  std::vector<std::string> Lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }
  // Every line parses as one JSON object with the five keys.
  std::vector<Json> JsonLines() {
    std::vector<Json> out;
    for (const std::string& line : Lines()) {
      EXPECT_EQ(line.find('\n'), std::string::npos);
      Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_TRUE(j.is_object()) << line;
      if (!j.is_object()) continue;
      for (const char* key : {"time", "level", "component", "event", "fields"}) {
        EXPECT_TRUE(j.contains(key)) << key << " missing in " << line;
      }
      EXPECT_TRUE(j["fields"].is_object()) << line;
      out.push_back(std::move(j));
    }
    return out;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

  absl::Mutex mu_;
  std::vector<std::string> lines_;
  absl::Time now_ = absl::FromUnixSeconds(1800000000);
};

TEST_F(LoggingTest, JsonLinesParseOneByOneWithTheirFields) {
  Init(LogFormat::kJson);
  LogEvent(spdlog::level::info, "agreement", "submitted",
           Json{{"agency", "herts-police"}, {"agreement", "isa-1"}, {"version", 2}});
  spdlog::warn("kafka FAIL: localhost:9092/bootstrap: Connect failed");
  spdlog::error("something with \"quotes\"\nand a newline and no prefix");
  LogEvent(spdlog::level::debug, "hidden", "below_level");
  auto lines = JsonLines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["component"], "agreement");
  EXPECT_EQ(lines[0]["event"], "submitted");
  EXPECT_EQ(lines[0]["fields"]["agency"], "herts-police");
  EXPECT_EQ(lines[0]["fields"]["version"], 2);
  EXPECT_TRUE(absl::EndsWith(lines[0]["time"].get<std::string>(), "Z"));
  EXPECT_EQ(lines[0]["time"].get<std::string>().size(), 24u);  // 2026-12-02T22:48:21.123Z
  // Free-form spdlog lines: component and event from the message's prefix.
  EXPECT_EQ(lines[1]["level"], "warning");
  EXPECT_EQ(lines[1]["component"], "kafka");
  EXPECT_EQ(lines[1]["event"], "FAIL");
  EXPECT_EQ(lines[1]["fields"]["msg"], "localhost:9092/bootstrap: Connect failed");
  EXPECT_EQ(lines[2]["component"], "accord-test");
  EXPECT_EQ(lines[2]["event"], "message");
  EXPECT_EQ(lines[2]["fields"]["msg"], "something with \"quotes\"\nand a newline and no prefix");
}

TEST_F(LoggingTest, TextLinesCarryTheSameParts) {
  Init(LogFormat::kText);
  LogEvent(spdlog::level::warn, "publish", "refused",
           Json{{"agency", "herts-police"}, {"reason", "a b"}, {"records", 3}});
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(absl::StrContains(lines[0], " warning publish refused agency=herts-police reason=\"a b\" records=3"))
      << lines[0];
}

TEST_F(LoggingTest, RepeatedErrorsAreRateLimitedAndCounted) {
  Init(LogFormat::kJson);
  // Losing the brokers: a hundred lines in a few seconds, broker numbers varying.
  for (int i = 0; i < 100; ++i) {
    spdlog::error("kafka FAIL: localhost:{}/{}: Connect to ipv4#127.0.0.1:{} failed", 9092 + i % 3, i % 3, 9092);
    if (i % 20 == 19) Advance(absl::Seconds(1));
  }
  auto lines = JsonLines();
  ASSERT_EQ(lines.size(), 5u);  // the burst
  // The window ends: the next log call (any key) reports the count.
  Advance(absl::Seconds(10));
  LogEvent(spdlog::level::info, "hub", "tick");
  lines = JsonLines();
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[5]["component"], "log");
  EXPECT_EQ(lines[5]["event"], "suppressed");
  EXPECT_EQ(lines[5]["fields"]["component"], "kafka");
  EXPECT_EQ(lines[5]["fields"]["count"], 95);
  EXPECT_EQ(lines[6]["event"], "tick");
}

TEST_F(LoggingTest, TheNextLineOfAKeyCarriesItsSuppressedCount) {
  Init(LogFormat::kJson);
  for (int i = 0; i < 8; ++i) LogEvent(spdlog::level::err, "journal", "read_failed", Json{{"attempt", i}});
  Advance(absl::Seconds(10));
  LogEvent(spdlog::level::err, "journal", "read_failed", Json{{"attempt", 8}});
  auto lines = JsonLines();
  // 5 written, then either the sweep or the line itself reports the 3.
  uint64_t reported = 0;
  for (const Json& j : lines) {
    if (j["event"] == "suppressed") reported += j["fields"]["count"].get<uint64_t>();
    if (j["event"] == "read_failed" && j["fields"].contains("suppressed")) {
      reported += j["fields"]["suppressed"].get<uint64_t>();
    }
  }
  EXPECT_EQ(reported, 3u);
  EXPECT_EQ(lines.back()["fields"]["attempt"], 8);
}

TEST_F(LoggingTest, FlushReportsPendingCounts) {
  Init(LogFormat::kJson);
  for (int i = 0; i < 7; ++i) LogEvent(spdlog::level::err, "x", "y");
  FlushLogging();
  auto lines = JsonLines();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[5]["event"], "suppressed");
  EXPECT_EQ(lines[5]["fields"]["count"], 2);
}

TEST_F(LoggingTest, GrpcCoreLinesGoThroughTheSameSink) {
  Init(LogFormat::kJson);
  gpr_log("src/core/lib/some_file.cc", 42, GPR_LOG_SEVERITY_ERROR, "grpc says %s", "hello");
  auto lines = JsonLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["component"], "grpc");
  EXPECT_EQ(lines[0]["event"], "some_file");
  EXPECT_EQ(lines[0]["level"], "error");
  EXPECT_EQ(lines[0]["fields"]["line"], 42);
  EXPECT_EQ(lines[0]["fields"]["msg"], "grpc says hello");
}

TEST(LogParseTest, FormatsAndLevels) {
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
  EXPECT_EQ(*ParseLogLevel("WARN"), spdlog::level::warn);
  EXPECT_EQ(*ParseLogLevel("error"), spdlog::level::err);
  EXPECT_FALSE(ParseLogLevel("loud").ok());
}

}  // namespace
}  // namespace accord::ops
