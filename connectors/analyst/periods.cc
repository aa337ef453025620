#include "periods.h"

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace accord::analyst {
namespace {
// Monday 1970-01-05: the start of week index 0.
const absl::CivilDay kWeekEpoch(1970, 1, 5);
const absl::CivilDay kDayEpoch(1970, 1, 1);
}  // namespace

const char* PeriodKindName(PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kWeek: return "week";
    case PeriodKind::kMonth: return "month";
    case PeriodKind::kQuarter: return "quarter";
    case PeriodKind::kDay: return "day";
  }
  return "?";
}

bool ParsePeriodKind(const std::string& name, PeriodKind* kind) {
  for (PeriodKind k : {PeriodKind::kDay, PeriodKind::kWeek, PeriodKind::kMonth, PeriodKind::kQuarter}) {
    if (name == PeriodKindName(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

long PeriodIndex(PeriodKind kind, absl::Time t) {
  absl::CivilDay d = absl::ToCivilDay(t, absl::UTCTimeZone());
  switch (kind) {
    case PeriodKind::kWeek: {
      long days = d - kWeekEpoch;
      return days >= 0 ? days / 7 : (days - 6) / 7;
    }
    case PeriodKind::kMonth: return d.year() * 12 + (d.month() - 1);
    case PeriodKind::kQuarter: return d.year() * 4 + (d.month() - 1) / 3;
    case PeriodKind::kDay: return d - kDayEpoch;
  }
  return 0;
}

std::string PeriodLabel(PeriodKind kind, long index) {
  switch (kind) {
    case PeriodKind::kWeek: {
      // ISO week of the period's Thursday.
      absl::CivilDay thursday = kWeekEpoch + index * 7 + 3;
      int year = static_cast<int>(thursday.year());
      int week = static_cast<int>((absl::GetYearDay(thursday) - 1) / 7 + 1);
      return absl::StrFormat("%04d-W%02d", year, week);
    }
    case PeriodKind::kMonth:
      return absl::StrFormat("%04d-%02d", index / 12, index % 12 + 1);
    case PeriodKind::kQuarter:
      return absl::StrFormat("%04d-Q%d", index / 4, index % 4 + 1);
    case PeriodKind::kDay: {
      const absl::CivilDay d = kDayEpoch + index;
      return absl::StrFormat("%04d-%02d-%02d", static_cast<int>(d.year()), d.month(), d.day());
    }
  }
  return "";
}

long PeriodsPerYear(PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kWeek: return 52;
    case PeriodKind::kMonth: return 12;
    case PeriodKind::kQuarter: return 4;
    case PeriodKind::kDay: return 364;
  }
  return 1;
}

}  // namespace accord::analyst
