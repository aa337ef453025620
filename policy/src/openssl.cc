#include "accord/policy/openssl.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace accord::policy {

absl::Status OpenSslError(std::string_view what, absl::StatusCode code) {
  std::string msg(what);
  unsigned long err = 0;
  bool first = true;
  char buf[256];
  while ((err = ERR_get_error()) != 0) {
    ERR_error_string_n(err, buf, sizeof(buf));
    msg += first ? ": " : "; ";
    msg += buf;
    first = false;
  }
  return absl::Status(code, msg);
}

absl::StatusOr<std::string> HkdfSha256(std::string_view key, std::string_view info, std::string_view what,
                                       size_t length) {
  EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  if (!kdf) return OpenSslError("HKDF unavailable");
  EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(key.data()), key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  std::string out(length, '\0');
  if (!ctx || EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(), params) != 1) {
    return OpenSslError(what);
  }
  return out;
}

namespace {

const unsigned char* U8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U8(absl::Span<char> s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace

// The one-shot forms are the keyed classes used once: one sequence of
// OpenSSL calls for each direction.
absl::Status AesGcmSeal(std::string_view key, std::string_view nonce, std::string_view plain,
                        std::string_view aad, absl::Span<char> out, std::string_view what) {
  auto sealer = AesGcmSealer::Create(key);
  if (!sealer.ok()) return sealer.status();
  return sealer->Seal(nonce, plain, aad, out, what);
}

absl::Status AesGcmOpen(std::string_view key, std::string_view nonce, std::string_view sealed,
                        std::string_view aad, absl::Span<char> out) {
  auto opener = AesGcmOpener::Create(key);
  if (!opener.ok()) return opener.status();
  return opener->Open(nonce, sealed, aad, out);
}

const EVP_MD* FetchedSha256() {
  static const EVP_MD* const md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) std::abort();  // a broken OpenSSL installation
    return m;
  }();
  return md;
}

const EVP_CIPHER* FetchedAes256Gcm() {
  static const EVP_CIPHER* const cipher = [] {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (c == nullptr) std::abort();  // a broken OpenSSL installation
    return c;
  }();
  return cipher;
}

namespace {

// An AES-256-GCM context keyed with `key` for encrypting (1) or decrypting (0).
absl::StatusOr<EvpCipherCtxPtr> KeyedGcmContext(std::string_view key, int encrypt) {
  if (key.size() != kAesGcmKeyBytes) return absl::InvalidArgumentError("AES-256-GCM: wrong key size");
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex2(ctx.get(), FetchedAes256Gcm(), U8(key), nullptr, encrypt, nullptr) != 1) {
    return OpenSslError("AES-256-GCM key setup");
  }
  return ctx;
}

}  // namespace

absl::StatusOr<AesGcmSealer> AesGcmSealer::Create(std::string_view key) {
  auto ctx = KeyedGcmContext(key, /*encrypt=*/1);
  if (!ctx.ok()) return ctx.status();
  return AesGcmSealer(std::move(ctx).value());
}

absl::Status AesGcmSealer::Seal(std::string_view nonce, std::string_view plain, std::string_view aad,
                                absl::Span<char> out, std::string_view what) {
  if (nonce.size() != kAesGcmNonceBytes || out.size() != plain.size() + kAesGcmTagBytes) {
    return absl::InvalidArgumentError("AES-256-GCM: wrong nonce or output size");
  }
  unsigned char* ct = U8(out);
  int len = 0, final_len = 0;
  const bool ok =
      EVP_EncryptInit_ex2(ctx_.get(), nullptr, nullptr, U8(nonce), nullptr) == 1 &&
      EVP_EncryptUpdate(ctx_.get(), nullptr, &len, U8(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx_.get(), ct, &len, U8(plain), static_cast<int>(plain.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx_.get(), ct + len, &final_len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagBytes, ct + plain.size()) == 1;
  if (!ok) return OpenSslError(what);
  return absl::OkStatus();
}

absl::StatusOr<AesGcmOpener> AesGcmOpener::Create(std::string_view key) {
  auto ctx = KeyedGcmContext(key, /*encrypt=*/0);
  if (!ctx.ok()) return ctx.status();
  return AesGcmOpener(std::move(ctx).value());
}

absl::Status AesGcmOpener::Open(std::string_view nonce, std::string_view sealed, std::string_view aad,
                                absl::Span<char> out) {
  if (nonce.size() != kAesGcmNonceBytes || sealed.size() < kAesGcmTagBytes ||
      out.size() != sealed.size() - kAesGcmTagBytes) {
    return absl::InvalidArgumentError("AES-256-GCM: wrong nonce, input or output size");
  }
  unsigned char tag[kAesGcmTagBytes];
  std::copy(sealed.end() - kAesGcmTagBytes, sealed.end(), reinterpret_cast<char*>(tag));
  unsigned char* pt = U8(out);
  int len = 0, final_len = 0;
  const bool setup =
      EVP_DecryptInit_ex2(ctx_.get(), nullptr, nullptr, U8(nonce), nullptr) == 1 &&
      EVP_DecryptUpdate(ctx_.get(), nullptr, &len, U8(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx_.get(), pt, &len, U8(sealed), static_cast<int>(out.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagBytes, tag) == 1;
  if (!setup) return OpenSslError("AES-256-GCM decryption");
  if (EVP_DecryptFinal_ex(ctx_.get(), pt + len, &final_len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    ERR_clear_error();
    return absl::DataLossError("AES-256-GCM authentication failed");
  }
  return absl::OkStatus();
}

RandomPool::~RandomPool() { OPENSSL_cleanse(buffer_, sizeof(buffer_)); }

absl::Status RandomPool::Fill(absl::Span<char> out) {
  if (out.size() > kBytes) return absl::InvalidArgumentError("RandomPool: request larger than the pool");
  if (kBytes - used_ < out.size()) {
    if (RAND_bytes(buffer_, kBytes) != 1) return OpenSslError("generating random bytes");
    used_ = 0;
  }
  std::copy(buffer_ + used_, buffer_ + used_ + out.size(), reinterpret_cast<unsigned char*>(out.data()));
  OPENSSL_cleanse(buffer_ + used_, out.size());
  used_ += out.size();
  return absl::OkStatus();
}

}  // namespace accord::policy
