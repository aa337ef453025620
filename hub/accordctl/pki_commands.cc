// accordctl pki ...: a development PKI for mTLS (CA, hub cert, agency certs).
#include <iostream>

#include "absl/time/clock.h"
#include "accord/hub/pki/crl.h"
#include "accord/hub/pki/pki_files.h"
#include "commands.h"
#include "exit_codes.h"

namespace accord::ctl {

int RunPkiInit(const PkiInitOptions& o) {
  auto written = hub::pki::WriteDevPki(o.dir, o.hub_name, o.agencies, o.force);
  if (!written.ok()) {
    std::cerr << "accordctl: " << written.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << "Development PKI written to " << o.dir
            << " (for demos and tests only: keys unencrypted; revoke with accordctl pki revoke):\n";
  for (const auto& path : *written) std::cout << "  " << path << "\n";
  return kExitOk;
}

int RunPkiAddAgency(const PkiAddAgencyOptions& o) {
  auto written = hub::pki::AddAgencyCert(o.dir, o.agency, o.force);
  if (!written.ok()) {
    std::cerr << "accordctl: " << written.status().message() << "\n";
    return kExitUsage;
  }
  for (const auto& path : *written) std::cout << "  " << path << "\n";
  return kExitOk;
}

int RunPkiRevoke(const PkiRevokeOptions& o) {
  std::string path;
  for (const auto& cert : o.certs) {
    auto written = hub::pki::RevokeCertInDir(o.dir, cert, absl::Now(), {.validity = absl::Hours(24) * o.days});
    if (!written.ok()) {
      std::cerr << "accordctl: " << cert << ": " << written.status().message() << "\n";
      return kExitUsage;
    }
    path = *written;
    std::cout << "Revoked " << cert << "\n";
  }
  std::cout << "Certificate revocation list: " << path << " (valid " << o.days
            << " days: revoke again or re-issue before then, or servers that check it refuse every "
               "certificate)\n";
  return kExitOk;
}

}  // namespace accord::ctl
