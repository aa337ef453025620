// accordctl pki ...: a development PKI for mTLS (CA, hub cert, agency certs).
#include <iostream>

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
            << " (for demos and tests only: no revocation, keys unencrypted):\n";
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

}  // namespace accord::ctl
