#include "accord/policy/record_validator.h"

#include <bit>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "accord/policy/normalise.h"
#include "re2/re2.h"

namespace accord::policy {
namespace {

Rejection Reject(v1::RejectReason reason, std::string_view field, std::string message) {
  return Rejection{reason, std::string(field), std::move(message)};
}

bool IsTextType(FieldType t) {
  switch (t) {
    case FieldType::kString:
    case FieldType::kName:
    case FieldType::kPostcode:
    case FieldType::kNhsNumber:
    case FieldType::kPhone:
    case FieldType::kEmail:
    case FieldType::kCategory:
    case FieldType::kFreeText:
      return true;
    default:
      return false;
  }
}

v1::Value::KindCase ExpectedKind(FieldType t) {
  switch (t) {
    case FieldType::kInteger: return v1::Value::kInteger;
    case FieldType::kDecimal: return v1::Value::kDecimal;
    case FieldType::kBoolean: return v1::Value::kBoolean;
    case FieldType::kDate: return v1::Value::kDate;
    case FieldType::kDateTime: return v1::Value::kDatetime;
    case FieldType::kGeoPoint: return v1::Value::kGeo;
    default: return v1::Value::kText;
  }
}

const char* KindName(v1::Value::KindCase k) {
  switch (k) {
    case v1::Value::kText: return "text";
    case v1::Value::kInteger: return "integer";
    case v1::Value::kDecimal: return "decimal";
    case v1::Value::kBoolean: return "boolean";
    case v1::Value::kDate: return "date";
    case v1::Value::kDatetime: return "datetime";
    case v1::Value::kGeo: return "geo";
    case v1::Value::kSealed: return "sealed";
    case v1::Value::KIND_NOT_SET: return "no value";
  }
  return "?";
}

uint32_t MaxLength(const FieldSpec& spec) {
  if (spec.max_length > 0) return spec.max_length;
  return spec.type == FieldType::kFreeText ? 4096 : 256;
}

bool IsDecimal(std::string_view s) {
  static const re2::RE2 kDecimal(R"(-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,9})?)");
  return re2::RE2::FullMatch(s, kDecimal);
}

Rejection CheckValue(const FieldSpec& spec, const v1::Value& value) {
  const v1::Value::KindCase expected = ExpectedKind(spec.type);
  if (value.kind_case() != expected) {
    return Reject(v1::REJECT_WRONG_TYPE, spec.name,
                  absl::StrCat("field '", spec.name, "' has type ", std::string(FieldTypeName(spec.type)),
                               " and must be sent as ", KindName(expected), ", not ",
                               KindName(value.kind_case())));
  }
  auto invalid = [&](const char* why) {
    return Reject(v1::REJECT_INVALID_VALUE, spec.name,
                  absl::StrCat("field '", spec.name, "' (", std::string(FieldTypeName(spec.type)), "): ", why));
  };
  if (IsTextType(spec.type)) {
    const std::string& text = value.text();
    if (!IsValidUtf8(text)) {
      return Reject(v1::REJECT_INVALID_UTF8, spec.name,
                    absl::StrCat("field '", spec.name, "' is not valid UTF-8"));
    }
    if (text.size() > MaxLength(spec)) {
      return Reject(v1::REJECT_TOO_LARGE, spec.name,
                    absl::StrCat("field '", spec.name, "' is ", text.size(),
                                 " bytes; the schema allows at most ", MaxLength(spec)));
    }
    switch (spec.type) {
      case FieldType::kNhsNumber:
        if (!NormaliseNhsNumber(text).ok()) return invalid("not a valid NHS number (10 digits with a valid check digit)");
        break;
      case FieldType::kPostcode:
        if (!NormalisePostcode(text).ok()) return invalid("not a valid UK postcode");
        break;
      case FieldType::kPhone:
        if (!NormalisePhone(text).ok()) return invalid("not a valid UK phone number");
        break;
      case FieldType::kEmail:
        if (!NormaliseEmail(text).ok()) return invalid("not a valid e-mail address");
        break;
      case FieldType::kName:
        if (!NormaliseName(text).ok()) return invalid("not a usable name");
        break;
      case FieldType::kCategory: {
        bool found = false;
        for (const auto& allowed : spec.allowed_values) {
          if (allowed == text) { found = true; break; }
        }
        if (!found) return invalid("not one of the allowed categories");
        break;
      }
      default:
        break;
    }
    return {};
  }
  switch (spec.type) {
    case FieldType::kDecimal:
      if (!IsDecimal(value.decimal())) return invalid("not a decimal number like -12.50");
      break;
    case FieldType::kDate:
      if (!NormaliseDate(value.date()).ok()) return invalid("not a calendar date (YYYY-MM-DD)");
      break;
    case FieldType::kDateTime: {
      const auto& ts = value.datetime();
      if (ts.seconds() < -62135596800LL || ts.seconds() > 253402300799LL || ts.nanos() < 0 ||
          ts.nanos() > 999999999) {
        return Reject(v1::REJECT_TIME_OUT_OF_RANGE, spec.name,
                      absl::StrCat("field '", spec.name,
                                   "' (datetime) is not a valid timestamp (years 0001 to 9999, nanos 0 to "
                                   "999,999,999); check the source system's date field"));
      }
      break;
    }
    case FieldType::kGeoPoint: {
      const auto& g = value.geo();
      if (!std::isfinite(g.lat()) || !std::isfinite(g.lon()) || std::abs(g.lat()) > 90 ||
          std::abs(g.lon()) > 180) {
        return invalid("latitude/longitude out of range");
      }
      break;
    }
    default:
      break;
  }
  return {};
}

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: google.protobuf.Timestamp's range.
constexpr int64_t kMinSeconds = -62135596800LL;
constexpr int64_t kMaxSeconds = 253402300799LL;
// 1900-01-01T00:00:00Z: no partnership record is older; earlier years are
// date-field mistakes (a default of 0001, a two-digit year).
constexpr int64_t kEarliestEventSeconds = -2208988800LL;

// An event_time the policy stage could not use (out of protobuf's range) or
// that is certainly wrong (before 1900). The future is the hub's check (it
// has the clock).
Rejection CheckEventTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < kMinSeconds || ts.seconds() > kMaxSeconds || ts.nanos() < 0 || ts.nanos() > 999999999) {
    return Reject(v1::REJECT_TIME_OUT_OF_RANGE, "event_time",
                  "event_time is not a valid timestamp (seconds must fall in years 0001 to 9999 and "
                  "nanos in 0 to 999,999,999); check the source system's date field");
  }
  if (ts.seconds() < kEarliestEventSeconds) {
    return Reject(v1::REJECT_TIME_OUT_OF_RANGE, "event_time",
                  "event_time is before 1900; check the source system's date field");
  }
  return {};
}

}  // namespace

Rejection CheckRecordEnvelope(const v1::Record& record, size_t serialized_size,
                              const RecordLimits& limits) {
  if (serialized_size > limits.max_record_bytes) {
    return Reject(v1::REJECT_TOO_LARGE, "",
                  absl::StrCat("record is ", serialized_size, " bytes; the limit is ",
                               limits.max_record_bytes));
  }
  if (record.record_id().empty()) {
    return Reject(v1::REJECT_MISSING_RECORD_ID, "", "record has no record_id");
  }
  if (record.record_id().size() > limits.max_record_id_bytes) {
    return Reject(v1::REJECT_TOO_LARGE, "",
                  absl::StrCat("record_id is longer than ", limits.max_record_id_bytes, " bytes"));
  }
  for (const std::string* s : {&record.provider(), &record.dataset(), &record.record_id()}) {
    if (!IsValidUtf8(*s)) {
      return Reject(v1::REJECT_INVALID_UTF8, "", "provider, dataset or record_id is not valid UTF-8");
    }
  }
  if (!record.has_event_time()) {
    return Reject(v1::REJECT_MISSING_EVENT_TIME, "", "record has no event_time");
  }
  if (Rejection r = CheckEventTime(record.event_time()); !r.ok()) return r;
  if (record.fields_size() > limits.max_fields) {
    return Reject(v1::REJECT_TOO_LARGE, "",
                  absl::StrCat("record has ", record.fields_size(), " fields; the limit is ",
                               limits.max_fields));
  }
  for (int i = 0; i < record.fields_size(); ++i) {
    const std::string& name = record.fields(i).name();
    if (!IsValidUtf8(name)) {
      return Reject(v1::REJECT_INVALID_UTF8, "", "a field name is not valid UTF-8");
    }
    for (int j = 0; j < i; ++j) {
      if (record.fields(j).name() == name) {
        return Reject(v1::REJECT_DUPLICATE_FIELD, name,
                      absl::StrCat("field '", name, "' appears more than once"));
      }
    }
  }
  return {};
}

Rejection ValidateAgainstSchema(const v1::Record& record, const DatasetSpec& schema) {
  if (record.dataset_version() != schema.version) {
    return Reject(v1::REJECT_UNKNOWN_DATASET, "",
                  absl::StrCat("dataset '", schema.name, "' version ", record.dataset_version(),
                               " is not covered; the agreement defines version ", schema.version));
  }
  uint64_t seen_required = 0;
  int required_count = 0;
  for (size_t i = 0; i < schema.fields.size() && i < 64; ++i) {
    if (schema.fields[i].required) ++required_count;
  }
  // Field names are unique in a schema, and records usually send fields in
  // schema order, so each search starts just after the previous match.
  const size_t n = schema.fields.size();
  size_t hint = 0;
  for (const auto& field : record.fields()) {
    const FieldSpec* spec = nullptr;
    size_t index = 0;
    for (size_t k = 0; k < n; ++k) {
      const size_t i = hint + k < n ? hint + k : hint + k - n;
      if (schema.fields[i].name == field.name()) {
        spec = &schema.fields[i];
        index = i;
        hint = i + 1;
        break;
      }
    }
    if (spec == nullptr) {
      return Reject(v1::REJECT_UNKNOWN_FIELD, IsValidUtf8(field.name()) ? field.name() : "",
                    absl::StrCat("dataset '", schema.name, "' has no field '", field.name(), "'"));
    }
    Rejection r = CheckValue(*spec, field.value());
    if (!r.ok()) return r;
    if (spec->required && index < 64) seen_required |= (uint64_t{1} << index);
  }
  if (std::popcount(seen_required) != required_count) {
    for (size_t i = 0; i < schema.fields.size() && i < 64; ++i) {
      if (schema.fields[i].required && !(seen_required & (uint64_t{1} << i))) {
        return Reject(v1::REJECT_MISSING_REQUIRED_FIELD, schema.fields[i].name,
                      absl::StrCat("required field '", schema.fields[i].name, "' is missing"));
      }
    }
  }
  // Required fields beyond the 64th are checked the slow way.
  for (size_t i = 64; i < schema.fields.size(); ++i) {
    if (!schema.fields[i].required) continue;
    bool found = false;
    for (const auto& field : record.fields()) {
      if (field.name() == schema.fields[i].name) { found = true; break; }
    }
    if (!found) {
      return Reject(v1::REJECT_MISSING_REQUIRED_FIELD, schema.fields[i].name,
                    absl::StrCat("required field '", schema.fields[i].name, "' is missing"));
    }
  }
  return {};
}

}  // namespace accord::policy
