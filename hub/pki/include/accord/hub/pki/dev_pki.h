// A development PKI for the hub's mutual TLS: a self-signed CA, the hub's
// server certificate and one client certificate per agency.
//
// All keys are ECDSA P-256, all signatures ECDSA with SHA-256, serial numbers
// are 128 random bits, and notBefore is backdated by kClockSkewAllowance so a
// peer whose clock runs slightly behind still accepts a fresh certificate.
// Certificates are X.509 v3 with subjectKeyIdentifier (and, below the CA,
// authorityKeyIdentifier).
//
// This is for demos and tests. Production deployments bring their own CA.
//
// Thread safety: every function is thread-safe (no shared state; OpenSSL's
// error queue is thread-local). Secret handling: IssuedCert::key_pem is an
// unencrypted private key; callers store it with mode 0600 (see pki_files.h).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace accord::hub::pki {

// A certificate and its private key.
struct IssuedCert {
  std::string cert_pem;  // One "CERTIFICATE" PEM block.
  std::string key_pem;   // Unencrypted PKCS#8 "PRIVATE KEY" PEM block. Secret.
};

struct CertOptions {
  // Lifetime from issuance. Must be positive and at most kMaxValidity.
  // Default: one year.
  absl::Duration validity = absl::Hours(24 * 365);
};

inline constexpr absl::Duration kClockSkewAllowance = absl::Minutes(5);
inline constexpr absl::Duration kMaxValidity = absl::Hours(24 * 365 * 20);

// The SAN URI prefix that names an agency: "accord:agency:<agency id>".
inline constexpr std::string_view kAgencyUriPrefix = "accord:agency:";

// A self-signed CA: subject and issuer CN=`name`; basicConstraints
// critical CA:TRUE, pathlen:0; keyUsage critical keyCertSign, cRLSign.
// `name` must be 1..64 printable ASCII characters, else InvalidArgument.
absl::StatusOr<IssuedCert> CreateCa(std::string_view name, const CertOptions& options = {});

// The hub's server certificate, signed by `ca`: CN=`hub_name` (agency id
// syntax); SAN DNS:localhost, IP:127.0.0.1, IP:::1 and DNS:<each extra_dns>;
// basicConstraints critical CA:FALSE; keyUsage critical digitalSignature;
// extendedKeyUsage serverAuth.
// InvalidArgument for a bad hub_name or a malformed DNS name (RFC 1123
// labels, optionally a leading "*."), or a `ca` that does not parse, is not a
// CA, or whose key does not match its certificate.
absl::StatusOr<IssuedCert> IssueServerCert(const IssuedCert& ca, std::string_view hub_name,
                                           absl::Span<const std::string> extra_dns,
                                           const CertOptions& options = {});

// An agency's client certificate, signed by `ca`: CN=`agency_id`; SAN
// URI:accord:agency:<agency_id> and DNS:<agency_id>; basicConstraints
// critical CA:FALSE; keyUsage critical digitalSignature; extendedKeyUsage
// clientAuth. InvalidArgument for an invalid agency id (see agency_id.h) or a
// bad `ca` as above.
absl::StatusOr<IssuedCert> IssueClientCert(const IssuedCert& ca, std::string_view agency_id,
                                           const CertOptions& options = {});

}  // namespace accord::hub::pki
