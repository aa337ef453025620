#include "pem.h"

#include <climits>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "absl/strings/str_cat.h"

namespace accord::hub::pki::internal {
namespace {

// Refuses to supply a passphrase, so OpenSSL never prompts on the terminal.
int NoPassphrase(char*, int, int, void*) { return -1; }

absl::StatusOr<BioPtr> ReadOnlyBio(std::string_view pem, std::string_view what) {
  if (pem.empty()) return absl::InvalidArgumentError(absl::StrCat(std::string(what), ": empty"));
  if (pem.size() > INT_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), ": too large"));
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return policy::OpenSslError(absl::StrCat(std::string(what), ": BIO_new_mem_buf"));
  return bio;
}

absl::StatusOr<std::string> DrainBio(BIO* bio, std::string_view what) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return policy::OpenSslError(what);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

absl::StatusOr<X509Ptr> ParseCertPem(std::string_view pem, std::string_view what) {
  auto bio = ReadOnlyBio(pem, what);
  if (!bio.ok()) return bio.status();
  X509Ptr cert(PEM_read_bio_X509(bio->get(), nullptr, NoPassphrase, nullptr));
  if (!cert) {
    return policy::OpenSslError(absl::StrCat(std::string(what), ": not a PEM certificate"),
                                absl::StatusCode::kInvalidArgument);
  }
  return cert;
}

absl::StatusOr<policy::EvpPkeyPtr> ParseKeyPem(std::string_view pem, std::string_view what) {
  auto bio = ReadOnlyBio(pem, what);
  if (!bio.ok()) return bio.status();
  policy::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio->get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    return policy::OpenSslError(
        absl::StrCat(std::string(what), ": not an unencrypted PEM private key"),
        absl::StatusCode::kInvalidArgument);
  }
  return key;
}

absl::StatusOr<std::string> CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return policy::OpenSslError("encoding certificate PEM");
  }
  return DrainBio(bio.get(), "encoding certificate PEM");
}

absl::StatusOr<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PKCS#8 PrivateKeyInfo, no encryption.
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                            nullptr) != 1) {
    return policy::OpenSslError("encoding private key PEM");
  }
  return DrainBio(bio.get(), "encoding private key PEM");
}

}  // namespace accord::hub::pki::internal
