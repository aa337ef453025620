// MapRow: applies a parsed Mapping to one row (see mapping.h).
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "accord/base/proto_time.h"
#include "accord/policy/normalise.h"
#include "mapping.h"
#include "re2/re2.h"

namespace accord::connect {

namespace {

absl::string_view TrimBlank(absl::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

absl::Status Bad(const Mapping& m, const FieldMapping& f, int column, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(
      "field ", f.field, " (column \"", column >= 0 ? m.columns[column] : "", "\"): ", rule));
}

// Trim, case and recode a cell; returns false if it ends up empty.
bool Clean(const FieldMapping& f, absl::string_view cell, std::string* out) {
  absl::string_view v = f.trim ? TrimBlank(cell) : cell;
  out->assign(v.data(), v.size());
  if (f.letter_case == 1) absl::AsciiStrToLower(out);
  else if (f.letter_case == 2) absl::AsciiStrToUpper(out);
  if (!f.values.empty()) {
    if (auto it = f.values.find(*out); it != f.values.end()) *out = it->second;
  }
  return !out->empty();
}

// "not a date in any of the mapping's formats (tried: dd/mm/yyyy, yyyy-mm-dd)".
std::string NoFormatParses(const FieldMapping& f, absl::string_view what) {
  return absl::StrCat("not ", what, " in ",
                      f.format_names.size() > 1 ? "any of the mapping's formats" : "the mapping's format",
                      " (tried: ", absl::StrJoin(f.format_names, ", "), ")");
}

// Parses with the field's formats. A year outside 1850..2199 is refused too:
// it is almost always a two-digit year read with a yyyy pattern ("02/06/66").
// *day is the UTC calendar day of *t.
bool ParseInstant(const FieldMapping& f, const std::string& text, absl::Time* t, absl::CivilDay* day) {
  // Formats are tried in order; a parse whose year is out of range falls
  // through to the next format ("02/06/66": yyyy refused, then yy).
  for (const auto& fmt : f.time_formats) {
    if (absl::ParseTime(fmt, text, f.zone, t, nullptr)) {
      *day = absl::ToCivilDay(*t, absl::UTCTimeZone());
      if (day->year() >= 1850 && day->year() < 2200) return true;
    }
  }
  return false;
}

// "yyyy-mm-dd" of a day whose year has four digits (ParseInstant checks).
void FormatDay(absl::CivilDay day, std::string* out) {
  const int y = static_cast<int>(day.year()), m = day.month(), d = day.day();
  out->resize(10);
  char* p = out->data();
  p[0] = static_cast<char>('0' + y / 1000);
  p[1] = static_cast<char>('0' + y / 100 % 10);
  p[2] = static_cast<char>('0' + y / 10 % 10);
  p[3] = static_cast<char>('0' + y % 10);
  p[4] = '-';
  p[5] = static_cast<char>('0' + m / 10);
  p[6] = static_cast<char>('0' + m % 10);
  p[7] = '-';
  p[8] = static_cast<char>('0' + d / 10);
  p[9] = static_cast<char>('0' + d % 10);
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* ts) { base::ToTimestamp(t, ts); }

}  // namespace

absl::Status MapRow(const Mapping& m, const std::vector<std::string>& cells, v1::Record* r) {
  r->Clear();
  if (cells.size() != m.columns.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("row has ", cells.size(), " mapped cells, expected ", m.columns.size()));
  }
  r->set_provider(m.provider);
  r->set_dataset(m.dataset);
  r->set_dataset_version(m.dataset_version);
  absl::string_view id = TrimBlank(cells[m.record_id_column]);
  if (id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("record id column \"",
                                                   m.columns[m.record_id_column], "\" is empty"));
  }
  r->set_record_id(absl::StrCat(m.record_id_prefix, id));
  // Reused across fields: no allocation for short values.
  std::string v;
  for (size_t i = 0; i < m.fields.size(); ++i) {
    const FieldMapping& f = m.fields[i];
    // Built in place (one allocation per message); an empty cell removes it.
    v1::Field* out = r->add_fields();
    v1::Value& value = *out->mutable_value();
    const bool is_event_time = static_cast<int>(i) == m.event_time_field;
    if (f.kind == ValueKind::kGeo) {
      std::string lat, lon;
      const bool has_lat = Clean(f, cells[f.lat_column], &lat);
      const bool has_lon = Clean(f, cells[f.lon_column], &lon);
      if (!has_lat && !has_lon) {
        r->mutable_fields()->RemoveLast();
        continue;
      }
      double la, lo;
      if (!has_lat || !has_lon || !absl::SimpleAtod(lat, &la) || !absl::SimpleAtod(lon, &lo) ||
          la < -90 || la > 90 || lo < -180 || lo > 180) {
        return Bad(m, f, f.lat_column, "latitude and longitude must both be decimal degrees in range");
      }
      value.mutable_geo()->set_lat(la);
      value.mutable_geo()->set_lon(lo);
    } else {
      // Text is cleaned straight into the record (no copy of long values).
      std::string* text = f.kind == ValueKind::kText ? value.mutable_text() : &v;
      bool present;
      if (f.constant) {
        *text = *f.constant;
        present = true;
      } else {
        present = Clean(f, cells[f.column], text);
      }
      if (!present && f.default_value) {
        *text = *f.default_value;
        present = true;
      }
      if (!present) {
        if (is_event_time) {
          return Bad(m, f, f.column, "is empty, and it gives the record's event time");
        }
        r->mutable_fields()->RemoveLast();
        continue;
      }
      switch (f.kind) {
        case ValueKind::kText:
          if (!policy::IsValidUtf8(*text)) return Bad(m, f, f.column, "not valid UTF-8");
          break;
        case ValueKind::kInteger: {
          int64_t n;
          if (!absl::SimpleAtoi(v, &n)) return Bad(m, f, f.column, "not an integer");
          value.set_integer(n);
          break;
        }
        case ValueKind::kDecimal: {
          static const LazyRE2 kDecimal = {R"(-?[0-9]+(\.[0-9]+)?)"};
          if (!RE2::FullMatch(v, *kDecimal)) return Bad(m, f, f.column, "not a decimal number");
          value.set_decimal(v);
          break;
        }
        case ValueKind::kBoolean: {
          absl::AsciiStrToLower(&v);
          bool found = false;
          for (const auto& t : f.true_values) {
            if (v == t) { value.set_boolean(true); found = true; }
          }
          for (const auto& t : f.false_values) {
            if (v == t) { value.set_boolean(false); found = true; }
          }
          if (!found) return Bad(m, f, f.column, "not one of the mapping's true/false values");
          break;
        }
        case ValueKind::kDate: {
          absl::Time t;
          absl::CivilDay day;
          if (!ParseInstant(f, v, &t, &day)) {
            return Bad(m, f, f.column, NoFormatParses(f, "a date"));
          }
          FormatDay(day, value.mutable_date());
          if (is_event_time) {
            SetTimestamp(absl::FromCivil(day, absl::UTCTimeZone()), r->mutable_event_time());
          }
          break;
        }
        case ValueKind::kDateTime: {
          absl::Time t;
          absl::CivilDay day;
          if (!ParseInstant(f, v, &t, &day)) {
            return Bad(m, f, f.column, NoFormatParses(f, "a date and time"));
          }
          SetTimestamp(t, value.mutable_datetime());
          if (is_event_time) *r->mutable_event_time() = value.datetime();
          break;
        }
        case ValueKind::kGeo:
          break;
      }
    }
    out->set_name(f.field);
  }
  return absl::OkStatus();
}

}  // namespace accord::connect
