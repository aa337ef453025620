// Certificate revocation lists for the dev PKI (`accordctl pki revoke`): a v2
// CRL signed by the CA with ECDSA SHA-256, with lastUpdate / nextUpdate, a CRL
// number and (when the CA has a subjectKeyIdentifier) authorityKeyIdentifier,
// so that a TLS server that checks revocation (the officers' console with
// --crl; OpenSSL's X509_V_FLAG_CRL_CHECK) refuses a revoked certificate.
//
// For demos and tests, like dev_pki.h: a production CA publishes its own CRL.
// Thread safety: every function is thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/hub/pki/dev_pki.h"

namespace accord::hub::pki {

struct CrlOptions {
  // nextUpdate - lastUpdate: a server refuses every certificate once the CRL
  // is older (publish a new one before). Positive, at most 366 days.
  // Default: 30 days.
  absl::Duration validity = absl::Hours(24 * 30);
};

// A new CRL signed by `ca` at `now`: every entry of `previous_crl_pem` (empty
// for none; it must be a CRL this CA signed) plus `cert_pem` revoked at `now`
// (kept once if already listed), with a CRL number one higher than the
// previous one (1 for the first). InvalidArgument: a certificate this CA did
// not issue, a previous CRL that does not parse or was not signed by `ca`, a
// CA key that does not match, a bad validity.
absl::StatusOr<std::string> RevokeInCrl(const IssuedCert& ca, std::string_view previous_crl_pem,
                                        std::string_view cert_pem, absl::Time now,
                                        const CrlOptions& options = {});

// The same on the dev PKI directory (pki_files.h): reads <dir>/ca.crt,
// <dir>/ca.key and <dir>/ca.crl if present, revokes the certificate in the
// file `cert_path` and writes <dir>/ca.crl (mode 0644, atomically). Returns
// its path. NotFound for a missing file.
absl::StatusOr<std::string> RevokeCertInDir(const std::string& dir, const std::string& cert_path,
                                            absl::Time now, const CrlOptions& options = {});

}  // namespace accord::hub::pki
