// RowSource: the rows of one input (a CSV or JSON Lines file, or stdin),
// each with its byte range for checkpoints and its raw text for dead letters.
//
// With a Mapping, a row's `cells` are the mapping's columns in order
// (Mapping::columns): for CSV, looked up by the header row's names (a
// missing column fails Open); for JSON Lines, each line is a JSON object and
// cells are its members (strings as is, numbers and booleans as JSON text,
// null or absent as empty). Without a mapping, each JSON line must be an
// accord.v1.Record in the protobuf JSON mapping and `record` is set.
//
// A row that cannot be parsed comes back with `error` set (never containing
// the row's values); reading continues with the next row.
// Thread safety: thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "accord/v1/record.pb.h"
#include "mapping.h"

namespace accord::connect {

struct SourceRow {
  uint64_t line = 0;
  uint64_t begin_offset = 0;
  uint64_t end_offset = 0;  // where the next row starts
  std::string raw;
  std::string error;
  std::vector<std::string> cells;
  std::optional<v1::Record> record;  // record JSON Lines only
};

class RowSource {
 public:
  virtual ~RowSource() = default;
  // False at end of input; an error status only for I/O failures.
  virtual absl::StatusOr<bool> Next(SourceRow* row) = 0;
  // Bytes in the file when opened (0 for stdin): for progress and ETA.
  virtual uint64_t size_hint() const = 0;
};

// Opens `path` ("-" for stdin) positioned at `offset` / `line` (a checkpoint;
// 0 / 1 for the start). `mapping` may be null (record JSON Lines); it must
// outlive the source.
absl::StatusOr<std::unique_ptr<RowSource>> OpenSource(const std::string& path, const Mapping* mapping,
                                                      uint64_t offset, uint64_t line);

}  // namespace accord::connect
