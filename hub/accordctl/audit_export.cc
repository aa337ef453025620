#include "audit_export.h"

#include "accord/hub/ledger/tree_head.h"
#include "ledger_export_file.h"

namespace accord::ctl {

absl::StatusOr<ExportStats> ExportFromHub(AuditClient& client, const std::string& path, bool overwrite) {
  auto writer = ExportWriter::Create(path, overwrite);
  if (!writer.ok()) return writer.status();

  grpc::ClientContext ctx;  // no deadline: a large ledger takes a while
  if (client.hub.insecure_dev) ctx.AddMetadata("x-accord-agency", client.hub.agency);
  auto reader = client.stub->ExportLedger(&ctx, v1::ExportLedgerRequest());
  v1::ExportLedgerChunk chunk;
  ExportStats stats;
  bool have_header = false;
  absl::Status written;
  while (written.ok() && reader->Read(&chunk)) {
    switch (chunk.item_case()) {
      case v1::ExportLedgerChunk::kPublicKeyPem:
        if (have_header) {
          written = absl::DataLossError("the hub sent its ledger key twice");
          break;
        }
        written = (*writer)->WriteHeader(chunk.public_key_pem(), client.hub.target);
        if (auto id = hub::ledger::LogIdFromPublicPem(chunk.public_key_pem()); id.ok()) stats.log_id = *id;
        have_header = true;
        break;
      case v1::ExportLedgerChunk::kEntry:
        written = have_header ? (*writer)->WriteEntry(chunk.entry().index(), chunk.entry().entry_bytes())
                              : absl::DataLossError("the hub sent entries before its ledger key");
        ++stats.entries;
        break;
      case v1::ExportLedgerChunk::kHead:
        written = have_header ? (*writer)->WriteHead(chunk.head())
                              : absl::DataLossError("the hub sent heads before its ledger key");
        stats.tree_size = std::max<uint64_t>(stats.tree_size, chunk.head().tree_size());
        ++stats.heads;
        break;
      default:
        break;  // a newer hub's additions; not part of this format
    }
  }
  if (!written.ok()) {
    ctx.TryCancel();
    reader->Finish().IgnoreError();
    return written;
  }
  if (grpc::Status s = reader->Finish(); !s.ok()) return FromGrpc(s);
  if (!have_header) return absl::DataLossError("the hub's export was empty (no ledger key)");
  if (absl::Status s = (*writer)->Finish(); !s.ok()) return s;
  return stats;
}

}  // namespace accord::ctl
