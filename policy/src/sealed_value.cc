#include "accord/policy/sealed_value.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <array>
#include <memory>

#include "accord/base/status_macros.h"

namespace accord::policy {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = kAesGcmNonceBytes;
constexpr size_t kTagBytes = kAesGcmTagBytes;
constexpr char kSeparator = 0x1f;
constexpr std::string_view kInfoLabel = "accord.sealed.v1";

// BIO has no alias in openssl.h yet (see the transforms report); kept local.
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// Zeroes a secret buffer when it goes out of scope.
template <size_t N>
struct Secret {
  std::array<unsigned char, N> bytes{};
  ~Secret() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  unsigned char* data() { return bytes.data(); }
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), N);
  }
};

const unsigned char* U8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::StatusOr<EvpPkeyPtr> ReadPem(std::string_view pem, bool is_private) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("reading key PEM");
  EvpPkeyPtr key(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                            : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return absl::InvalidArgumentError(is_private ? "private key is not a PEM private key"
                                                 : "public key is not a PEM public key");
  }
  if (!EVP_PKEY_is_a(key.get(), "X25519")) {
    return absl::InvalidArgumentError("key is not an X25519 key");
  }
  return key;
}

absl::StatusOr<std::string> RawPublic(EVP_PKEY* key) {
  std::string raw(kKeyBytes, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
      len != kKeyBytes) {
    return OpenSslError("reading X25519 public key");
  }
  return raw;
}

absl::StatusOr<std::string> Fingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int der_len = i2d_PUBKEY(key, &der);
  if (der_len <= 0) return OpenSslError("encoding public key");
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t md_len = 0;
  int ok = EVP_Q_digest(nullptr, "SHA256", nullptr, der, der_len, md, &md_len);
  OPENSSL_free(der);
  if (ok != 1) return OpenSslError("hashing public key");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < md_len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 15];
  }
  return hex;
}

std::string Join(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + b.size() + 1);
  out.append(a);
  out.push_back(kSeparator);
  out.append(b);
  return out;
}

// X25519 + HKDF-SHA256 -> the AES key (see the header for the inputs).
absl::Status DeriveKey(EVP_PKEY* own_private, EVP_PKEY* peer_public, std::string_view eph_public,
                       std::string_view recipient_public, std::string_view recipient_id,
                       std::string_view field_name, Secret<kKeyBytes>* key) {
  Secret<kKeyBytes> shared;
  size_t shared_len = kKeyBytes;
  EvpPkeyCtxPtr dctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own_private, nullptr));
  if (!dctx || EVP_PKEY_derive_init(dctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(dctx.get(), peer_public) != 1 ||
      EVP_PKEY_derive(dctx.get(), shared.data(), &shared_len) != 1 || shared_len != kKeyBytes) {
    return OpenSslError("X25519 key agreement", absl::StatusCode::kInvalidArgument);
  }
  std::string salt(eph_public);
  salt.append(recipient_public);
  std::string info = Join(kInfoLabel, Join(recipient_id, field_name));
  EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  if (!kdf) return OpenSslError("fetching HKDF");
  EvpKdfCtxPtr kctx(EVP_KDF_CTX_new(kdf.get()));
  if (!kctx) return OpenSslError("creating HKDF context");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared.data(), kKeyBytes),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  if (EVP_KDF_derive(kctx.get(), key->data(), kKeyBytes, params) != 1) {
    return OpenSslError("HKDF");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RecipientSealer> RecipientSealer::Create(std::string_view recipient_id,
                                                        std::string_view x25519_public_pem) {
  if (recipient_id.empty()) return absl::InvalidArgumentError("recipient id is empty");
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr key, ReadPem(x25519_public_pem, /*is_private=*/false));
  ACCORD_ASSIGN_OR_RETURN(std::string raw, RawPublic(key.get()));
  ACCORD_ASSIGN_OR_RETURN(std::string fingerprint, Fingerprint(key.get()));
  return RecipientSealer(std::string(recipient_id), std::move(key), std::move(raw),
                         std::move(fingerprint));
}

absl::Status RecipientSealer::Seal(std::string_view field_name, const v1::Value& plain,
                                   v1::SealedValue* out) const {
  EvpPkeyPtr eph(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (!eph) return OpenSslError("generating ephemeral X25519 key");
  ACCORD_ASSIGN_OR_RETURN(std::string eph_public, RawPublic(eph.get()));
  Secret<kKeyBytes> key;
  ACCORD_RETURN_IF_ERROR(DeriveKey(eph.get(), key_.get(), eph_public, raw_public_, recipient_id_,
                                   field_name, &key));

  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) != 1) {
    return OpenSslError("generating nonce");
  }
  std::string plaintext;
  if (!plain.SerializeToString(&plaintext)) return absl::InternalError("serialising value");
  std::string aad = Join(recipient_id_, field_name);

  std::string ciphertext(plaintext.size() + kTagBytes, '\0');
  absl::Status sealed = AesGcmSeal(key.view(), nonce, plaintext, aad, absl::MakeSpan(ciphertext));
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  ACCORD_RETURN_IF_ERROR(sealed);

  out->Clear();
  out->set_scheme(std::string(kSealedScheme));
  out->set_recipient(recipient_id_);
  out->set_key_fingerprint(key_fingerprint_);
  out->set_ephemeral_public_key(std::move(eph_public));
  out->set_nonce(std::move(nonce));
  out->set_ciphertext(std::move(ciphertext));
  return absl::OkStatus();
}

absl::StatusOr<RecipientOpener> RecipientOpener::Create(std::string_view x25519_private_pem) {
  ACCORD_ASSIGN_OR_RETURN(EvpPkeyPtr own, ReadPem(x25519_private_pem, /*is_private=*/true));
  ACCORD_ASSIGN_OR_RETURN(std::string fingerprint, Fingerprint(own.get()));
  ACCORD_ASSIGN_OR_RETURN(std::string own_public, RawPublic(own.get()));
  return RecipientOpener(std::move(own), std::move(own_public), std::move(fingerprint));
}

absl::StatusOr<v1::Value> RecipientOpener::Open(std::string_view recipient_id,
                                                std::string_view field_name,
                                                const v1::SealedValue& sealed) const {
  if (sealed.scheme() != kSealedScheme) {
    return absl::InvalidArgumentError("sealed value uses an unknown scheme");
  }
  if (sealed.ephemeral_public_key().size() != kKeyBytes || sealed.nonce().size() != kNonceBytes ||
      sealed.ciphertext().size() < kTagBytes) {
    return absl::InvalidArgumentError("sealed value is malformed");
  }
  if (sealed.recipient() != recipient_id) {
    return absl::PermissionDeniedError("sealed value is for another recipient");
  }
  if (sealed.key_fingerprint() != key_fingerprint_) {
    return absl::PermissionDeniedError("sealed value is for another key of this recipient");
  }
  EvpPkeyPtr eph(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr,
                                             U8(sealed.ephemeral_public_key()), kKeyBytes));
  if (!eph) return OpenSslError("reading ephemeral key", absl::StatusCode::kInvalidArgument);
  Secret<kKeyBytes> key;
  absl::Status derived = DeriveKey(key_.get(), eph.get(), sealed.ephemeral_public_key(),
                                   raw_public_, recipient_id, field_name, &key);
  if (!derived.ok()) {
    // A low-order ephemeral point gives an all-zero secret, which OpenSSL
    // refuses: to the recipient that is an altered value.
    return absl::DataLossError("sealed value failed authentication (altered ephemeral key)");
  }

  std::string aad = Join(recipient_id, field_name);
  const std::string& ct = sealed.ciphertext();
  std::string plaintext(ct.size() - kTagBytes, '\0');
  absl::Status opened = AesGcmOpen(key.view(), sealed.nonce(), ct, aad, absl::MakeSpan(plaintext));
  if (absl::IsDataLoss(opened)) {
    return absl::DataLossError(
        "sealed value failed authentication (altered, or sealed for another field or key)");
  }
  ACCORD_RETURN_IF_ERROR(opened);
  v1::Value value;
  bool parsed = value.ParseFromString(plaintext);
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  if (!parsed) return absl::DataLossError("sealed value does not contain a value");
  return value;
}

absl::StatusOr<v1::Value> OpenSealed(std::string_view recipient_id,
                                     std::string_view x25519_private_pem,
                                     std::string_view field_name, const v1::SealedValue& sealed) {
  ACCORD_ASSIGN_OR_RETURN(RecipientOpener opener, RecipientOpener::Create(x25519_private_pem));
  return opener.Open(recipient_id, field_name, sealed);
}

}  // namespace accord::policy
