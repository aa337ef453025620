#include "pem.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl_compat.h"

namespace accord::hub::ledger {

absl::StatusOr<std::string> PemToDer(std::string_view pem, std::string_view label,
                                     std::string_view what) {
  const std::string begin = absl::StrCat("-----BEGIN ", AsAbsl(label), "-----");
  const std::string end = absl::StrCat("-----END ", AsAbsl(label), "-----");
  const size_t b = pem.find(begin);
  if (b == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), ": no ", AsAbsl(label), " PEM block"));
  }
  const size_t body = b + begin.size();
  const size_t e = pem.find(end, body);
  if (e == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), ": unterminated PEM block"));
  }
  std::string b64;
  for (char c : pem.substr(body, e - body)) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) b64.push_back(c);
  }
  std::string der;
  if (b64.empty() || !absl::Base64Unescape(b64, &der)) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), ": PEM body is not base64"));
  }
  return der;
}

std::string DerToPem(std::string_view der, std::string_view label) {
  const std::string b64 = absl::Base64Escape(AsAbsl(der));
  std::string out = absl::StrCat("-----BEGIN ", AsAbsl(label), "-----\n");
  for (size_t i = 0; i < b64.size(); i += 64) {
    absl::StrAppend(&out, absl::string_view(b64).substr(i, 64), "\n");
  }
  absl::StrAppend(&out, "-----END ", AsAbsl(label), "-----\n");
  return out;
}

absl::StatusOr<policy::EvpPkeyPtr> ParseEd25519PrivatePem(std::string_view pem) {
  auto der = PemToDer(pem, "PRIVATE KEY", "private key");
  if (!der.ok()) return der.status();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der->data());
  policy::EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der->size())));
  OPENSSL_cleanse(der->data(), der->size());
  if (key == nullptr) {
    return policy::OpenSslError("private key: not a PKCS#8 key",
                                absl::StatusCode::kInvalidArgument);
  }
  if (EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
    return absl::InvalidArgumentError("private key: not an Ed25519 key");
  }
  return key;
}

absl::StatusOr<policy::EvpPkeyPtr> ParseEd25519PublicPem(std::string_view pem) {
  auto der = PemToDer(pem, "PUBLIC KEY", "public key");
  if (!der.ok()) return der.status();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der->data());
  policy::EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())));
  if (key == nullptr) {
    return policy::OpenSslError("public key: not a SubjectPublicKeyInfo",
                                absl::StatusCode::kInvalidArgument);
  }
  if (EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
    return absl::InvalidArgumentError("public key: not an Ed25519 key");
  }
  return key;
}

absl::StatusOr<std::string> PublicKeyDer(EVP_PKEY* key) {
  const int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return policy::OpenSslError("public key: DER encoding");
  std::string der(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(key, &p) != len) return policy::OpenSslError("public key: DER encoding");
  return der;
}

}  // namespace accord::hub::ledger
