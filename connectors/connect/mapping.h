// Mapping: how an agency's source columns become an agreement dataset's
// fields. Parsed from a YAML mapping file (format: connectors/README.md and
// deploy/mappings/*.yaml), then applied row by row by MapRow().
//
//   provider: herts-police
//   dataset: recorded_crime
//   dataset_version: 2
//   source: {format: csv, delimiter: ","}        # csv | jsonl
//   record_id: {column: "Incident Ref", prefix: "CR-"}
//   event_time: occurred_at                      # a mapped date/datetime field
//   fields:
//     - {field: occurred_at, column: "Occurred", type: datetime,
//        format: "dd/mm/yyyy HH:MM", timezone: Europe/London}
//     - {field: location, type: geo, lat: Lat, lon: Lon}
//     - {field: offence_category, column: Offence, case: lower, values: {"gbh": violence_with_injury}}
//     - {field: sex, column: Sex, default: not_known}
//     - {field: force, constant: "herts"}
//
// Per field: `column` (or `constant`, or `lat`+`lon` for geo); `type` text
// (default) | integer | decimal | boolean | date | datetime | geo; `trim`
// (default true: ASCII spaces and tabs at both ends); `case` lower | upper;
// `values` recodes whole values after trim and case; `default` is used when
// the cell is empty; `format` (one pattern, or a list tried in order) for
// date (dd/mm/yyyy, yyyy-mm-dd (default),
// any of dd mm yyyy yy HH MM SS and literal separators) and datetime
// (iso8601 (default; an offset or Z is honoured, else `timezone` applies) or
// a pattern like "dd/mm/yyyy HH:MM"); `timezone` an IANA zone (default UTC)
// whose rules (including daylight saving) turn local times into UTC;
// `true`/`false` lists for boolean (default true/yes/y/1 and false/no/n/0,
// case-insensitive). An empty cell with no default leaves the field out.
//
// Errors never contain a cell's value: they name the field, column and rule.
// Thread safety: a Mapping is immutable after parsing; MapRow is reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "accord/v1/record.pb.h"
#include "csv_reader.h"

namespace accord::connect {

enum class ValueKind { kText, kInteger, kDecimal, kBoolean, kDate, kDateTime, kGeo };
std::string_view ValueKindName(ValueKind kind);

enum class SourceFormat { kCsv, kJsonl };

struct FieldMapping {
  std::string field;
  ValueKind kind = ValueKind::kText;
  int column = -1;      // index into Mapping::columns; -1 for constants
  int lat_column = -1;  // kGeo
  int lon_column = -1;
  bool trim = true;
  int letter_case = 0;  // 0 keep, 1 lower, 2 upper
  std::optional<std::string> constant;
  std::optional<std::string> default_value;
  absl::flat_hash_map<std::string, std::string> values;
  // kDate / kDateTime: absl::ParseTime formats tried in order.
  std::vector<std::string> time_formats;
  // The mapping's own patterns as written ("dd/mm/yyyy", "iso8601"), in
  // order: named in the error when none of them parses a cell.
  std::vector<std::string> format_names;
  bool iso8601 = false;
  absl::TimeZone zone = absl::UTCTimeZone();
  std::vector<std::string> true_values;   // lower-cased
  std::vector<std::string> false_values;
  int yaml_line = 0;
};

struct Mapping {
  std::string provider;
  std::string dataset;
  uint32_t dataset_version = 0;
  SourceFormat format = SourceFormat::kCsv;
  CsvOptions csv;
  int record_id_column = -1;
  std::string record_id_prefix;
  int event_time_field = -1;  // index into fields
  std::vector<FieldMapping> fields;
  // The distinct source columns the mapping reads, in first-use order. A
  // source hands MapRow() one cell per entry, in this order.
  std::vector<std::string> columns;
};

// Parses and validates a mapping document. InvalidArgument lists every
// problem found, one per line, as "<source_name>:<line>: <problem>".
absl::StatusOr<Mapping> ParseMapping(absl::string_view yaml, absl::string_view source_name);
absl::StatusOr<Mapping> LoadMapping(const std::string& path);

// Maps one row (`cells[i]` is the cell of mapping.columns[i]) into *record
// (cleared first). InvalidArgument names the field, column and rule, never
// the value.
absl::Status MapRow(const Mapping& mapping, const std::vector<std::string>& cells,
                    v1::Record* record);

}  // namespace accord::connect
