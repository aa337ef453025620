// Streams a running hub's ExportLedger into an export file: what
// `audit export` writes and what `audit verify --hub` spools and checks, so a
// ledger of millions of entries never has to fit in memory.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "audit_client.h"

namespace accord::ctl {

struct ExportStats {
  uint64_t entries = 0;
  uint64_t heads = 0;
  uint64_t tree_size = 0;  // the largest head's
  std::string log_id;
};

// Writes the hub's ledger to `path` (see ExportWriter: nothing at `path`
// unless complete). Errors: the hub's, as FromGrpc; DataLoss if the hub's
// stream is malformed (no key, key twice, entries or heads before the key);
// the file errors of ExportWriter.
absl::StatusOr<ExportStats> ExportFromHub(AuditClient& client, const std::string& path, bool overwrite);

}  // namespace accord::ctl
