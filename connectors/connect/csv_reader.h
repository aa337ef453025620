// CsvReader: RFC 4180 rows from a LineReader, parsed by libcsv (Debian
// libcsv-dev) in strict mode.
//
// Handles quoted fields, doubled quotes, embedded delimiters and newlines
// (a row may span lines), CRLF or LF endings, and a UTF-8 byte order mark at
// the start of the file. Spaces are kept (trimming is the mapping's job).
// Blank lines are skipped. A malformed row (a stray quote, an unterminated
// quoted field at end of file, a row over max_row_bytes) is returned with
// `error` set and its raw text, and parsing resumes at the next line, so one
// bad row never stops a file.
//
// Thread safety: thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "line_reader.h"

struct csv_parser;

namespace accord::connect {

struct CsvRow {
  std::vector<std::string> cells;
  std::string raw;            // the row's bytes as in the file, terminator removed
  uint64_t begin_offset = 0;  // byte offsets in the file: [begin, end)
  uint64_t end_offset = 0;
  uint64_t line = 0;          // 1-based line number where the row starts
  std::string error;          // non-empty: malformed, `cells` is meaningless
};

struct CsvOptions {
  char delimiter = ',';
  char quote = '"';
  size_t max_row_bytes = 1 << 20;  // Default 1 MiB.
};

class CsvReader {
 public:
  // `reader` must be positioned at a row start. `first_line` is that row's
  // 1-based line number (for messages); `at_file_start` strips a BOM.
  CsvReader(LineReader* reader, CsvOptions options, uint64_t first_line, bool at_file_start);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Next row into *row. False at end of input; an error only for I/O.
  absl::StatusOr<bool> Next(CsvRow* row);

 private:
  static void OnField(void* s, size_t len, void* self);
  static void OnRow(int c, void* self);
  void ResetParser();

  LineReader* reader_;
  CsvOptions options_;
  std::unique_ptr<csv_parser> parser_;
  uint64_t line_;
  bool strip_bom_;
  // Parse state for the row being built.
  std::vector<std::string>* cells_ = nullptr;
  size_t ncells_ = 0;
  bool row_done_ = false;
};

}  // namespace accord::connect
