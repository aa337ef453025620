#include "accord/policy/generalise.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "accord/base/proto_time.h"
#include "accord/policy/british_national_grid.h"
#include "accord/policy/normalise.h"
#include "accord/base/status_macros.h"

namespace accord::policy {
namespace {

constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z

// Appends the zero-padded decimal of at least `width` digits (negative values
// keep their sign: -5 -> "-0005"). Formats into a stack buffer, so labels cost
// no allocation beyond their own (short, usually inline) string.
void AppendPadded(int64_t v, int width, std::string* out) {
  uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  char buf[24];
  char* end = buf + sizeof(buf);
  char* p = end;
  do {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  while (end - p < width) *--p = '0';
  if (v < 0) out->push_back('-');
  out->append(p, end);
}

std::string DayLabel(absl::CivilDay d) {
  std::string out;
  AppendPadded(d.year(), 4, &out);
  out.push_back('-');
  AppendPadded(d.month(), 2, &out);
  out.push_back('-');
  AppendPadded(d.day(), 2, &out);
  return out;
}

std::string MonthLabel(absl::CivilDay d) {
  std::string out;
  AppendPadded(d.year(), 4, &out);
  out.push_back('-');
  AppendPadded(d.month(), 2, &out);
  return out;
}

absl::CivilDay IsoWeekMonday(absl::CivilDay d) {
  // absl::Weekday numbers Monday as 0.
  return d - static_cast<int>(absl::GetWeekday(d));
}

std::string IsoWeekLabel(absl::CivilDay d) {
  absl::CivilDay thursday = IsoWeekMonday(d) + 3;  // its year is the ISO week-year
  int week = (absl::GetYearDay(thursday) - 1) / 7 + 1;
  std::string out;
  AppendPadded(thursday.year(), 4, &out);
  out.append("-W");
  AppendPadded(week, 2, &out);
  return out;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Whole seconds of t since the epoch, floored, when t lies within the range of
// a Timestamp (years 0001..9999), where the plain arithmetic below is exact.
// Outside it (only for times the callers never accept) the absl civil-time
// functions are used instead, so every result is the one they give.
bool InTimestampRange(absl::Time t, int64_t* seconds) {
  if (t < absl::FromUnixSeconds(kMinTimestampSeconds) ||
      t >= absl::FromUnixSeconds(kMaxTimestampSeconds + 1)) {
    return false;
  }
  *seconds = absl::ToUnixSeconds(t);  // rounds toward negative infinity
  return true;
}

// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's
// civil_from_days): a few integer operations instead of a time-zone lookup.
absl::CivilDay CivilDayFromDays(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;                                   // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                  // [0, 11]
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;                        // [1, 31]
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;                         // [1, 12]
  return absl::CivilDay(yoe + era * 400 + (month <= 2 ? 1 : 0), month, day);
}

absl::CivilDay UtcDay(absl::Time t) {
  int64_t seconds;
  if (!InTimestampRange(t, &seconds)) return absl::ToCivilDay(t, absl::UTCTimeZone());
  return CivilDayFromDays(FloorDiv(seconds, 86400));
}

absl::Status CheckAgeBands(absl::Span<const int> bounds) {
  if (bounds.empty()) return absl::InvalidArgumentError("age bands are empty");
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (bounds[i] < 0) return absl::InvalidArgumentError("age band bound is negative");
    if (i > 0 && bounds[i] <= bounds[i - 1]) {
      return absl::InvalidArgumentError("age band bounds are not strictly ascending");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::CivilDay> ParseDay(std::string_view text) {
  ACCORD_ASSIGN_OR_RETURN(std::string canonical, NormaliseDate(text));
  // Canonical "YYYY-MM-DD": every position is known to hold a digit.
  auto digits = [&canonical](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (canonical[i] - '0');
    return v;
  };
  return absl::CivilDay(digits(0, 4), digits(5, 2), digits(8, 2));
}

absl::StatusOr<absl::Time> ToTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds ||
      ts.nanos() < 0 || ts.nanos() >= 1000000000) {
    return absl::InvalidArgumentError("datetime value is out of range");
  }
  return base::ToTime(ts);
}

// Text of a text-kind value or a date-kind value (for dates).
const std::string* TextOf(const v1::Value& v) {
  if (v.kind_case() == v1::Value::kText) return &v.text();
  if (v.kind_case() == v1::Value::kDate) return &v.date();
  return nullptr;
}

absl::Status WrongKind() {
  return absl::InvalidArgumentError("value kind does not match the field type");
}

absl::Status DoesNotFit() {
  return absl::InvalidArgumentError("generalisation does not fit the field type");
}

}  // namespace

absl::StatusOr<std::string> PostcodeSector(std::string_view postcode) {
  ACCORD_ASSIGN_OR_RETURN(std::string p, NormalisePostcode(postcode));
  size_t outward = p.size() - 3;
  return absl::StrCat(p.substr(0, outward), " ", p.substr(outward, 1));
}

absl::StatusOr<std::string> PostcodeDistrict(std::string_view postcode) {
  ACCORD_ASSIGN_OR_RETURN(std::string p, NormalisePostcode(postcode));
  p.resize(p.size() - 3);
  return p;
}

absl::StatusOr<std::string> AgeBand(absl::CivilDay dob, absl::CivilDay at,
                                    absl::Span<const int> lower_bounds) {
  ACCORD_RETURN_IF_ERROR(CheckAgeBands(lower_bounds));
  if (dob > at) return absl::InvalidArgumentError("date of birth is after the event date");
  int64_t age = at.year() - dob.year();
  if (at.month() < dob.month() || (at.month() == dob.month() && at.day() < dob.day())) --age;
  if (age < lower_bounds.front()) return absl::StrCat("<", lower_bounds.front());
  size_t i = lower_bounds.size() - 1;
  while (lower_bounds[i] > age) --i;
  if (i + 1 == lower_bounds.size()) return absl::StrCat(lower_bounds[i], "+");
  return absl::StrCat(lower_bounds[i], "-", lower_bounds[i + 1] - 1);
}

absl::Time TruncateTime(absl::Time t, Generalisation g) {
  int64_t seconds;
  if ((g == Generalisation::kHour || g == Generalisation::kDay) && InTimestampRange(t, &seconds)) {
    const int64_t unit = g == Generalisation::kHour ? 3600 : 86400;
    return absl::FromUnixSeconds(FloorDiv(seconds, unit) * unit);
  }
  const absl::TimeZone utc = absl::UTCTimeZone();
  switch (g) {
    case Generalisation::kHour:
      return absl::FromCivil(absl::ToCivilHour(t, utc), utc);
    case Generalisation::kDay:
      return absl::FromCivil(absl::ToCivilDay(t, utc), utc);
    case Generalisation::kIsoWeek:
      return absl::FromCivil(IsoWeekMonday(absl::ToCivilDay(t, utc)), utc);
    case Generalisation::kMonth:
      return absl::FromCivil(absl::ToCivilMonth(t, utc), utc);
    default:
      return t;
  }
}

std::string TimeBucketLabel(absl::Time t, Generalisation g) {
  if (g == Generalisation::kHour) {
    int64_t seconds;
    std::string label;
    if (InTimestampRange(t, &seconds)) {
      const int64_t days = FloorDiv(seconds, 86400);
      label = DayLabel(CivilDayFromDays(days));
      label.push_back('T');
      AppendPadded((seconds - days * 86400) / 3600, 2, &label);
    } else {
      absl::CivilHour h = absl::ToCivilHour(t, absl::UTCTimeZone());
      label = DayLabel(absl::CivilDay(h));
      label.push_back('T');
      AppendPadded(h.hour(), 2, &label);
    }
    return label;
  }
  return DayBucketLabel(UtcDay(t), g);
}

std::string DayBucketLabel(absl::CivilDay d, Generalisation g) {
  switch (g) {
    case Generalisation::kIsoWeek:
      return IsoWeekLabel(d);
    case Generalisation::kMonth:
      return MonthLabel(d);
    default:
      return DayLabel(d);
  }
}

absl::StatusOr<std::string> NumberBucket(int64_t v, int64_t width) {
  if (width <= 0) return absl::InvalidArgumentError("bucket width must be positive");
  __int128 q = v / width;
  if (v % width != 0 && v < 0) --q;
  __int128 lo = q * width;
  __int128 hi = lo + width - 1;
  if (lo < INT64_MIN || hi > INT64_MAX) {
    return absl::InvalidArgumentError("number is too large for its bucket");
  }
  return absl::StrCat(static_cast<int64_t>(lo), "-", static_cast<int64_t>(hi));
}

absl::StatusOr<std::string> DecimalBucket(std::string_view decimal, int64_t width) {
  std::string_view s = decimal;
  bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  auto all_digits = [](std::string_view d) {
    for (char c : d) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (whole.empty() || whole.size() > 18 || !all_digits(whole) ||
      (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 18)) ||
      !all_digits(fraction)) {
    return absl::InvalidArgumentError("decimal value is not a decimal number");
  }
  int64_t v = 0;
  for (char c : whole) v = v * 10 + (c - '0');
  bool has_fraction = fraction.find_first_not_of('0') != std::string_view::npos;
  if (negative) v = -v - (has_fraction ? 1 : 0);  // floor
  return NumberBucket(v, width);
}

absl::Status Generalise(const Treatment& treatment, FieldType type, const v1::Value& in,
                        absl::Time event_time, v1::Value* out) {
  if (treatment.kind != TreatmentKind::kGeneralise) {
    return absl::InvalidArgumentError("treatment is not generalise");
  }
  std::string label;
  switch (treatment.generalisation) {
    case Generalisation::kPostcodeSector:
    case Generalisation::kPostcodeDistrict: {
      if (type != FieldType::kPostcode) return DoesNotFit();
      if (in.kind_case() != v1::Value::kText) return WrongKind();
      ACCORD_ASSIGN_OR_RETURN(label, treatment.generalisation == Generalisation::kPostcodeSector
                                         ? PostcodeSector(in.text())
                                         : PostcodeDistrict(in.text()));
      break;
    }
    case Generalisation::kAgeBand: {
      if (type != FieldType::kDate) return DoesNotFit();
      const std::string* text = TextOf(in);
      if (text == nullptr) return WrongKind();
      ACCORD_ASSIGN_OR_RETURN(absl::CivilDay dob, ParseDay(*text));
      ACCORD_ASSIGN_OR_RETURN(label, AgeBand(dob, UtcDay(event_time), treatment.age_bands));
      break;
    }
    case Generalisation::kHour:
    case Generalisation::kDay:
    case Generalisation::kIsoWeek:
    case Generalisation::kMonth: {
      if (type == FieldType::kDateTime) {
        if (in.kind_case() != v1::Value::kDatetime) return WrongKind();
        ACCORD_ASSIGN_OR_RETURN(absl::Time t, ToTime(in.datetime()));
        label = TimeBucketLabel(t, treatment.generalisation);
      } else if (type == FieldType::kDate && treatment.generalisation != Generalisation::kHour) {
        const std::string* text = TextOf(in);
        if (text == nullptr) return WrongKind();
        ACCORD_ASSIGN_OR_RETURN(absl::CivilDay day, ParseDay(*text));
        label = DayBucketLabel(day, treatment.generalisation);
      } else {
        return DoesNotFit();
      }
      break;
    }
    case Generalisation::kGrid: {
      if (type != FieldType::kGeoPoint) return DoesNotFit();
      if (in.kind_case() != v1::Value::kGeo) return WrongKind();
      ACCORD_ASSIGN_OR_RETURN(label, GridCell(in.geo().lat(), in.geo().lon(), treatment.grid_metres));
      break;
    }
    case Generalisation::kBucket: {
      if (type == FieldType::kInteger) {
        if (in.kind_case() != v1::Value::kInteger) return WrongKind();
        ACCORD_ASSIGN_OR_RETURN(label, NumberBucket(in.integer(), treatment.bucket_width));
      } else if (type == FieldType::kDecimal) {
        if (in.kind_case() != v1::Value::kDecimal) return WrongKind();
        ACCORD_ASSIGN_OR_RETURN(label, DecimalBucket(in.decimal(), treatment.bucket_width));
      } else {
        return DoesNotFit();
      }
      break;
    }
    case Generalisation::kNone:
      return absl::InvalidArgumentError("generalise treatment names no generalisation");
  }
  out->set_text(std::move(label));
  return absl::OkStatus();
}

}  // namespace accord::policy
