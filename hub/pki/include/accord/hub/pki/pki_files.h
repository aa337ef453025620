// The dev PKI on disk, for `accordctl pki init` / `accordctl pki add-agency`
// and the demo. Layout of `dir`:
//
//   ca.crt  ca.key        the dev CA
//   hub.crt hub.key       the hub's server certificate
//   <agency>.crt/.key     one client certificate per agency
//
// Certificates are written with mode 0644, keys with mode 0600 (created so,
// never widened later). Each file is written to a temporary file in `dir`,
// fsync'ed, then moved into place, so a crash never leaves a half-written
// file. `dir` is created (mode 0700) if missing.
//
// Agency ids "ca" and "hub" are reserved (they would collide with the CA and
// hub files). Thread-compatible: do not run two writers on one dir at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "accord/hub/pki/dev_pki.h"

namespace accord::hub::pki {

// Creates a fresh CA, a hub certificate (CN=hub_name, default SANs) and a
// client certificate per agency in `dir`. Validates every input and, unless
// `overwrite`, checks that no target file exists before writing anything:
// AlreadyExists names the first existing file. InvalidArgument for a bad or
// duplicate or reserved agency id. Returns the written paths in the order
// ca.crt, ca.key, hub.crt, hub.key, then <agency>.crt, <agency>.key per agency.
// The CA's CN is "Accord dev CA". All keys and certificates are generated
// before the first write; an I/O error part-way may leave the files already
// written in place (each one complete), and the Status names the failing path.
absl::StatusOr<std::vector<std::string>> WriteDevPki(const std::string& dir,
                                                     std::string_view hub_name,
                                                     absl::Span<const std::string> agencies,
                                                     bool overwrite,
                                                     const CertOptions& options = {});

// Issues one more agency certificate from the existing <dir>/ca.crt and
// <dir>/ca.key. NotFound if either is missing; AlreadyExists if the agency's
// files exist and !overwrite. Returns {<agency>.crt, <agency>.key}.
absl::StatusOr<std::vector<std::string>> AddAgencyCert(const std::string& dir,
                                                       std::string_view agency_id, bool overwrite,
                                                       const CertOptions& options = {});

// Reads <dir>/<name>.crt and <dir>/<name>.key (e.g. name "hub" for the
// server's TLS credentials, "ca" for the CA). NotFound if either is missing.
absl::StatusOr<IssuedCert> LoadIssuedCert(const std::string& dir, std::string_view name);

// Reads a whole file (e.g. ca.crt for pem_root_certs). NotFound if missing.
absl::StatusOr<std::string> ReadPemFile(const std::string& path);

}  // namespace accord::hub::pki
