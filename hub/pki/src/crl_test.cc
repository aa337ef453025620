#include "accord/hub/pki/crl.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/time/clock.h"
#include "accord/hub/pki/pki_files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace accord::hub::pki {
namespace {

using ::testing::HasSubstr;
using testing::ParseCert;

struct CrlDeleter { void operator()(X509_CRL* p) const { X509_CRL_free(p); } };
using CrlPtr = std::unique_ptr<X509_CRL, CrlDeleter>;

CrlPtr ParseCrl(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  EXPECT_NE(crl, nullptr);
  return crl;
}

int64_t Number(X509_CRL* crl) {
  Asn1StringPtr n(static_cast<ASN1_STRING*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
  int64_t v = -1;
  if (n) ASN1_INTEGER_get_int64(&v, n.get());
  return v;
}

bool Lists(X509_CRL* crl, const std::string& cert_pem) {
  X509_REVOKED* entry = nullptr;
  X509Ptr cert = ParseCert(cert_pem);
  return X509_CRL_get0_by_serial(crl, &entry, X509_get_serialNumber(cert.get())) == 1;
}

// What a TLS server checking revocation decides for `cert_pem` at `at`.
int VerifyWithCrl(const IssuedCert& ca, const std::string& crl_pem, const std::string& cert_pem, absl::Time at) {
  X509StorePtr store(X509_STORE_new());
  X509Ptr ca_cert = ParseCert(ca.cert_pem);
  CrlPtr crl = ParseCrl(crl_pem);
  X509_STORE_add_cert(store.get(), ca_cert.get());
  X509_STORE_add_crl(store.get(), crl.get());
  X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
  X509Ptr cert = ParseCert(cert_pem);
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, absl::ToTimeT(at));
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

class CrlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new IssuedCert(*CreateCa("Accord test CA"));
    other_ca_ = new IssuedCert(*CreateCa("Other CA"));
    alice_ = new IssuedCert(*IssueClientCert(*ca_, "alice-agency"));
    bob_ = new IssuedCert(*IssueClientCert(*ca_, "bob-agency"));
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete other_ca_;
    delete alice_;
    delete bob_;
  }
  static IssuedCert* ca_;
  static IssuedCert* other_ca_;
  static IssuedCert* alice_;
  static IssuedCert* bob_;
  const absl::Time now_ = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
};
IssuedCert* CrlTest::ca_ = nullptr;
IssuedCert* CrlTest::other_ca_ = nullptr;
IssuedCert* CrlTest::alice_ = nullptr;
IssuedCert* CrlTest::bob_ = nullptr;

TEST_F(CrlTest, RevokedCertificateIsRefusedByAServerCheckingTheCrl) {
  auto crl = RevokeInCrl(*ca_, "", alice_->cert_pem, now_);
  ASSERT_TRUE(crl.ok()) << crl.status();
  CrlPtr parsed = ParseCrl(*crl);
  X509Ptr ca_cert = ParseCert(ca_->cert_pem);
  EXPECT_EQ(X509_CRL_verify(parsed.get(), X509_get0_pubkey(ca_cert.get())), 1);
  EXPECT_EQ(X509_CRL_get_version(parsed.get()), 1);  // v2
  EXPECT_EQ(Number(parsed.get()), 1);
  EXPECT_TRUE(Lists(parsed.get(), alice_->cert_pem));
  EXPECT_FALSE(Lists(parsed.get(), bob_->cert_pem));
  int days = 0, secs = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_CRL_get0_lastUpdate(parsed.get()), X509_CRL_get0_nextUpdate(parsed.get())), 1);
  EXPECT_EQ(days, 30);
  std::unique_ptr<AUTHORITY_KEYID, decltype(&AUTHORITY_KEYID_free)> aki(
      static_cast<AUTHORITY_KEYID*>(X509_CRL_get_ext_d2i(parsed.get(), NID_authority_key_identifier, nullptr, nullptr)),
      &AUTHORITY_KEYID_free);
  EXPECT_NE(aki, nullptr);

  EXPECT_EQ(VerifyWithCrl(*ca_, *crl, alice_->cert_pem, now_ + absl::Minutes(1)), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(VerifyWithCrl(*ca_, *crl, bob_->cert_pem, now_ + absl::Minutes(1)), X509_V_OK);
  EXPECT_EQ(VerifyWithCrl(*ca_, *crl, bob_->cert_pem, now_ + absl::Hours(24 * 31)), X509_V_ERR_CRL_HAS_EXPIRED);
}

TEST_F(CrlTest, ANewRevocationKeepsTheEarlierOnesAndRaisesTheNumber) {
  auto first = RevokeInCrl(*ca_, "", alice_->cert_pem, now_);
  ASSERT_TRUE(first.ok());
  auto second = RevokeInCrl(*ca_, *first, bob_->cert_pem, now_ + absl::Hours(1));
  ASSERT_TRUE(second.ok()) << second.status();
  CrlPtr parsed = ParseCrl(*second);
  EXPECT_EQ(Number(parsed.get()), 2);
  EXPECT_TRUE(Lists(parsed.get(), alice_->cert_pem));
  EXPECT_TRUE(Lists(parsed.get(), bob_->cert_pem));
  auto again = RevokeInCrl(*ca_, *second, bob_->cert_pem, now_ + absl::Hours(2));
  ASSERT_TRUE(again.ok());
  CrlPtr reparsed = ParseCrl(*again);
  EXPECT_EQ(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(reparsed.get())), 2);
  EXPECT_EQ(Number(reparsed.get()), 3);
}

TEST_F(CrlTest, RefusesWhatThisCaDidNotMake) {
  auto foreign_cert = IssueClientCert(*other_ca_, "mallory");
  ASSERT_TRUE(foreign_cert.ok());
  auto r = RevokeInCrl(*ca_, "", foreign_cert->cert_pem, now_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("not issued by this CA"));

  auto foreign_crl = RevokeInCrl(*other_ca_, "", foreign_cert->cert_pem, now_);
  ASSERT_TRUE(foreign_crl.ok());
  r = RevokeInCrl(*ca_, *foreign_crl, alice_->cert_pem, now_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("not signed by this CA"));

  r = RevokeInCrl(*ca_, "not a crl", alice_->cert_pem, now_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  r = RevokeInCrl(*ca_, "", alice_->cert_pem, now_, {.validity = absl::ZeroDuration()});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CrlTest, RevokeCertInDirWritesCaCrlNextToTheCa) {
  std::string tmpl = ::testing::TempDir() + "/crl_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl;
  auto written = WriteDevPki(dir, "accord-hub", {"alice-agency", "bob-agency"}, false);
  ASSERT_TRUE(written.ok()) << written.status();
  auto path = RevokeCertInDir(dir, dir + "/alice-agency.crt", now_);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, dir + "/ca.crl");
  struct stat st;
  ASSERT_EQ(::stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_TRUE(RevokeCertInDir(dir, dir + "/bob-agency.crt", now_).ok());
  auto ca = LoadIssuedCert(dir, "ca");
  ASSERT_TRUE(ca.ok());
  auto pem = ReadPemFile(*path);
  ASSERT_TRUE(pem.ok());
  auto alice = ReadPemFile(dir + "/alice-agency.crt");
  EXPECT_EQ(VerifyWithCrl(*ca, *pem, *alice, now_ + absl::Minutes(1)), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(RevokeCertInDir(dir, dir + "/none.crt", now_).status().code(), absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace accord::hub::pki
