#include "accord/hub/pki/identity.h"

#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "accord/hub/pki/agency_id.h"
#include "accord/hub/pki/dev_pki.h"
#include "accord/hub/pki/openssl_x509.h"
#include "accord/base/status_macros.h"
#include "pem.h"

namespace accord::hub::pki {
namespace {

// The identity claims of one certificate, already split by kind.
struct Claims {
  std::vector<std::string> agency_uris;  // Suffixes after kAgencyUriPrefix.
  std::vector<std::string> dns_names;
  std::optional<std::string> common_name;
};

// Dotted-quad IPv4 literals are syntactically agency ids; never treat them so.
bool LooksLikeIpv4(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

// All valid ids in `candidates` must agree; returns it, or nullopt if none.
absl::StatusOr<std::optional<std::string>> Agreeing(const std::vector<std::string>& candidates,
                                                    bool require_all_valid,
                                                    std::string_view field) {
  std::optional<std::string> found;
  for (const std::string& c : candidates) {
    if (!IsValidAgencyId(c) || LooksLikeIpv4(c)) {
      if (require_all_valid) return ValidateAgencyId("", field);
      continue;
    }
    if (found.has_value() && *found != c) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(field), ": names more than one agency id"));
    }
    found = c;
  }
  return found;
}

absl::StatusOr<std::string> Resolve(const Claims& claims) {
  if (!claims.agency_uris.empty()) {
    ACCORD_ASSIGN_OR_RETURN(std::optional<std::string> id,
                            Agreeing(claims.agency_uris, /*require_all_valid=*/true,
                                     "subjectAltName URI accord:agency"));
    if (!id.has_value()) return absl::InternalError("agency URI resolution");  // Unreachable.
    return *std::move(id);
  }
  ACCORD_ASSIGN_OR_RETURN(std::optional<std::string> dns,
                          Agreeing(claims.dns_names, /*require_all_valid=*/false,
                                   "subjectAltName DNS"));
  if (dns.has_value()) return *dns;
  if (claims.common_name.has_value() && IsValidAgencyId(*claims.common_name)) {
    return *claims.common_name;
  }
  return absl::InvalidArgumentError(
      "peer certificate: no agency id in subjectAltName URI, subjectAltName DNS or subject CN");
}

std::optional<std::string> Asn1ToUtf8(const ASN1_STRING* s) {
  unsigned char* raw = nullptr;
  int len = ASN1_STRING_to_UTF8(&raw, s);
  if (len < 0) return std::nullopt;
  OpenSslBufferPtr owned(raw);
  return std::string(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(len));
}

// IA5String contents as bytes; embedded NULs make the name unusable.
std::optional<std::string> Ia5Value(const ASN1_IA5STRING* s) {
  std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                    static_cast<std::size_t>(ASN1_STRING_length(s)));
  if (value.find('\0') != std::string::npos) return std::nullopt;
  return value;
}

}  // namespace

absl::StatusOr<std::string> AgencyIdFromCertPem(std::string_view cert_pem) {
  ACCORD_ASSIGN_OR_RETURN(X509Ptr cert, internal::ParseCertPem(cert_pem, "peer certificate"));
  Claims claims;

  int crit = 0;
  GeneralNamesPtr sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, &crit, nullptr)));
  if (!sans && crit == -2) {  // -2: the extension occurs more than once.
    return absl::InvalidArgumentError("peer certificate: duplicate subjectAltName extension");
  }
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      const GENERAL_NAME* gen = sk_GENERAL_NAME_value(sans.get(), i);
      if (gen->type == GEN_URI) {
        std::optional<std::string> uri = Ia5Value(gen->d.uniformResourceIdentifier);
        if (!uri.has_value()) {
          return absl::InvalidArgumentError("peer certificate: malformed subjectAltName URI");
        }
        if (absl::StartsWith(*uri, std::string(kAgencyUriPrefix))) {
          claims.agency_uris.push_back(uri->substr(kAgencyUriPrefix.size()));
        }
      } else if (gen->type == GEN_DNS) {
        std::optional<std::string> dns = Ia5Value(gen->d.dNSName);
        if (dns.has_value()) claims.dns_names.push_back(*std::move(dns));
      }
    }
  }

  const X509_NAME* subject = X509_get_subject_name(cert.get());
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    if (X509_NAME_get_index_by_NID(subject, NID_commonName, index) >= 0) {
      // Several CNs: which one is meant is ambiguous, so use none.
    } else {
      const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, index);
      claims.common_name = Asn1ToUtf8(X509_NAME_ENTRY_get_data(entry));
    }
  }
  return Resolve(claims);
}

absl::StatusOr<std::string> AgencyIdFromAuthProperties(absl::Span<const std::string> san_values,
                                                       std::string_view common_name) {
  Claims claims;
  for (const std::string& value : san_values) {
    if (absl::StartsWith(value, std::string(kAgencyUriPrefix))) {
      claims.agency_uris.push_back(value.substr(kAgencyUriPrefix.size()));
    } else {
      // URIs, e-mail addresses and IPv6 literals contain ':' or '@' and so
      // are never valid agency ids; IPv4 literals are skipped explicitly.
      claims.dns_names.push_back(value);
    }
  }
  if (!common_name.empty()) claims.common_name = std::string(common_name);
  return Resolve(claims);
}

}  // namespace accord::hub::pki
