#include "hub_keys.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "log_backend.h"

namespace accord::hub {
namespace {

class HubKeysTest : public ::testing::Test {
 protected:
  HubKeysTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "accord-keys-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    paths_.ledger_signing_key = dir_ + "/keys/ledger.key";
    paths_.secrets = dir_ + "/keys/secrets.bin";
  }
  ~HubKeysTest() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  KeysConfig paths_;
};

TEST_F(HubKeysTest, CreatedOnceWithOwnerOnlyModeThenLoadedAlike) {
  auto first = LoadHubKeys(paths_);
  ASSERT_TRUE(first.ok()) << first.status();
  for (const std::string& path : {paths_.ledger_signing_key, paths_.secrets}) {
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << path;
  }
  EXPECT_EQ(first->secret.size(), 64u);
  EXPECT_EQ(first->linkage_master_key, first->secret.substr(0, 32));
  EXPECT_EQ(first->dedupe_key, first->secret.substr(32, 32));
  // Derived keys: 32 bytes, distinct from each other and from the secret's halves.
  const std::vector<std::string> all = {first->linkage_master_key, first->dedupe_key, first->key_log_signing_seed,
                                        first->quarantine_key, first->ingest_record_key};
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].size(), 32u) << i;
    for (size_t j = i + 1; j < all.size(); ++j) EXPECT_NE(all[i], all[j]) << i << " vs " << j;
  }

  auto again = LoadHubKeys(paths_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->secret, first->secret);
  EXPECT_EQ(again->quarantine_key, first->quarantine_key);
  EXPECT_EQ(again->ingest_record_key, first->ingest_record_key);
  EXPECT_EQ(again->key_log_signing_seed, first->key_log_signing_seed);
  EXPECT_EQ(again->ledger_signer->log_id(), first->ledger_signer->log_id());
}

TEST_F(HubKeysTest, ASecretOfTheWrongSizeIsDataLossNamingTheFile) {
  std::filesystem::create_directories(dir_ + "/keys");
  std::ofstream(paths_.secrets, std::ios::binary) << std::string(63, 'x');
  auto keys = LoadHubKeys(paths_);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(keys.status().message().find(paths_.secrets), std::string_view::npos);
  EXPECT_EQ(keys.status().message().find("xxxx"), std::string_view::npos) << "the secret is never in a message";
}

TEST_F(HubKeysTest, ADamagedLedgerKeyIsRefused) {
  std::filesystem::create_directories(dir_ + "/keys");
  std::ofstream(paths_.ledger_signing_key) << "not a pem";
  EXPECT_FALSE(LoadHubKeys(paths_).ok());
}

TEST(LogBackendTest, ParsesTheTwoBackendsAndNamesABadOne) {
  EXPECT_EQ(*ParseLogBackend("embedded"), LogBackend::kEmbedded);
  EXPECT_EQ(*ParseLogBackend("kafka"), LogBackend::kKafka);
  auto bad = ParseLogBackend("Kafka ");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'Kafka '"), std::string_view::npos);
  EXPECT_EQ(LogBackendName(LogBackend::kKafka), "kafka");
  EXPECT_EQ(LogBackendName(LogBackend::kEmbedded), "embedded");
}

}  // namespace
}  // namespace accord::hub
