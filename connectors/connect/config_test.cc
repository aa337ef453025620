#include "config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"

namespace accord::connect {
namespace {

std::string WriteTemp(const std::string& content) {
  char path[] = "/tmp/config_testXXXXXX";
  ::close(mkstemp(path));
  std::ofstream(path) << content;
  return path;
}

TEST(ConfigTest, FileFillsWhatTheCommandLineLeavesOut) {
  const std::string path = WriteTemp(R"yaml(
hub: "hub.example:7443"
ca: ca.crt
mapping: police.yaml
source: incidents.csv
batch: 250
dry_run: true
checkpoint_dir: /var/lib/accord
)yaml");
  Config c;
  c.source = "from-cli.csv";
  ASSERT_TRUE(LoadConfigFile(path, {"source"}, &c).ok());
  EXPECT_EQ(c.channel.target, "hub.example:7443");
  EXPECT_EQ(c.channel.ca_file, "ca.crt");
  EXPECT_EQ(c.source, "from-cli.csv");  // the command line wins
  EXPECT_EQ(c.batch, 250u);
  EXPECT_TRUE(c.dry_run);
  EXPECT_EQ(c.checkpoint_dir, "/var/lib/accord");
  std::remove(path.c_str());
}

TEST(ConfigTest, UnknownKeysAndBadValuesAreErrorsWithLines) {
  const std::string path = WriteTemp("hub: h:1\nbatchsize: 3\nbatch: lots\n");
  Config c;
  absl::Status s = LoadConfigFile(path, {}, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(":2: unknown key `batchsize`"), std::string::npos) << s;
  EXPECT_NE(s.message().find(":3: bad value for `batch`"), std::string::npos) << s;
  EXPECT_TRUE(absl::IsNotFound(LoadConfigFile("/nonexistent/connect.yaml", {}, &c)));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace accord::connect
