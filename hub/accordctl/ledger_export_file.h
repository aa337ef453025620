// The ledger export file ("accord.ledger-export.v1"): delimited
// LedgerExportRecord messages (proto/accord/v1/ledger_export.proto; layout in
// hub/ledger/README.md). Writing streams; reading takes two passes so a file of
// millions of entries never has to fit in memory: ReadExportIndex() collects the
// header and the signed heads, ExportEntryReader then streams the entries.
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/hub/ledger/verify.h"
#include "accord/v1/ledger_export.pb.h"

namespace google::protobuf::io {
class IstreamInputStream;
}

namespace accord::ctl {

inline constexpr char kExportFormat[] = "accord.ledger-export.v1";

// Proto <-> ledger forms of a signed tree head. FromProto: InvalidArgument if
// the root is not 32 bytes.
absl::StatusOr<hub::ledger::SignedTreeHead> HeadFromProto(const v1::SignedTreeHead& h);
void HeadToProto(const hub::ledger::SignedTreeHead& sth, v1::SignedTreeHead* out);

// Writes an export to `path` + ".partial", renamed to `path` by Finish(), so a
// failed export never leaves a file that looks complete. Call WriteHeader once,
// then WriteEntry for 0, 1, 2, ..., then WriteHead for each head.
class ExportWriter {
 public:
  static absl::StatusOr<std::unique_ptr<ExportWriter>> Create(const std::string& path, bool overwrite);
  ~ExportWriter();  // removes the partial file unless Finish() succeeded
  absl::Status WriteHeader(const std::string& public_pem, const std::string& source);
  absl::Status WriteEntry(uint64_t index, const std::string& entry_bytes);
  absl::Status WriteHead(const v1::SignedTreeHead& head);
  absl::Status Finish();

 private:
  ExportWriter(std::string path, std::string partial)
      : path_(std::move(path)), partial_(std::move(partial)) {}
  absl::Status Write(const v1::LedgerExportRecord& record);

  std::string path_, partial_;
  std::ofstream out_;
  bool finished_ = false;
};

// What the first pass over an export finds.
struct ExportIndex {
  v1::LedgerExportHeader header;
  std::vector<hub::ledger::SignedTreeHead> heads;
  uint64_t entry_records = 0;
};

// First pass: checks the framing and record order (one header, then entries,
// then heads) and returns the header and heads. NotFound / PermissionDenied if
// the file cannot be opened; InvalidArgument if it is not an export at all
// (wrong format string); DataLoss("export file record N: ...") if it is
// damaged, truncated or out of order.
absl::StatusOr<ExportIndex> ReadExportIndex(const std::string& path);

// Second pass: the entries in file order, as VerifyEntriesAgainstHeads wants
// them (its EntrySource). Each entry's leaf_hash, if 32 bytes, becomes the
// SourceEntry's stored_leaf_hash.
class ExportEntryReader {
 public:
  static absl::StatusOr<std::unique_ptr<ExportEntryReader>> Open(const std::string& path);
  ~ExportEntryReader();
  // True and fills `out` for the next entry; false after the last one.
  absl::StatusOr<bool> Next(hub::ledger::SourceEntry* out);

 private:
  ExportEntryReader() = default;
  std::ifstream in_;
  std::unique_ptr<google::protobuf::io::IstreamInputStream> stream_;
  uint64_t record_ = 0;
};

}  // namespace accord::ctl
