// The base of the hub tests on the real cluster (the ctest fixture
// kafka_cluster, scripts/kafka.sh): every node up before and after each test,
// and topics and consumer groups under a prefix of their own per test and run,
// so earlier tests' topics stay apart on the shared cluster.
// Thread safety: as KafkaHubBase (the test thread).
#pragma once

#include <unistd.h>

#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hub_fixture.h"
#include "real_cluster.h"

namespace accord::testing {

class RealClusterHubTest : public KafkaHubBase {
 protected:
  // Brings every node up, picks the prefix "<letter><pid>-<random>.<test>"
  // and writes the hub's config (message timeout 30 s).
  void SetUpCluster(const std::string& letter = "t") {
    ASSERT_FALSE(cluster_.bootstraps().empty());
    cluster_.EnsureAllUp();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = absl::StrCat(letter, getpid(), "-", std::random_device()() % 100000, ".", info->name());
    WriteConfig(cluster_.bootstraps(), prefix_, 30000);
  }
  void SetUp() override { SetUpCluster(); }
  void TearDown() override { cluster_.EnsureAllUp(); }

  RealCluster cluster_;
};

}  // namespace accord::testing
