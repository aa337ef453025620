#include "health.h"

#include "gtest/gtest.h"

namespace accord::hub {
namespace {

bool Serving(const HealthReport& r, const std::string& service) {
  for (const auto& [name, serving] : r.services) {
    if (name == service) return serving;
  }
  ADD_FAILURE() << "no status for " << service;
  return false;
}

TEST(EvaluateHealthTest, AllServingWhenEverythingRuns) {
  HealthInputs in{.db_open = true, .shutting_down = false, .policy_running = true, .journal_healthy = true};
  HealthReport r = EvaluateHealth(in);
  EXPECT_TRUE(r.ready);
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.services.size(), 4u);
  for (const auto& name : AccordServiceNames()) EXPECT_TRUE(Serving(r, name)) << name;
}

TEST(EvaluateHealthTest, AJournalGapStopsTheServicesWhoseAnswersWouldDiffer) {
  HealthInputs in{.db_open = true, .shutting_down = false, .policy_running = true, .journal_healthy = false};
  HealthReport r = EvaluateHealth(in);
  EXPECT_FALSE(r.ready);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("journal"), std::string::npos);
  EXPECT_TRUE(Serving(r, "accord.v1.IngestService"));
  EXPECT_FALSE(Serving(r, "accord.v1.FeedService"));
  EXPECT_FALSE(Serving(r, "accord.v1.AgreementService"));
  EXPECT_FALSE(Serving(r, "accord.v1.AuditService"));
}

TEST(EvaluateHealthTest, NoPolicyStageStopsIngestAndFeeds) {
  HealthInputs in{.db_open = true, .shutting_down = false, .policy_running = false, .journal_healthy = true};
  HealthReport r = EvaluateHealth(in);
  EXPECT_FALSE(r.ready);
  EXPECT_FALSE(Serving(r, "accord.v1.IngestService"));
  EXPECT_FALSE(Serving(r, "accord.v1.FeedService"));
  EXPECT_TRUE(Serving(r, "accord.v1.AgreementService"));
  EXPECT_TRUE(Serving(r, "accord.v1.AuditService"));
}

TEST(EvaluateHealthTest, NoKafkaBrokerStopsIngestAndAgreementsButFeedsAndAuditStillAnswer) {
  HealthInputs in{.db_open = true, .shutting_down = false, .policy_running = true, .journal_healthy = true,
                  .kafka_reachable = false};
  HealthReport r = EvaluateHealth(in);
  EXPECT_FALSE(r.ready);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("kafka: no broker has answered"), std::string::npos) << r.problems[0];
  EXPECT_FALSE(Serving(r, "accord.v1.IngestService"));
  EXPECT_FALSE(Serving(r, "accord.v1.AgreementService"));
  EXPECT_TRUE(Serving(r, "accord.v1.FeedService"));
  EXPECT_TRUE(Serving(r, "accord.v1.AuditService"));
}

TEST(EvaluateHealthTest, ShuttingDownOrNoDatabaseStopsEverything) {
  for (HealthInputs in : {HealthInputs{.db_open = false, .shutting_down = false, .policy_running = true},
                          HealthInputs{.db_open = true, .shutting_down = true, .policy_running = true}}) {
    HealthReport r = EvaluateHealth(in);
    EXPECT_FALSE(r.ready);
    for (const auto& name : AccordServiceNames()) EXPECT_FALSE(Serving(r, name)) << name;
  }
}

}  // namespace
}  // namespace accord::hub
