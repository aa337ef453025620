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
#include "absl/types/span.h"

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

// AES-256-GCM with a 12-byte nonce and a 16-byte tag appended to the
// ciphertext: the one AEAD of Accord (sealed values, the audit store's records
// and data keys). The caller chooses the nonce (12 random bytes: RAND_bytes)
// and where it is stored. Pure functions; thread-safe.
inline constexpr size_t kAesGcmKeyBytes = 32;
inline constexpr size_t kAesGcmNonceBytes = 12;
inline constexpr size_t kAesGcmTagBytes = 16;

// Writes ciphertext || tag of `plain` under `key` and `nonce`, authenticating
// `aad`, to `out`, which must be exactly plain.size() + kAesGcmTagBytes long.
// InvalidArgument for wrong key/nonce/out sizes; OpenSslError(what) if OpenSSL
// fails.
absl::Status AesGcmSeal(std::string_view key, std::string_view nonce, std::string_view plain,
                        std::string_view aad, absl::Span<char> out,
                        std::string_view what = "AES-256-GCM encryption");

// Opens `sealed` (ciphertext || tag, as written by AesGcmSeal) into `out`,
// which must be exactly sealed.size() - kAesGcmTagBytes long. DataLoss when
// the tag does not verify (wrong key, nonce or aad, or altered bytes): `out`
// is then zeroed and OpenSSL's error queue cleared. InvalidArgument for wrong
// sizes (including `sealed` shorter than a tag); OpenSslError("AES-256-GCM
// decryption") if OpenSSL fails otherwise.
absl::Status AesGcmOpen(std::string_view key, std::string_view nonce, std::string_view sealed,
                        std::string_view aad, absl::Span<char> out);

// Repeated sealing under one key, for hot paths: the cipher is fetched and
// the key scheduled once; each Seal() only sets a new nonce. Output is exactly
// AesGcmSeal()'s.
//
// Thread safety: one thread at a time per object (it owns an OpenSSL context).
class AesGcmSealer {
 public:
  // InvalidArgument unless `key` is kAesGcmKeyBytes long.
  static absl::StatusOr<AesGcmSealer> Create(std::string_view key);

  // As AesGcmSeal() under this object's key.
  absl::Status Seal(std::string_view nonce, std::string_view plain, std::string_view aad,
                    absl::Span<char> out, std::string_view what = "AES-256-GCM encryption");

 private:
  explicit AesGcmSealer(EvpCipherCtxPtr ctx) : ctx_(std::move(ctx)) {}
  EvpCipherCtxPtr ctx_;
};

// Repeated opening under one key, the counterpart of AesGcmSealer: the key
// is scheduled once; each Open() only sets a new nonce. Results are exactly
// AesGcmOpen()'s (DataLoss, with `out` zeroed, when the tag does not verify).
//
// Thread safety: one thread at a time per object (it owns an OpenSSL context).
class AesGcmOpener {
 public:
  // InvalidArgument unless `key` is kAesGcmKeyBytes long.
  static absl::StatusOr<AesGcmOpener> Create(std::string_view key);

  // As AesGcmOpen() under this object's key.
  absl::Status Open(std::string_view nonce, std::string_view sealed, std::string_view aad,
                    absl::Span<char> out);

 private:
  explicit AesGcmOpener(EvpCipherCtxPtr ctx) : ctx_(std::move(ctx)) {}
  EvpCipherCtxPtr ctx_;
};

// Random bytes for nonces, drawn from RAND_bytes 4 KiB at a time instead of
// one call (and one lock of OpenSSL's shared generator) per nonce.
//
// Thread safety: one thread at a time per object. The buffer is cleansed on
// destruction.
class RandomPool {
 public:
  RandomPool() = default;
  RandomPool(const RandomPool&) = delete;
  RandomPool& operator=(const RandomPool&) = delete;
  ~RandomPool();

  // Fills `out` (at most 4 KiB) with fresh random bytes, never handed out
  // before; OpenSslError if the generator fails.
  absl::Status Fill(absl::Span<char> out);

 private:
  static constexpr size_t kBytes = 4096;
  unsigned char buffer_[kBytes];
  size_t used_ = kBytes;
};

// SHA-256 and AES-256-GCM fetched once from the default provider. Passing
// EVP_sha256() or EVP_aes_256_gcm() to an init function instead makes OpenSSL
// 3 fetch the algorithm again on every init (a lock and a property query).
// Never null (aborts if the provider lacks them); never freed.
const EVP_MD* FetchedSha256();
const EVP_CIPHER* FetchedAes256Gcm();

inline constexpr size_t kSha256Bytes = 32;

// HMAC-SHA256 (RFC 2104) under one key, for the record hot path: no
// allocation per MAC. In OpenSSL 3.0 every EVP_MAC_init (even with a NULL key
// to reuse the key) and every EVP_MAC_final duplicates a provider digest
// context: two malloc/free pairs and a cleanse per MAC, ~176 ns for a 25-byte
// field on the reference machine against ~96 ns here. This class keeps the
// SHA-256 states after key^ipad and key^opad and copies them per MAC, using
// OpenSSL's low-level SHA256_* functions (deprecated in 3.0, present in every
// 3.x release, same SHA-NI/AVX2 block code as EVP); hmac_sha256.cc, which
// also holds canonical.h's Sha256(), is the only user. Output is exactly
// HMAC-SHA256 (openssl_test checks it against EVP_MAC and RFC 4231 vectors).
//
// Thread safety: Mac() is const and may be called from several threads.
// Copies are independent; the keyed states are cleansed on destruction.
class HmacSha256 {
 public:
  // Keys of any length (longer than 64 bytes are hashed first, per RFC 2104).
  explicit HmacSha256(std::string_view key);
  HmacSha256(const HmacSha256& other);
  HmacSha256& operator=(const HmacSha256&) = delete;
  HmacSha256(HmacSha256&&) noexcept;
  HmacSha256& operator=(HmacSha256&&) noexcept;
  ~HmacSha256();

  // out[0..kSha256Bytes) = HMAC-SHA256(key, message). Not on a moved-from object.
  void Mac(std::string_view message, unsigned char* out) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace accord::policy
