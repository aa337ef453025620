#include "accord/hub/server/metrics.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

TEST(HubMetricsTest, EveryFamilyHasHelpAndType) {
  HubMetrics m;
  m.records_rejected.With({"REJECT_WRONG_TYPE"}).Add(2);
  m.publish_delivery_seconds.Observe(0.003);
  m.AddGaugeSource([](std::string* out) { AppendGauge(out, "accord_ledger_entries", "Entries", 7); });
  const std::string text = m.Render();
  size_t types = 0, helps = 0;
  for (size_t pos = 0; (pos = text.find("# TYPE ", pos)) != std::string::npos; ++pos) ++types;
  for (size_t pos = 0; (pos = text.find("# HELP ", pos)) != std::string::npos; ++pos) ++helps;
  EXPECT_EQ(types, 11u);  // ten built-in families and the gauge
  EXPECT_EQ(types, helps) << text;
  EXPECT_TRUE(absl::StrContains(text, "accord_records_rejected_total{reason=\"REJECT_WRONG_TYPE\"} 2\n"));
  EXPECT_TRUE(absl::StrContains(text, "accord_publish_delivery_seconds_count 1\n"));
  EXPECT_TRUE(absl::StrContains(text, "# HELP accord_ledger_entries Entries\n# TYPE accord_ledger_entries gauge\n"
                                      "accord_ledger_entries 7\n"));
}

TEST(HubMetricsTest, CountersSurviveASaveAndRestore) {
  HubMetrics before;
  before.records_received.Add(10);
  before.records_accepted.Add(7);
  before.records_rejected.With({"REJECT_NO_AGREEMENT"}).Add(3);
  before.records_rejected_by_source.With({"herts-police", "unknown", "REJECT_NO_AGREEMENT"}).Add(3);
  before.disclosures.With({"isa-1", "csp"}).Add(14);
  before.quarantined.Add(1);
  before.replayed.Add(2);
  const std::string saved = before.SaveCounters();

  HubMetrics after;
  after.records_rejected.With({"REJECT_NO_AGREEMENT"}).Add(1);  // counted since the start
  ASSERT_TRUE(after.RestoreCounters(saved).ok());
  EXPECT_EQ(after.records_received.value(), 10u);
  EXPECT_EQ(after.records_accepted.value(), 7u);
  EXPECT_EQ(after.records_rejected.With({"REJECT_NO_AGREEMENT"}).value(), 4u);
  EXPECT_EQ(after.records_rejected_by_source.With({"herts-police", "unknown", "REJECT_NO_AGREEMENT"}).value(), 3u);
  EXPECT_EQ(after.disclosures.With({"isa-1", "csp"}).value(), 14u);
  EXPECT_EQ(after.quarantined.value(), 1u);
  EXPECT_EQ(after.replayed.value(), 2u);
}

TEST(HubMetricsTest, ADamagedSaveAddsNothing) {
  HubMetrics m;
  EXPECT_FALSE(m.RestoreCounters("not json").ok());
  EXPECT_FALSE(m.RestoreCounters(R"({"format":2})").ok());
  EXPECT_FALSE(m.RestoreCounters(
      R"({"format":1,"records_received":5,"records_rejected":[{"labels":["a","b"],"value":1}]})").ok());
  EXPECT_FALSE(m.RestoreCounters(R"({"format":1,"records_received":-5})").ok());
  EXPECT_EQ(m.records_received.value(), 0u);
  EXPECT_TRUE(m.records_rejected.Snapshot().empty());
}

}  // namespace
}  // namespace accord::hub
