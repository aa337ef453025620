#include "accord/hub/pki/verify.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "absl/strings/str_cat.h"
#include "accord/hub/pki/openssl_x509.h"
#include "accord/policy/openssl.h"
#include "accord/base/status_macros.h"
#include "pem.h"

namespace accord::hub::pki {

absl::Status VerifyCertificate(std::string_view leaf_pem, std::string_view ca_pem,
                               CertPurpose purpose, absl::Time at) {
  ACCORD_ASSIGN_OR_RETURN(X509Ptr leaf, internal::ParseCertPem(leaf_pem, "certificate"));
  ACCORD_ASSIGN_OR_RETURN(X509Ptr ca, internal::ParseCertPem(ca_pem, "CA certificate"));

  X509StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_add_cert(store.get(), ca.get()) != 1) {
    return policy::OpenSslError("building trust store");
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) != 1) {
    return policy::OpenSslError("initialising verification");
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, absl::ToTimeT(at));
  if (purpose != CertPurpose::kAny) {
    int id = purpose == CertPurpose::kTlsServer ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
    if (X509_STORE_CTX_set_purpose(ctx.get(), id) != 1) {
      return policy::OpenSslError("setting verification purpose");
    }
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return absl::PermissionDeniedError(
        absl::StrCat("certificate does not verify: ", X509_verify_cert_error_string(err)));
  }
  return absl::OkStatus();
}

}  // namespace accord::hub::pki
