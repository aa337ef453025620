// Chain verification of a leaf certificate against one trusted CA, the check
// the TLS stack makes during the handshake, for tools (`accordctl pki
// verify`) and tests.
//
// Thread-safe; no shared state.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace accord::hub::pki {

enum class CertPurpose {
  kAny,         // Chain and validity only.
  kTlsServer,   // Also requires extendedKeyUsage serverAuth.
  kTlsClient,   // Also requires extendedKeyUsage clientAuth.
};

// OK if `leaf_pem` chains to the self-signed `ca_pem`, is valid at `at` and
// fits `purpose`. PermissionDenied with OpenSSL's verify reason if it does not
// verify; InvalidArgument if either PEM does not parse.
absl::Status VerifyCertificate(std::string_view leaf_pem, std::string_view ca_pem,
                               CertPurpose purpose = CertPurpose::kAny, absl::Time at = absl::Now());

}  // namespace accord::hub::pki
