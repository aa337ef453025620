// The identity a peer's certificate asserts: its agency id.
//
// These functions do NOT verify the certificate; call them only on a peer
// certificate the TLS stack (or VerifyCertificate in verify.h) has already
// verified against the trusted CA. They parse untrusted bytes safely and
// return InvalidArgument on anything malformed; messages never quote the
// certificate's contents.
//
// Resolution order, the same for both entry points:
//  1. a SAN URI "accord:agency:<id>" — if present, it decides: <id> must be
//     a valid agency id, and all such URIs must agree, else InvalidArgument;
//  2. else the SAN DNS names that are valid agency ids (IPv4 literals are
//     ignored) — they must all agree, else InvalidArgument (ambiguous);
//  3. else the subject CN, if it is a valid agency id;
//  4. else InvalidArgument.
//
// Thread-safe; no shared state.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace accord::hub::pki {

// The agency id of a PEM certificate (the first CERTIFICATE block).
absl::StatusOr<std::string> AgencyIdFromCertPem(std::string_view cert_pem);

// The agency id from gRPC's peer properties: `san_values` are the values of
// grpc::AuthContext property "x509_subject_alternative_name" (untyped: DNS
// names, URIs, IP addresses and e-mail addresses as plain strings) and
// `common_name` the value of "x509_common_name" (empty if absent).
// Prefer AgencyIdFromCertPem on "x509_pem_cert" when it is available: there
// the SAN types are known.
absl::StatusOr<std::string> AgencyIdFromAuthProperties(absl::Span<const std::string> san_values,
                                                       std::string_view common_name);

}  // namespace accord::hub::pki
