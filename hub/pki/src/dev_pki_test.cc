#include "accord/hub/pki/dev_pki.h"

#include <string>
#include <vector>

#include <openssl/pem.h>

#include "absl/time/clock.h"
#include "accord/hub/pki/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace accord::hub::pki {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::IssuerCn;
using testing::ParseCert;
using testing::Sans;
using testing::SubjectCn;

class DevPkiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new IssuedCert(*CreateCa("Accord test CA"));
    other_ca_ = new IssuedCert(*CreateCa("Other CA"));
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete other_ca_;
  }
  static IssuedCert* ca_;
  static IssuedCert* other_ca_;
};
IssuedCert* DevPkiTest::ca_ = nullptr;
IssuedCert* DevPkiTest::other_ca_ = nullptr;

int CurveNid(const std::string& key_pem) {
  BioPtr bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  policy::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return NID_undef;
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key.get(), group, sizeof(group), &len) != 1) return NID_undef;
  return OBJ_sn2nid(group);
}

TEST_F(DevPkiTest, CaIsSelfSignedP256WithCaConstraints) {
  X509Ptr cert = ParseCert(ca_->cert_pem);
  EXPECT_EQ(SubjectCn(cert.get()), "Accord test CA");
  EXPECT_EQ(IssuerCn(cert.get()), "Accord test CA");
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_TRUE(X509_get_extension_flags(cert.get()) & EXFLAG_SS);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(X509_get_pathlen(cert.get()), 0);
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);
  EXPECT_THAT(ca_->key_pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));  // PKCS#8
  EXPECT_EQ(CurveNid(ca_->key_pem), NID_X9_62_prime256v1);
  EXPECT_TRUE(VerifyCertificate(ca_->cert_pem, ca_->cert_pem).ok());
}

TEST_F(DevPkiTest, ValidityFollowsOptionsWithClockSkewBackdate) {
  absl::StatusOr<IssuedCert> ca = CreateCa("short", CertOptions{.validity = absl::Hours(2)});
  ASSERT_TRUE(ca.ok()) << ca.status();
  X509Ptr cert = ParseCert(ca->cert_pem);
  int days = 0, secs = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert.get()),
                           X509_get0_notAfter(cert.get())), 1);
  EXPECT_NEAR(days * 86400 + secs, 2 * 3600 + 5 * 60, 2);
  const absl::Time now = absl::Now();
  EXPECT_TRUE(VerifyCertificate(ca->cert_pem, ca->cert_pem, CertPurpose::kAny, now).ok());
  EXPECT_TRUE(VerifyCertificate(ca->cert_pem, ca->cert_pem, CertPurpose::kAny,
                                now - absl::Minutes(4)).ok());
  absl::Status expired = VerifyCertificate(ca->cert_pem, ca->cert_pem, CertPurpose::kAny,
                                           now + absl::Hours(3));
  EXPECT_EQ(expired.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(expired.message(), HasSubstr("expired"));
}

TEST_F(DevPkiTest, ServerCertHasHubNameAndLoopbackSans) {
  std::vector<std::string> extra = {"hub.example.org", "*.accord.test"};
  absl::StatusOr<IssuedCert> hub = IssueServerCert(*ca_, "accord-hub", extra);
  ASSERT_TRUE(hub.ok()) << hub.status();
  X509Ptr cert = ParseCert(hub->cert_pem);
  EXPECT_EQ(SubjectCn(cert.get()), "accord-hub");
  EXPECT_EQ(IssuerCn(cert.get()), "Accord test CA");
  EXPECT_THAT(Sans(cert.get()), ElementsAre("DNS:localhost", "IP:127.0.0.1", "IP:0:0:0:0:0:0:0:1",
                                            "DNS:hub.example.org", "DNS:*.accord.test"));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(CurveNid(hub->key_pem), NID_X9_62_prime256v1);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);

  EXPECT_TRUE(VerifyCertificate(hub->cert_pem, ca_->cert_pem, CertPurpose::kTlsServer).ok());
  EXPECT_EQ(VerifyCertificate(hub->cert_pem, ca_->cert_pem, CertPurpose::kTlsClient).code(),
            absl::StatusCode::kPermissionDenied);
  absl::Status other = VerifyCertificate(hub->cert_pem, other_ca_->cert_pem);
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.message(), HasSubstr("unable to get local issuer certificate"));
}

TEST_F(DevPkiTest, ClientCertNamesTheAgency) {
  absl::StatusOr<IssuedCert> client = IssueClientCert(*ca_, "police");
  ASSERT_TRUE(client.ok()) << client.status();
  X509Ptr cert = ParseCert(client->cert_pem);
  EXPECT_EQ(SubjectCn(cert.get()), "police");
  EXPECT_THAT(Sans(cert.get()), ElementsAre("URI:accord:agency:police", "DNS:police"));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_SSL_CLIENT));
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_THAT(client->key_pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
  // The key belongs to the certificate.
  BioPtr bio(BIO_new_mem_buf(client->key_pem.data(), static_cast<int>(client->key_pem.size())));
  policy::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  // AKI of the leaf is the CA's SKI.
  X509Ptr ca = ParseCert(ca_->cert_pem);
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert.get());
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(ca.get());
  ASSERT_NE(aki, nullptr);
  ASSERT_NE(ski, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(aki, ski), 0);

  EXPECT_TRUE(VerifyCertificate(client->cert_pem, ca_->cert_pem, CertPurpose::kTlsClient).ok());
  EXPECT_EQ(VerifyCertificate(client->cert_pem, ca_->cert_pem, CertPurpose::kTlsServer).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifyCertificate(client->cert_pem, other_ca_->cert_pem, CertPurpose::kTlsClient).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(DevPkiTest, SerialsAreRandom128Bit) {
  absl::StatusOr<IssuedCert> a = IssueClientCert(*ca_, "police");
  absl::StatusOr<IssuedCert> b = IssueClientCert(*ca_, "police");
  ASSERT_TRUE(a.ok() && b.ok());
  X509Ptr ca = ParseCert(a->cert_pem);
  X509Ptr cb = ParseCert(b->cert_pem);
  BignumPtr sa(ASN1_INTEGER_to_BN(X509_get0_serialNumber(ca.get()), nullptr));
  BignumPtr sb(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cb.get()), nullptr));
  EXPECT_GT(BN_num_bits(sa.get()), 120);
  EXPECT_LE(BN_num_bits(sa.get()), 128);
  EXPECT_FALSE(BN_is_negative(sa.get()));
  EXPECT_NE(BN_cmp(sa.get(), sb.get()), 0);
  EXPECT_NE(a->key_pem, b->key_pem);
}

TEST_F(DevPkiTest, RejectsBadAgencyIdsWithoutEchoingThem) {
  for (const char* bad : {"", "P", "Police", "-police", "police force", "accord:agency:x",
                          "evil,URI:accord:agency:police"}) {
    absl::StatusOr<IssuedCert> client = IssueClientCert(*ca_, bad);
    EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    if (std::string(bad).size() > 3) {
      EXPECT_THAT(std::string(client.status().message()), ::testing::Not(HasSubstr(bad)));
    }
  }
  EXPECT_EQ(IssueServerCert(*ca_, "Hub Name", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DevPkiTest, RejectsBadDnsNamesAndOptions) {
  const std::vector<std::string> bad_names = {"", "a..b", "-a.b", "a b", "a,DNS:evil", "x.*.y",
                                              std::string(64, 'a')};
  for (const std::string& bad : bad_names) {
    std::vector<std::string> extra = {bad};
    EXPECT_EQ(IssueServerCert(*ca_, "hub", extra).status().code(),
              absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(CreateCa("ca", CertOptions{.validity = absl::ZeroDuration()}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(IssueClientCert(*ca_, "police", CertOptions{.validity = -absl::Hours(1)}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateCa("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateCa("bad\nname").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(DevPkiTest, RejectsUnusableIssuer) {
  // Mismatched key.
  IssuedCert mixed{ca_->cert_pem, other_ca_->key_pem};
  EXPECT_EQ(IssueClientCert(mixed, "police").status().code(), absl::StatusCode::kInvalidArgument);
  // A leaf is not a CA.
  absl::StatusOr<IssuedCert> leaf = IssueClientCert(*ca_, "police");
  ASSERT_TRUE(leaf.ok());
  absl::Status not_ca = IssueClientCert(*leaf, "ae").status();
  EXPECT_EQ(not_ca.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(not_ca.message(), HasSubstr("not a CA"));
  // Garbage.
  IssuedCert garbage{"not a pem", "nor this"};
  EXPECT_EQ(IssueClientCert(garbage, "police").status().code(), absl::StatusCode::kInvalidArgument);
  // Verification input errors.
  EXPECT_EQ(VerifyCertificate("junk", ca_->cert_pem).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace accord::hub::pki
