#include "row_source.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "csv_reader.h"
#include "google/protobuf/util/json_util.h"
#include "line_reader.h"
#include "nlohmann/json.hpp"

namespace accord::connect {
namespace {

uint64_t FileSize(const std::string& path) {
  struct stat st;
  if (path == "-" || ::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

class CsvSource : public RowSource {
 public:
  CsvSource(std::unique_ptr<LineReader> reader, const Mapping* mapping, std::vector<int> index,
            size_t header_width, uint64_t line, bool at_start, uint64_t size)
      : reader_(std::move(reader)), mapping_(mapping), index_(std::move(index)),
        width_(header_width), csv_(reader_.get(), mapping->csv, line, at_start), size_(size) {}

  absl::StatusOr<bool> Next(SourceRow* row) override {
    auto more = csv_.Next(&raw_);
    if (!more.ok() || !*more) return more;
    row->line = raw_.line;
    row->begin_offset = raw_.begin_offset;
    row->end_offset = raw_.end_offset;
    row->raw.swap(raw_.raw);
    row->error.swap(raw_.error);
    row->cells.resize(index_.size());
    if (!row->error.empty()) return true;
    if (raw_.cells.size() != width_) {
      row->error = absl::StrCat("row has ", raw_.cells.size(), " columns, the header has ", width_);
      return true;
    }
    for (size_t i = 0; i < index_.size(); ++i) row->cells[i].swap(raw_.cells[index_[i]]);
    return true;
  }
  uint64_t size_hint() const override { return size_; }

 private:
  std::unique_ptr<LineReader> reader_;
  const Mapping* mapping_;
  std::vector<int> index_;
  size_t width_;
  CsvReader csv_;
  CsvRow raw_;
  uint64_t size_;
};

class JsonlSource : public RowSource {
 public:
  JsonlSource(std::unique_ptr<LineReader> reader, const Mapping* mapping, uint64_t line, uint64_t size)
      : reader_(std::move(reader)), mapping_(mapping), line_(line), size_(size) {}

  absl::StatusOr<bool> Next(SourceRow* row) override {
    absl::string_view text;
    bool truncated = false;
    for (;;) {
      auto more = reader_->Next(&text, &truncated);
      if (!more.ok() || !*more) return more;
      row->line = line_++;
      row->begin_offset = reader_->line_begin();
      row->end_offset = reader_->line_end();
      row->error.clear();
      row->record.reset();
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
      if (truncated) {
        row->raw.assign(text.data(), std::min<size_t>(text.size(), 4096));
        row->error = "line too long";
        while (truncated) {  // skip the rest of the line
          more = reader_->Next(&text, &truncated);
          if (!more.ok()) return more.status();
          if (!*more) break;
          row->end_offset = reader_->line_end();
        }
        return true;
      }
      if (text.find_first_not_of(" \t") == absl::string_view::npos) continue;  // blank line
      row->raw.assign(text.data(), text.size());
      break;
    }
    if (mapping_ == nullptr) {
      v1::Record record;
      auto st = google::protobuf::util::JsonStringToMessage(row->raw, &record);
      if (!st.ok()) row->error = "not an accord.v1.Record in the protobuf JSON mapping";
      else row->record = std::move(record);
      return true;
    }
    nlohmann::json j = nlohmann::json::parse(row->raw, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      row->error = "not a JSON object";
      return true;
    }
    row->cells.resize(mapping_->columns.size());
    for (size_t i = 0; i < mapping_->columns.size(); ++i) {
      auto it = j.find(mapping_->columns[i]);
      std::string& cell = row->cells[i];
      if (it == j.end() || it->is_null()) cell.clear();
      else if (it->is_string()) cell = it->get<std::string>();
      else if (it->is_primitive()) cell = it->dump();
      else {
        row->error = absl::StrCat("member \"", mapping_->columns[i], "\" is an object or array");
        return true;
      }
    }
    return true;
  }
  uint64_t size_hint() const override { return size_; }

 private:
  std::unique_ptr<LineReader> reader_;
  const Mapping* mapping_;
  uint64_t line_;
  uint64_t size_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RowSource>> OpenSource(const std::string& path, const Mapping* mapping,
                                                      uint64_t offset, uint64_t line) {
  auto reader = LineReader::Open(path);
  if (!reader.ok()) return reader.status();
  const uint64_t size = FileSize(path);
  if (mapping == nullptr || mapping->format == SourceFormat::kJsonl) {
    if (offset > 0) {
      if (absl::Status s = (*reader)->Seek(offset); !s.ok()) return s;
    }
    return std::unique_ptr<RowSource>(new JsonlSource(std::move(*reader), mapping, line, size));
  }
  // CSV: the header row first, always from the start of the file.
  std::vector<std::string> header;
  uint64_t header_end = 0;
  {
    CsvReader csv(reader->get(), mapping->csv, 1, true);
    CsvRow row;
    auto more = csv.Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) return absl::FailedPreconditionError(absl::StrCat(path, ": empty, no header row"));
    if (!row.error.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(path, ": bad header row: ", row.error));
    }
    header = std::move(row.cells);
    header_end = row.end_offset;
    if (offset < header_end) {
      offset = header_end;
      line = row.line + 1 + std::count(row.raw.begin(), row.raw.end(), '\n');
    }
  }
  std::vector<int> index;
  std::vector<std::string> missing;
  for (const auto& column : mapping->columns) {
    auto it = std::find(header.begin(), header.end(), column);
    if (it == header.end()) missing.push_back(column);
    index.push_back(static_cast<int>(it - header.begin()));
  }
  if (!missing.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": the header lacks the mapped column(s) \"", absl::StrJoin(missing, "\", \""), "\""));
  }
  if ((*reader)->is_stdin()) {
    if (offset != header_end) return absl::FailedPreconditionError("stdin cannot resume from a checkpoint");
  } else if (absl::Status s = (*reader)->Seek(offset); !s.ok()) {
    return s;
  }
  return std::unique_ptr<RowSource>(new CsvSource(std::move(*reader), mapping, std::move(index),
                                                  header.size(), line, false, size));
}

}  // namespace accord::connect
