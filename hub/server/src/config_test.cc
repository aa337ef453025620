#include "accord/hub/server/config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/accord-config-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(HubConfigTest, ExampleLoadsAndValidates) {
  auto c = LoadHubConfig(std::string(ACCORD_SOURCE_DIR) + "/deploy/hub.example.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "127.0.0.1:7443");
  EXPECT_EQ(c->tls.ca, "pki/ca.crt");
  EXPECT_EQ(c->limits.max_batch_records, 1000u);
  EXPECT_EQ(c->limits.max_ingest_backlog_records, 16384u);
  EXPECT_EQ(c->hub_instance, "county-hub-1");
  EXPECT_EQ(c->quarantine_retention_days, 30u);
  EXPECT_TRUE(c->Validate().ok());
}

TEST(HubConfigTest, UnknownKeysAndBadValuesAreNamed) {
  const std::string path = WriteTemp("listen: 1.2.3.4:1\nlimts: {}\nlimits:\n  max_batch_records: lots\n");
  auto c = LoadHubConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(absl::StrContains(c.status().message(), "unknown key 'limts'")) << c.status();
  EXPECT_TRUE(absl::StrContains(c.status().message(), "max_batch_records")) << c.status();
  std::remove(path.c_str());
}

TEST(HubConfigTest, ValidateListsEveryProblem) {
  HubConfig c;
  c.listen = "nowhere";
  c.log_backend = "carrier-pigeon";
  c.limits.max_batch_records = 0;
  c.limits.max_ingest_backlog_records = 10;
  c.quarantine_retention_days = 0;
  absl::Status s = c.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "listen")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "tls.ca")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "carrier-pigeon")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "max_batch_records")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "max_ingest_backlog_records must be between 1024")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "quarantine_retention_days")) << s;
  HubConfig dev;
  dev.insecure_dev = true;
  EXPECT_TRUE(dev.Validate().ok());
  EXPECT_FALSE(dev.hub_instance.empty());
  EXPECT_EQ(dev.keys.secrets, "./accord-data/keys/secrets.bin");
}

TEST(HubConfigTest, StorageWatermarksLoadAndAreChecked) {
  auto example = LoadHubConfig(std::string(ACCORD_SOURCE_DIR) + "/deploy/hub.example.yaml");
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_EQ(example->storage.ingest_min_free_mib, 256u);
  EXPECT_EQ(example->storage.reserve_free_mib, 8u);
  const std::string path =
      WriteTemp("insecure_dev: true\nstorage:\n  ingest_min_free_mib: 16\n  reserve_free_mib: 2\n");
  auto c = LoadHubConfig(path);
  std::remove(path.c_str());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->storage.ingest_min_free_mib, 16u);
  EXPECT_EQ(c->storage.reserve_free_mib, 2u);
  EXPECT_TRUE(c->Validate().ok());
  c->storage.reserve_free_mib = 16;  // not below the ingest watermark
  absl::Status s = c->Validate();
  EXPECT_TRUE(absl::StrContains(s.message(), "storage.reserve_free_mib")) << s;
  c->storage.reserve_free_mib = 0;
  EXPECT_FALSE(c->Validate().ok());
  const std::string typo = WriteTemp("storage:\n  reserve_mib: 2\n");
  auto bad = LoadHubConfig(typo);
  std::remove(typo.c_str());
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "unknown key 'reserve_mib' in storage")) << bad.status();
}

TEST(HubConfigTest, MissingFileIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(LoadHubConfig("/nonexistent/accord.yaml").status()));
}

}  // namespace
}  // namespace accord::hub
