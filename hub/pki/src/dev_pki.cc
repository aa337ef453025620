#include "accord/hub/pki/dev_pki.h"

#include <cstdint>
#include <ctime>

#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "accord/hub/pki/agency_id.h"
#include "accord/hub/pki/openssl_x509.h"
#include "accord/policy/openssl.h"
#include "accord/base/status_macros.h"
#include "pem.h"

namespace accord::hub::pki {
namespace {

using policy::EvpPkeyPtr;
using policy::OpenSslError;

constexpr int kSerialBytes = 16;  // 128 random bits.
constexpr std::size_t kMaxCommonNameLength = 64;  // ub-common-name, RFC 5280.

absl::Status ValidateOptions(const CertOptions& options) {
  if (options.validity <= absl::ZeroDuration() || options.validity > kMaxValidity) {
    return absl::InvalidArgumentError("validity: must be positive and at most 20 years");
  }
  return absl::OkStatus();
}

absl::Status ValidateCaName(std::string_view name) {
  if (name.empty() || name.size() > kMaxCommonNameLength) {
    return absl::InvalidArgumentError("CA name: must be 1 to 64 characters");
  }
  for (char c : name) {
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError("CA name: must be printable ASCII");
    }
  }
  return absl::OkStatus();
}

// RFC 1123 host name, optionally with a leading "*." wildcard label.
absl::Status ValidateDnsName(std::string_view name) {
  std::string_view rest = name;
  if (rest.substr(0, 2) == "*.") rest.remove_prefix(2);
  bool ok = !rest.empty() && rest.size() <= 253;
  if (ok) {
    for (absl::string_view label : absl::StrSplit(absl::string_view(rest.data(), rest.size()), '.')) {
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
        ok = false;
        break;
      }
      for (char c : label) {
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-') ok = false;
      }
    }
  }
  if (!ok) return absl::InvalidArgumentError("extra_dns: not a valid DNS name");
  return absl::OkStatus();
}

absl::StatusOr<EvpPkeyPtr> NewP256Key() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslError("generating P-256 key");
  return key;
}

absl::Status SetRandomSerial(X509* cert) {
  unsigned char bytes[kSerialBytes];
  do {
    if (RAND_bytes(bytes, sizeof(bytes)) != 1) return OpenSslError("generating serial");
  } while (bytes[0] == 0);  // Keep the full 128 bits (and never zero).
  BignumPtr bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpenSslError("setting serial");
  }
  return absl::OkStatus();
}

absl::Status SetValidity(X509* cert, const CertOptions& options) {
  const absl::Time now = absl::Now();
  const std::time_t not_before = absl::ToTimeT(now - kClockSkewAllowance);
  const std::time_t not_after = absl::ToTimeT(now + options.validity);
  if (ASN1_TIME_set(X509_getm_notBefore(cert), not_before) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), not_after) == nullptr) {
    return OpenSslError("setting validity");
  }
  return absl::OkStatus();
}

absl::StatusOr<X509NamePtr> CommonNameOnly(std::string_view cn) {
  X509NamePtr name(X509_NAME_new());
  if (!name || X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>(cn.data()),
                                          static_cast<int>(cn.size()), -1, 0) != 1) {
    return OpenSslError("building subject name");
  }
  return name;
}

// Adds an extension from OpenSSL's config syntax. Only ever called with
// constant values; SANs from caller input are built as GENERAL_NAMEs instead.
absl::Status AddConfExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError(absl::StrCat("adding extension ", OBJ_nid2sn(nid)));
  }
  return absl::OkStatus();
}

absl::Status PushName(GENERAL_NAMES* names, int type, std::string_view value) {
  GeneralNamePtr gen(GENERAL_NAME_new());
  Asn1StringPtr ia5(ASN1_IA5STRING_new());
  if (!gen || !ia5 || ASN1_STRING_set(ia5.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return OpenSslError("building subjectAltName");
  }
  GENERAL_NAME_set0_value(gen.get(), type, ia5.release());
  if (sk_GENERAL_NAME_push(names, gen.get()) == 0) return OpenSslError("building subjectAltName");
  gen.release();
  return absl::OkStatus();
}

absl::Status PushIp(GENERAL_NAMES* names, const char* ip) {
  GeneralNamePtr gen(GENERAL_NAME_new());
  Asn1StringPtr octets(a2i_IPADDRESS(ip));
  if (!gen || !octets) return OpenSslError("building subjectAltName IP");
  GENERAL_NAME_set0_value(gen.get(), GEN_IPADD, octets.release());
  if (sk_GENERAL_NAME_push(names, gen.get()) == 0) return OpenSslError("building subjectAltName");
  gen.release();
  return absl::OkStatus();
}

// The CA as loaded from an IssuedCert, checked for use as an issuer.
struct LoadedCa {
  X509Ptr cert;
  EvpPkeyPtr key;
};

absl::StatusOr<LoadedCa> LoadCa(const IssuedCert& ca) {
  LoadedCa loaded;
  ACCORD_ASSIGN_OR_RETURN(loaded.cert, internal::ParseCertPem(ca.cert_pem, "CA certificate"));
  ACCORD_ASSIGN_OR_RETURN(loaded.key, internal::ParseKeyPem(ca.key_pem, "CA key"));
  if (X509_check_ca(loaded.cert.get()) == 0) {
    return absl::InvalidArgumentError("CA certificate: not a CA (basicConstraints CA:TRUE missing)");
  }
  if (X509_check_private_key(loaded.cert.get(), loaded.key.get()) != 1) {
    return OpenSslError("CA key: does not match the CA certificate",
                        absl::StatusCode::kInvalidArgument);
  }
  return loaded;
}

enum class LeafKind { kServer, kClient };

// Builds and signs a leaf certificate for `subject_cn` with SANs `sans`.
absl::StatusOr<IssuedCert> IssueLeaf(const IssuedCert& ca_pem, std::string_view subject_cn,
                                     GENERAL_NAMES* sans, LeafKind kind,
                                     const CertOptions& options) {
  ACCORD_RETURN_IF_ERROR(ValidateOptions(options));
  ACCORD_ASSIGN_OR_RETURN(LoadedCa ca, LoadCa(ca_pem));
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, NewP256Key());
  ACCORD_ASSIGN_OR_RETURN(X509NamePtr subject, CommonNameOnly(subject_cn));

  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_subject_name(cert.get(), subject.get()) != 1 ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get())) != 1 ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslError("building certificate");
  }
  ACCORD_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  ACCORD_RETURN_IF_ERROR(SetValidity(cert.get(), options));

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.cert.get(), cert.get(), nullptr, nullptr, 0);
  ACCORD_RETURN_IF_ERROR(AddConfExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
  ACCORD_RETURN_IF_ERROR(AddConfExtension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature"));
  ACCORD_RETURN_IF_ERROR(AddConfExtension(cert.get(), &ctx, NID_ext_key_usage,
                                          kind == LeafKind::kServer ? "serverAuth" : "clientAuth"));
  ACCORD_RETURN_IF_ERROR(AddConfExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  ACCORD_RETURN_IF_ERROR(
      AddConfExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, sans, /*crit=*/0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("adding subjectAltName");
  }
  if (X509_sign(cert.get(), ca.key.get(), EVP_sha256()) <= 0) {
    return OpenSslError("signing certificate");
  }
  IssuedCert out;
  ACCORD_ASSIGN_OR_RETURN(out.cert_pem, internal::CertToPem(cert.get()));
  ACCORD_ASSIGN_OR_RETURN(out.key_pem, internal::KeyToPem(key.get()));
  return out;
}

}  // namespace

absl::StatusOr<IssuedCert> CreateCa(std::string_view name, const CertOptions& options) {
  ACCORD_RETURN_IF_ERROR(ValidateCaName(name));
  ACCORD_RETURN_IF_ERROR(ValidateOptions(options));
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, NewP256Key());
  ACCORD_ASSIGN_OR_RETURN(X509NamePtr subject, CommonNameOnly(name));

  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_subject_name(cert.get(), subject.get()) != 1 ||
      X509_set_issuer_name(cert.get(), subject.get()) != 1 ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslError("building CA certificate");
  }
  ACCORD_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  ACCORD_RETURN_IF_ERROR(SetValidity(cert.get(), options));

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  ACCORD_RETURN_IF_ERROR(
      AddConfExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  ACCORD_RETURN_IF_ERROR(AddConfExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
  ACCORD_RETURN_IF_ERROR(AddConfExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return OpenSslError("signing CA certificate");
  }
  IssuedCert out;
  ACCORD_ASSIGN_OR_RETURN(out.cert_pem, internal::CertToPem(cert.get()));
  ACCORD_ASSIGN_OR_RETURN(out.key_pem, internal::KeyToPem(key.get()));
  return out;
}

absl::StatusOr<IssuedCert> IssueServerCert(const IssuedCert& ca, std::string_view hub_name,
                                           absl::Span<const std::string> extra_dns,
                                           const CertOptions& options) {
  ACCORD_RETURN_IF_ERROR(ValidateAgencyId(hub_name, "hub name"));
  for (const std::string& dns : extra_dns) ACCORD_RETURN_IF_ERROR(ValidateDnsName(dns));
  GeneralNamesPtr sans(GENERAL_NAMES_new());
  if (!sans) return OpenSslError("building subjectAltName");
  ACCORD_RETURN_IF_ERROR(PushName(sans.get(), GEN_DNS, "localhost"));
  ACCORD_RETURN_IF_ERROR(PushIp(sans.get(), "127.0.0.1"));
  ACCORD_RETURN_IF_ERROR(PushIp(sans.get(), "::1"));
  for (const std::string& dns : extra_dns) ACCORD_RETURN_IF_ERROR(PushName(sans.get(), GEN_DNS, dns));
  return IssueLeaf(ca, hub_name, sans.get(), LeafKind::kServer, options);
}

absl::StatusOr<IssuedCert> IssueClientCert(const IssuedCert& ca, std::string_view agency_id,
                                           const CertOptions& options) {
  ACCORD_RETURN_IF_ERROR(ValidateAgencyId(agency_id));
  GeneralNamesPtr sans(GENERAL_NAMES_new());
  if (!sans) return OpenSslError("building subjectAltName");
  ACCORD_RETURN_IF_ERROR(
      PushName(sans.get(), GEN_URI, absl::StrCat(std::string(kAgencyUriPrefix), std::string(agency_id))));
  ACCORD_RETURN_IF_ERROR(PushName(sans.get(), GEN_DNS, agency_id));
  return IssueLeaf(ca, agency_id, sans.get(), LeafKind::kClient, options);
}

}  // namespace accord::hub::pki
