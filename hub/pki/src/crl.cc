#include "accord/hub/pki/crl.h"

#include <climits>
#include <cstdint>
#include <filesystem>
#include <memory>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "accord/base/atomic_file.h"
#include "accord/hub/pki/openssl_x509.h"
#include "accord/hub/pki/pki_files.h"
#include "accord/policy/openssl.h"
#include "accord/base/status_macros.h"
#include "pem.h"

namespace accord::hub::pki {
namespace {

using policy::EvpPkeyPtr;
using policy::OpenSslError;

struct X509CrlDeleter { void operator()(X509_CRL* p) const { X509_CRL_free(p); } };
struct X509RevokedDeleter { void operator()(X509_REVOKED* p) const { X509_REVOKED_free(p); } };
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlDeleter>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, X509RevokedDeleter>;

constexpr long kCrlVersion2 = 1;  // X509_CRL_VERSION_2
constexpr absl::Duration kMaxCrlValidity = absl::Hours(24 * 366);

absl::StatusOr<X509CrlPtr> ParseCrlPem(std::string_view pem) {
  if (pem.size() > INT_MAX) return absl::InvalidArgumentError("the existing CRL: too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("the existing CRL: BIO_new_mem_buf");
  X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (!crl) return OpenSslError("the existing CRL: not a PEM CRL", absl::StatusCode::kInvalidArgument);
  return crl;
}

// The CRL number extension of `crl`, 0 when absent.
int64_t CrlNumber(X509_CRL* crl) {
  Asn1StringPtr n(static_cast<ASN1_STRING*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
  int64_t v = 0;
  if (!n || ASN1_INTEGER_get_int64(&v, n.get()) != 1) return 0;
  return v;
}

absl::Status SetTimes(X509_CRL* crl, absl::Time now, absl::Duration validity) {
  using Asn1TimePtr = std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)>;
  Asn1TimePtr last(ASN1_TIME_set(nullptr, absl::ToTimeT(now)), &ASN1_TIME_free);
  Asn1TimePtr next(ASN1_TIME_set(nullptr, absl::ToTimeT(now + validity)), &ASN1_TIME_free);
  if (!last || !next || X509_CRL_set1_lastUpdate(crl, last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl, next.get()) != 1) {
    return OpenSslError("setting the CRL's update times");
  }
  return absl::OkStatus();
}

absl::Status AddRevoked(X509_CRL* crl, X509* cert, absl::Time now) {
  using Asn1TimePtr = std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)>;
  X509RevokedPtr entry(X509_REVOKED_new());
  Asn1TimePtr when(ASN1_TIME_set(nullptr, absl::ToTimeT(now)), &ASN1_TIME_free);
  if (!entry || !when || X509_REVOKED_set_serialNumber(entry.get(), X509_get_serialNumber(cert)) != 1 ||
      X509_REVOKED_set_revocationDate(entry.get(), when.get()) != 1 ||
      X509_CRL_add0_revoked(crl, entry.get()) != 1) {
    return OpenSslError("adding the revoked certificate to the CRL");
  }
  entry.release();  // owned by `crl`
  return absl::OkStatus();
}

absl::Status AddExtensions(X509_CRL* crl, X509* ca, int64_t number) {
  Asn1StringPtr num(ASN1_INTEGER_new());
  if (!num || ASN1_INTEGER_set_int64(num.get(), number) != 1 ||
      X509_CRL_add1_ext_i2d(crl, NID_crl_number, num.get(), 0, 0) != 1) {
    return OpenSslError("adding the CRL number");
  }
  if (X509_get0_subject_key_id(ca) != nullptr) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca, nullptr, nullptr, crl, 0);
    X509ExtensionPtr aki(X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid"));
    if (!aki || X509_CRL_add_ext(crl, aki.get(), -1) != 1) {
      return OpenSslError("adding the CRL's authorityKeyIdentifier");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> RevokeInCrl(const IssuedCert& ca_pem, std::string_view previous_crl_pem,
                                        std::string_view cert_pem, absl::Time now,
                                        const CrlOptions& options) {
  if (options.validity <= absl::ZeroDuration() || options.validity > kMaxCrlValidity) {
    return absl::InvalidArgumentError("CRL validity: must be positive and at most 366 days");
  }
  ACCORD_ASSIGN_OR_RETURN(X509Ptr ca, internal::ParseCertPem(ca_pem.cert_pem, "CA certificate"));
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, internal::ParseKeyPem(ca_pem.key_pem, "CA key"));
  if (X509_check_private_key(ca.get(), key.get()) != 1) {
    return OpenSslError("CA key: does not match the CA certificate", absl::StatusCode::kInvalidArgument);
  }
  ACCORD_ASSIGN_OR_RETURN(X509Ptr cert, internal::ParseCertPem(cert_pem, "certificate to revoke"));
  if (X509_check_issued(ca.get(), cert.get()) != X509_V_OK ||
      X509_verify(cert.get(), X509_get0_pubkey(ca.get())) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("the certificate to revoke was not issued by this CA");
  }

  X509CrlPtr crl(X509_CRL_new());
  if (!crl || X509_CRL_set_version(crl.get(), kCrlVersion2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.get())) != 1) {
    return OpenSslError("building the CRL");
  }
  int64_t number = 1;
  bool listed = false;
  if (!previous_crl_pem.empty()) {
    ACCORD_ASSIGN_OR_RETURN(X509CrlPtr old, ParseCrlPem(previous_crl_pem));
    if (X509_NAME_cmp(X509_CRL_get_issuer(old.get()), X509_get_subject_name(ca.get())) != 0 ||
        X509_CRL_verify(old.get(), X509_get0_pubkey(ca.get())) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError("the existing CRL was not signed by this CA");
    }
    number = CrlNumber(old.get()) + 1;
    STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(old.get());
    for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
      X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
      if (ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(entry), X509_get0_serialNumber(cert.get())) == 0) {
        listed = true;
      }
      X509RevokedPtr copy(X509_REVOKED_dup(entry));
      if (!copy || X509_CRL_add0_revoked(crl.get(), copy.get()) != 1) {
        return OpenSslError("copying the existing CRL's entries");
      }
      copy.release();  // owned by `crl`
    }
  }
  if (!listed) ACCORD_RETURN_IF_ERROR(AddRevoked(crl.get(), cert.get(), now));
  ACCORD_RETURN_IF_ERROR(SetTimes(crl.get(), now, options.validity));
  ACCORD_RETURN_IF_ERROR(AddExtensions(crl.get(), ca.get(), number));
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), key.get(), EVP_sha256()) <= 0) {
    return OpenSslError("signing the CRL");
  }
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_X509_CRL(out.get(), crl.get()) != 1) return OpenSslError("writing the CRL");
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  if (len <= 0 || data == nullptr) return OpenSslError("writing the CRL");
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> RevokeCertInDir(const std::string& dir, const std::string& cert_path,
                                            absl::Time now, const CrlOptions& options) {
  ACCORD_ASSIGN_OR_RETURN(IssuedCert ca, LoadIssuedCert(dir, "ca"));
  ACCORD_ASSIGN_OR_RETURN(std::string cert, ReadPemFile(cert_path));
  const std::string path = (std::filesystem::path(dir) / "ca.crl").string();
  std::string previous;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    ACCORD_ASSIGN_OR_RETURN(previous, ReadPemFile(path));
  }
  ACCORD_ASSIGN_OR_RETURN(std::string crl, RevokeInCrl(ca, previous, cert, now, options));
  ACCORD_RETURN_IF_ERROR(base::WriteFileAtomically(path, crl, {.mode = 0644, .overwrite = true}));
  return path;
}

}  // namespace accord::hub::pki
