#include "accord/hub/pki/identity.h"

#include <string>
#include <vector>

#include "accord/hub/pki/dev_pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace accord::hub::pki {
namespace {

using testing::MakeCustomCert;

absl::StatusCode CodeOf(const absl::StatusOr<std::string>& s) { return s.status().code(); }

TEST(AgencyIdFromCertPemTest, IssuedClientCertYieldsAgency) {
  absl::StatusOr<IssuedCert> ca = CreateCa("ca");
  ASSERT_TRUE(ca.ok());
  absl::StatusOr<IssuedCert> client = IssueClientCert(*ca, "nhs-ae.trust_7");
  ASSERT_TRUE(client.ok());
  absl::StatusOr<std::string> id = AgencyIdFromCertPem(client->cert_pem);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "nhs-ae.trust_7");
  // The hub cert's identity is its first DNS SAN.
  absl::StatusOr<IssuedCert> hub = IssueServerCert(*ca, "hub", {});
  ASSERT_TRUE(hub.ok());
  EXPECT_EQ(*AgencyIdFromCertPem(hub->cert_pem), "localhost");
}

TEST(AgencyIdFromCertPemTest, PrefersUriSanOverDnsAndCn) {
  std::string pem = MakeCustomCert("cn-agency", {{GEN_DNS, "dns-agency"},
                                                 {GEN_URI, "https://example.org/x"},
                                                 {GEN_URI, "accord:agency:uri-agency"}});
  EXPECT_EQ(*AgencyIdFromCertPem(pem), "uri-agency");
}

TEST(AgencyIdFromCertPemTest, FallsBackToDnsThenCn) {
  EXPECT_EQ(*AgencyIdFromCertPem(MakeCustomCert("cn-agency", {{GEN_DNS, "dns-agency"}})),
            "dns-agency");
  // Invalid DNS names and IP SANs are skipped; the CN decides.
  EXPECT_EQ(*AgencyIdFromCertPem(MakeCustomCert(
                "cn-agency", {{GEN_DNS, "Not_Valid.Example"}, {GEN_IPADD, "10.0.0.1"},
                              {GEN_URI, "spiffe://x/y"}})),
            "cn-agency");
  EXPECT_EQ(*AgencyIdFromCertPem(MakeCustomCert("cn-only", {})), "cn-only");
}

TEST(AgencyIdFromCertPemTest, RejectsCertificatesWithoutAValidAgency) {
  EXPECT_EQ(CodeOf(AgencyIdFromCertPem(MakeCustomCert("Not An Agency", {}))),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(AgencyIdFromCertPem(MakeCustomCert(std::nullopt, {}))),
            absl::StatusCode::kInvalidArgument);
  // An accord URI decides even when it is invalid: no fallback to DNS/CN.
  EXPECT_EQ(CodeOf(AgencyIdFromCertPem(MakeCustomCert(
                "police", {{GEN_DNS, "police"}, {GEN_URI, "accord:agency:Police Force"}}))),
            absl::StatusCode::kInvalidArgument);
  // Two accord URIs that disagree are ambiguous.
  EXPECT_EQ(CodeOf(AgencyIdFromCertPem(MakeCustomCert(
                "police", {{GEN_URI, "accord:agency:police"}, {GEN_URI, "accord:agency:ae"}}))),
            absl::StatusCode::kInvalidArgument);
  // So are two valid DNS names.
  EXPECT_EQ(CodeOf(AgencyIdFromCertPem(MakeCustomCert(
                "police", {{GEN_DNS, "police"}, {GEN_DNS, "ae"}}))),
            absl::StatusCode::kInvalidArgument);
  // Repeated identical URIs are fine.
  EXPECT_EQ(*AgencyIdFromCertPem(MakeCustomCert(
                "x", {{GEN_URI, "accord:agency:ae"}, {GEN_URI, "accord:agency:ae"}})),
            "ae");
  // Not a certificate.
  EXPECT_EQ(CodeOf(AgencyIdFromCertPem("")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(AgencyIdFromCertPem(std::string_view())), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(AgencyIdFromCertPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")),
            absl::StatusCode::kInvalidArgument);
}

TEST(AgencyIdFromCertPemTest, ErrorsDoNotEchoCertificateContents) {
  absl::StatusOr<std::string> id =
      AgencyIdFromCertPem(MakeCustomCert("Jane Smith 1970-01-01", {{GEN_DNS, "Jane.Smith"}}));
  ASSERT_EQ(CodeOf(id), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(id.status().message()), ::testing::Not(::testing::HasSubstr("Jane")));
}

TEST(AgencyIdFromAuthPropertiesTest, PrefersAgencyUri) {
  std::vector<std::string> sans = {"police", "accord:agency:ae", "127.0.0.1"};
  EXPECT_EQ(*AgencyIdFromAuthProperties(sans, "cn-agency"), "ae");
}

TEST(AgencyIdFromAuthPropertiesTest, FallsBackToDnsThenCn) {
  std::vector<std::string> dns = {"127.0.0.1", "::1", "mail@x.org", "police"};
  EXPECT_EQ(*AgencyIdFromAuthProperties(dns, "cn-agency"), "police");
  std::vector<std::string> ips = {"127.0.0.1", "::1", "spiffe://x/y"};
  EXPECT_EQ(*AgencyIdFromAuthProperties(ips, "cn-agency"), "cn-agency");
  EXPECT_EQ(*AgencyIdFromAuthProperties({}, "cn-agency"), "cn-agency");
}

TEST(AgencyIdFromAuthPropertiesTest, RejectsMissingOrBadIdentity) {
  EXPECT_EQ(CodeOf(AgencyIdFromAuthProperties({}, "")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(AgencyIdFromAuthProperties({}, "CN With Spaces")),
            absl::StatusCode::kInvalidArgument);
  std::vector<std::string> bad_uri = {"accord:agency:", "police"};
  EXPECT_EQ(CodeOf(AgencyIdFromAuthProperties(bad_uri, "police")),
            absl::StatusCode::kInvalidArgument);
  std::vector<std::string> two = {"accord:agency:police", "accord:agency:ae"};
  EXPECT_EQ(CodeOf(AgencyIdFromAuthProperties(two, "police")), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace accord::hub::pki
