// Owning handles for OpenSSL objects, and the one place OpenSSL errors become
// absl::Status. Every OpenSSL object in Accord is wrapped here at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace accord::policy {

struct EvpPkeyDeleter { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct EvpPkeyCtxDeleter { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
struct EvpMdCtxDeleter { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
struct EvpMacDeleter { void operator()(EVP_MAC* p) const { EVP_MAC_free(p); } };
struct EvpMacCtxDeleter { void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); } };
struct EvpCipherCtxDeleter { void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); } };
struct EvpKdfDeleter { void operator()(EVP_KDF* p) const { EVP_KDF_free(p); } };
struct EvpKdfCtxDeleter { void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); } };

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxDeleter>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, EvpMacDeleter>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, EvpMacCtxDeleter>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxDeleter>;
using EvpKdfPtr = std::unique_ptr<EVP_KDF, EvpKdfDeleter>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, EvpKdfCtxDeleter>;

// Drains OpenSSL's thread-local error queue into a Status of `code` whose
// message is "<what>: <openssl reason>". Never includes key material or data.
absl::Status OpenSslError(std::string_view what,
                          absl::StatusCode code = absl::StatusCode::kInternal);

// HKDF-SHA256 (RFC 5869) of `key` with `info` and no salt: `length` bytes.
// The one derivation of sub-keys from a hub secret (linkage keys, Kafka data
// keys, the records key-encryption key). `what` names it in errors.
absl::StatusOr<std::string> HkdfSha256(std::string_view key, std::string_view info, std::string_view what,
                                       size_t length = 32);

}  // namespace accord::policy
