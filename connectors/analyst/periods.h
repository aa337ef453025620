// Reporting periods (UTC): days "2026-09-14", ISO weeks "2026-W38", months
// "2026-09" and quarters "2026-Q3", with the previous period and the same
// period a year earlier. Pure functions.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace accord::analyst {

// Finest first: a kind's periods are unions of the finer kinds' periods,
// except that a week may straddle two months.
enum class PeriodKind { kWeek, kMonth, kQuarter, kDay };

// "day", "week", "month", "quarter".
const char* PeriodKindName(PeriodKind kind);
// The inverse of PeriodKindName; false for anything else.
bool ParsePeriodKind(const std::string& name, PeriodKind* kind);

// Period index: a dense integer per kind (days since 1970-01-01, weeks since
// 1970-01-05, months and quarters since year 0), so the previous period is
// index - 1.
long PeriodIndex(PeriodKind kind, absl::Time t);
std::string PeriodLabel(PeriodKind kind, long index);
// Periods back to "the same period last year": 52 for weeks, 364 for days
// (the same weekday 52 weeks earlier: crime follows the day of the week).
long PeriodsPerYear(PeriodKind kind);

}  // namespace accord::analyst
