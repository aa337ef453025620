// PEM <-> DER for Ed25519 keys without OpenSSL BIOs (private to the ledger).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "accord/policy/openssl.h"

namespace accord::hub::ledger {

// The DER bytes of the first "-----BEGIN <label>-----" block of `pem`.
// InvalidArgument ("<what>: ...") if absent or not base64.
absl::StatusOr<std::string> PemToDer(std::string_view pem, std::string_view label,
                                     std::string_view what);
// DER as PEM with 64-column base64 lines.
std::string DerToPem(std::string_view der, std::string_view label);

// Parse an Ed25519 key. InvalidArgument for anything else.
absl::StatusOr<policy::EvpPkeyPtr> ParseEd25519PrivatePem(std::string_view pem);
absl::StatusOr<policy::EvpPkeyPtr> ParseEd25519PublicPem(std::string_view pem);
// DER SubjectPublicKeyInfo of a key.
absl::StatusOr<std::string> PublicKeyDer(EVP_PKEY* key);

}  // namespace accord::hub::ledger
