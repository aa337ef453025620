#include "accord/hub/pki/pki_files.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "accord/hub/pki/identity.h"
#include "accord/hub/pki/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace accord::hub::pki {
namespace {

using ::testing::ElementsAre;

class PkiFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/pki_files_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/pki";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string P(const std::string& name) const { return dir_ + "/" + name; }

  std::string root_;
  std::string dir_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST_F(PkiFilesTest, WritesCaHubAndAgenciesWithModes) {
  std::vector<std::string> agencies = {"police", "ae"};
  absl::StatusOr<std::vector<std::string>> written = WriteDevPki(dir_, "hub", agencies, false);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_THAT(*written, ElementsAre(P("ca.crt"), P("ca.key"), P("hub.crt"), P("hub.key"),
                                    P("police.crt"), P("police.key"), P("ae.crt"), P("ae.key")));
  EXPECT_EQ(ModeOf(dir_), 0700u);
  for (const char* name : {"ca", "hub", "police", "ae"}) {
    EXPECT_EQ(ModeOf(P(std::string(name) + ".crt")), 0644u) << name;
    EXPECT_EQ(ModeOf(P(std::string(name) + ".key")), 0600u) << name;
  }
  // No temporary files left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 8);

  absl::StatusOr<std::string> ca = ReadPemFile(P("ca.crt"));
  ASSERT_TRUE(ca.ok());
  absl::StatusOr<IssuedCert> hub = LoadIssuedCert(dir_, "hub");
  ASSERT_TRUE(hub.ok());
  EXPECT_TRUE(VerifyCertificate(hub->cert_pem, *ca, CertPurpose::kTlsServer).ok());
  absl::StatusOr<IssuedCert> police = LoadIssuedCert(dir_, "police");
  ASSERT_TRUE(police.ok());
  EXPECT_TRUE(VerifyCertificate(police->cert_pem, *ca, CertPurpose::kTlsClient).ok());
  EXPECT_EQ(*AgencyIdFromCertPem(police->cert_pem), "police");
  X509Ptr hub_cert = testing::ParseCert(hub->cert_pem);
  EXPECT_EQ(testing::SubjectCn(hub_cert.get()), "hub");
}

TEST_F(PkiFilesTest, RefusesToOverwriteUnlessAsked) {
  ASSERT_TRUE(WriteDevPki(dir_, "hub", {}, false).ok());
  std::string ca_before = *ReadPemFile(P("ca.crt"));
  std::vector<std::string> agencies = {"police"};
  absl::StatusOr<std::vector<std::string>> again = WriteDevPki(dir_, "hub", agencies, false);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*ReadPemFile(P("ca.crt")), ca_before);
  EXPECT_FALSE(std::filesystem::exists(P("police.crt")));  // Nothing written at all.

  absl::StatusOr<std::vector<std::string>> forced = WriteDevPki(dir_, "hub", agencies, true);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_NE(*ReadPemFile(P("ca.crt")), ca_before);
  EXPECT_EQ(ModeOf(P("ca.key")), 0600u);
  EXPECT_EQ(ModeOf(P("police.key")), 0600u);
}

TEST_F(PkiFilesTest, AddAgencyCertUsesTheExistingCa) {
  ASSERT_TRUE(WriteDevPki(dir_, "hub", {}, false).ok());
  absl::StatusOr<std::vector<std::string>> added = AddAgencyCert(dir_, "analyst", false);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_THAT(*added, ElementsAre(P("analyst.crt"), P("analyst.key")));
  EXPECT_EQ(ModeOf(P("analyst.key")), 0600u);
  absl::StatusOr<IssuedCert> analyst = LoadIssuedCert(dir_, "analyst");
  ASSERT_TRUE(analyst.ok());
  EXPECT_TRUE(VerifyCertificate(analyst->cert_pem, *ReadPemFile(P("ca.crt")),
                                CertPurpose::kTlsClient).ok());
  EXPECT_EQ(*AgencyIdFromCertPem(analyst->cert_pem), "analyst");

  EXPECT_EQ(AddAgencyCert(dir_, "analyst", false).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(AddAgencyCert(dir_, "analyst", true).ok());
}

TEST_F(PkiFilesTest, RejectsBadInput) {
  std::vector<std::string> bad = {"Police"};
  EXPECT_EQ(WriteDevPki(dir_, "hub", bad, false).status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> dup = {"police", "police"};
  EXPECT_EQ(WriteDevPki(dir_, "hub", dup, false).status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> reserved = {"ca"};
  EXPECT_EQ(WriteDevPki(dir_, "hub", reserved, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteDevPki(dir_, "Bad Hub", {}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir_));  // Validation happens before any write.
  EXPECT_EQ(AddAgencyCert(dir_, "police", false).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(AddAgencyCert(dir_, "hub", false).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadPemFile(root_).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace accord::hub::pki
