#include "accord/policy/openssl.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

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

}  // namespace accord::policy
