// PEM <-> OpenSSL object conversions shared by hub/pki (private).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "accord/hub/pki/openssl_x509.h"
#include "accord/policy/openssl.h"

namespace accord::hub::pki::internal {

// The first CERTIFICATE block of `pem`. InvalidArgument naming `what`.
absl::StatusOr<X509Ptr> ParseCertPem(std::string_view pem, std::string_view what);

// An unencrypted private key (PKCS#8 or traditional). Never prompts for a
// passphrase: an encrypted key is InvalidArgument. The message names `what`.
absl::StatusOr<policy::EvpPkeyPtr> ParseKeyPem(std::string_view pem, std::string_view what);

absl::StatusOr<std::string> CertToPem(X509* cert);
// PKCS#8, unencrypted.
absl::StatusOr<std::string> KeyToPem(EVP_PKEY* key);

}  // namespace accord::hub::pki::internal
