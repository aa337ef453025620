#include "csv_reader.h"

#include <csv.h>

#include "absl/strings/str_cat.h"

namespace accord::connect {
namespace {
int NoSpace(unsigned char) { return 0; }
constexpr int kRowNotBegun = 0;  // libcsv's ROW_NOT_BEGUN pstate

void StripTerminator(std::string* s) {
  while (!s->empty() && (s->back() == '\n' || s->back() == '\r')) s->pop_back();
}
}  // namespace

CsvReader::CsvReader(LineReader* reader, CsvOptions options, uint64_t first_line,
                     bool at_file_start)
    : reader_(reader), options_(options), parser_(new csv_parser), line_(first_line),
      strip_bom_(at_file_start) {
  csv_init(parser_.get(), CSV_STRICT | CSV_STRICT_FINI);
  ResetParser();
}

CsvReader::~CsvReader() { csv_free(parser_.get()); }

void CsvReader::ResetParser() {
  csv_free(parser_.get());
  csv_init(parser_.get(), CSV_STRICT | CSV_STRICT_FINI);
  csv_set_delim(parser_.get(), static_cast<unsigned char>(options_.delimiter));
  csv_set_quote(parser_.get(), static_cast<unsigned char>(options_.quote));
  csv_set_space_func(parser_.get(), NoSpace);
  // Row terminators: libcsv's default, CR or LF (so CRLF and LF both work).
}

void CsvReader::OnField(void* s, size_t len, void* data) {
  auto* self = static_cast<CsvReader*>(data);
  if (self->ncells_ < self->cells_->size()) {
    (*self->cells_)[self->ncells_].assign(static_cast<const char*>(s), len);
  } else {
    self->cells_->emplace_back(static_cast<const char*>(s), len);
  }
  ++self->ncells_;
}

void CsvReader::OnRow(int, void* data) { static_cast<CsvReader*>(data)->row_done_ = true; }

absl::StatusOr<bool> CsvReader::Next(CsvRow* row) {
  row->raw.clear();
  row->error.clear();
  cells_ = &row->cells;
  ncells_ = 0;
  row_done_ = false;
  bool started = false;
  for (;;) {
    absl::string_view line;
    bool truncated = false;
    auto more = reader_->Next(&line, &truncated);
    if (!more.ok()) return more.status();
    if (!*more) {
      if (!started) return false;
      // End of input inside a row: finish it (an open quote is an error).
      if (csv_fini(parser_.get(), OnField, OnRow, this) != 0 || !row_done_) {
        row->error = "unterminated quoted field at end of file";
        ResetParser();
      }
      break;
    }
    uint64_t skipped = 0;
    if (strip_bom_) {
      strip_bom_ = false;
      if (line.substr(0, 3) == "\xEF\xBB\xBF") {
        line.remove_prefix(3);
        skipped = 3;
      }
    }
    if (!started) {
      started = true;
      row->line = line_;
      row->begin_offset = reader_->line_begin() + skipped;
    }
    ++line_;
    row->end_offset = reader_->line_end();
    row->raw.append(line.data(), line.size());
    if (truncated || row->raw.size() > options_.max_row_bytes) {
      // Skip the rest of this physical line, then report the row.
      while (truncated) {
        auto m = reader_->Next(&line, &truncated);
        if (!m.ok()) return m.status();
        if (!*m) break;
        row->end_offset = reader_->line_end();
      }
      row->raw.resize(std::min(row->raw.size(), options_.max_row_bytes));
      row->error = absl::StrCat("row longer than ", options_.max_row_bytes, " bytes");
      ResetParser();
      break;
    }
    const size_t n = csv_parse(parser_.get(), line.data(), line.size(), OnField, OnRow, this);
    if (n != line.size()) {
      row->error = absl::StrCat("malformed CSV: ", csv_strerror(csv_error(parser_.get())));
      ResetParser();
      break;
    }
    if (row_done_) break;
    if (parser_->pstate == kRowNotBegun) {  // a blank line: not a row
      started = false;
      row->raw.clear();
    }
  }
  row->cells.resize(ncells_);
  StripTerminator(&row->raw);
  return true;
}

}  // namespace accord::connect
