// Test helpers for hub/pki: inspecting certificates with OpenSSL directly.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <openssl/pem.h>

#include "accord/hub/pki/openssl_x509.h"
#include "accord/policy/openssl.h"
#include "gtest/gtest.h"

namespace accord::hub::pki::testing {

inline X509Ptr ParseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  EXPECT_NE(cert, nullptr);
  return cert;
}

inline std::string SubjectCn(X509* cert) {
  char buf[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof(buf));
  return buf;
}

inline std::string IssuerCn(X509* cert) {
  char buf[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_issuer_name(cert), NID_commonName, buf, sizeof(buf));
  return buf;
}

// SANs as "DNS:x", "URI:x", "IP:x" in certificate order.
inline std::vector<std::string> Sans(X509* cert) {
  std::vector<std::string> out;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names.get(), i);
    auto ia5 = [](const ASN1_IA5STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         ASN1_STRING_length(s));
    };
    switch (gen->type) {
      case GEN_DNS: out.push_back("DNS:" + ia5(gen->d.dNSName)); break;
      case GEN_URI: out.push_back("URI:" + ia5(gen->d.uniformResourceIdentifier)); break;
      case GEN_IPADD: {
        // 4 bytes: dotted quad; 16 bytes: eight unpadded hex groups.
        const unsigned char* b = ASN1_STRING_get0_data(gen->d.iPAddress);
        int len = ASN1_STRING_length(gen->d.iPAddress);
        std::string ip = "IP:";
        char part[8];
        if (len == 4) {
          for (int j = 0; j < 4; ++j) {
            snprintf(part, sizeof(part), j ? ".%d" : "%d", b[j]);
            ip += part;
          }
        } else if (len == 16) {
          for (int j = 0; j < 16; j += 2) {
            snprintf(part, sizeof(part), j ? ":%x" : "%x", (b[j] << 8) | b[j + 1]);
            ip += part;
          }
        }
        out.push_back(ip);
        break;
      }
      default: out.push_back("OTHER"); break;
    }
  }
  return out;
}

// A self-signed P-256 certificate with the given CN (omitted if nullopt) and
// SANs given as (GEN_* type, value); for identity tests of odd certificates.
inline std::string MakeCustomCert(std::optional<std::string> cn,
                                  const std::vector<std::pair<int, std::string>>& sans) {
  policy::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (cn.has_value()) {
    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn->data()),
                               static_cast<int>(cn->size()), -1, 0);
  } else {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("Test"), -1, -1, 0);
  }
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (!sans.empty()) {
    GeneralNamesPtr names(GENERAL_NAMES_new());
    for (const auto& [type, value] : sans) {
      GENERAL_NAME* gen = GENERAL_NAME_new();
      if (type == GEN_IPADD) {
        GENERAL_NAME_set0_value(gen, type, a2i_IPADDRESS(value.c_str()));
      } else {
        ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
        ASN1_STRING_set(ia5, value.data(), static_cast<int>(value.size()));
        GENERAL_NAME_set0_value(gen, type, ia5);
      }
      sk_GENERAL_NAME_push(names.get(), gen);
    }
    X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT);
  }
  EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace accord::hub::pki::testing
