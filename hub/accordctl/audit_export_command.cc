// accordctl audit export: the hub's whole ledger into an export file.
#include <iostream>

#include "audit_client.h"
#include "audit_export.h"
#include "commands.h"
#include "exit_codes.h"
#include "ledger_export_file.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {

int RunAuditExport(const AuditExportOptions& o) {
  auto client = AuditClient::Create(o.hub);
  if (!client.ok()) return FailStatus(client.status());
  auto stats = ExportFromHub(*client, o.out, o.force);
  if (!stats.ok()) return FailStatus(stats.status());
  if (o.json) {
    nlohmann::ordered_json j{
        {"file", o.out},         {"format", kExportFormat},       {"entries", stats->entries},
        {"heads", stats->heads}, {"tree_size", stats->tree_size}, {"log_id", stats->log_id}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "Exported " << stats->entries << " disclosures and " << stats->heads
              << " signed tree heads (log " << stats->log_id << ") to " << o.out << "\n"
              << "Check it with: accordctl audit verify --file " << o.out
              << " --expect-key HUB_LEDGER_KEY.pem\n";
  }
  return kExitOk;
}

}  // namespace accord::ctl
