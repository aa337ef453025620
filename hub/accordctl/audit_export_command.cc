// accordctl audit export: the hub's whole ledger into an export file.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "audit_client.h"
#include "commands.h"
#include "exit_codes.h"
#include "hub_client.h"
#include "ledger_export_file.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {

int RunAuditExport(const AuditExportOptions& o) {
  auto client = AuditClient::Create(o.hub);
  if (!client.ok()) return FailStatus(client.status());
  auto writer = ExportWriter::Create(o.out, o.force);
  if (!writer.ok()) return FailStatus(writer.status());

  grpc::ClientContext ctx;  // no deadline: a large ledger takes a while
  if (o.hub.insecure_dev) ctx.AddMetadata("x-accord-agency", o.hub.agency);
  auto reader = client->stub->ExportLedger(&ctx, v1::ExportLedgerRequest());
  v1::ExportLedgerChunk chunk;
  uint64_t entries = 0, heads = 0, largest = 0;
  std::string log_id;
  bool have_header = false;
  absl::Status written;
  while (written.ok() && reader->Read(&chunk)) {
    switch (chunk.item_case()) {
      case v1::ExportLedgerChunk::kPublicKeyPem:
        if (have_header) {
          written = absl::DataLossError("the hub sent its ledger key twice");
          break;
        }
        written = (*writer)->WriteHeader(chunk.public_key_pem(), o.hub.target);
        if (auto id = hub::ledger::LogIdFromPublicPem(chunk.public_key_pem()); id.ok()) log_id = *id;
        have_header = true;
        break;
      case v1::ExportLedgerChunk::kEntry:
        written = have_header ? (*writer)->WriteEntry(chunk.entry().index(), chunk.entry().entry_bytes())
                              : absl::DataLossError("the hub sent entries before its ledger key");
        ++entries;
        break;
      case v1::ExportLedgerChunk::kHead:
        written = have_header ? (*writer)->WriteHead(chunk.head())
                              : absl::DataLossError("the hub sent heads before its ledger key");
        largest = std::max<uint64_t>(largest, chunk.head().tree_size());
        ++heads;
        break;
      default:
        break;  // a newer hub's additions; not part of this format
    }
  }
  if (!written.ok()) {
    ctx.TryCancel();
    reader->Finish().IgnoreError();
    return FailStatus(written);
  }
  if (grpc::Status s = reader->Finish(); !s.ok()) return FailRpc(s);
  if (!have_header) return FailStatus(absl::DataLossError("the hub's export was empty (no ledger key)"));
  if (absl::Status s = (*writer)->Finish(); !s.ok()) return FailStatus(s);

  if (o.json) {
    nlohmann::ordered_json j{{"file", o.out},  {"format", kExportFormat}, {"entries", entries},
                             {"heads", heads}, {"tree_size", largest},    {"log_id", log_id}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "Exported " << entries << " disclosures and " << heads << " signed tree heads (log "
              << log_id << ") to " << o.out << "\n"
              << "Check it with: accordctl audit verify --file " << o.out
              << " --expect-key HUB_LEDGER_KEY.pem\n";
  }
  return kExitOk;
}

}  // namespace accord::ctl
