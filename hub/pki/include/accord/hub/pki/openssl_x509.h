// Owning handles for the OpenSSL X.509 objects the dev PKI and the identity
// code use. Complements accord/policy/openssl.h (EVP handles, OpenSslError);
// every X.509-side OpenSSL object in hub/pki is held through one of these.
#pragma once

#include <memory>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace accord::hub::pki {

struct X509Deleter { void operator()(X509* p) const { X509_free(p); } };
struct X509NameDeleter { void operator()(X509_NAME* p) const { X509_NAME_free(p); } };
struct X509ExtensionDeleter {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct BioDeleter { void operator()(BIO* p) const { BIO_free_all(p); } };
struct X509StoreDeleter { void operator()(X509_STORE* p) const { X509_STORE_free(p); } };
struct X509StoreCtxDeleter {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct GeneralNameDeleter { void operator()(GENERAL_NAME* p) const { GENERAL_NAME_free(p); } };
struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
struct BignumDeleter { void operator()(BIGNUM* p) const { BN_free(p); } };
struct Asn1StringDeleter { void operator()(ASN1_STRING* p) const { ASN1_STRING_free(p); } };
// Frees buffers OpenSSL allocates for the caller (e.g. ASN1_STRING_to_UTF8).
struct OpenSslFreeDeleter { void operator()(unsigned char* p) const { OPENSSL_free(p); } };

using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using X509NamePtr = std::unique_ptr<X509_NAME, X509NameDeleter>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, X509ExtensionDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreDeleter>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, X509StoreCtxDeleter>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, GeneralNameDeleter>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;
// Also holds ASN1_IA5STRING / ASN1_OCTET_STRING / ASN1_INTEGER (all ASN1_STRING).
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, Asn1StringDeleter>;
using OpenSslBufferPtr = std::unique_ptr<unsigned char, OpenSslFreeDeleter>;

}  // namespace accord::hub::pki
