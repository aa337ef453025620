// Reporting periods (UTC): ISO weeks "2026-W38", months "2026-09" and
// quarters "2026-Q3", with the previous period and the same period a year
// earlier. Pure functions.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace accord::analyst {

enum class PeriodKind { kWeek, kMonth, kQuarter };

// "week", "month", "quarter".
const char* PeriodKindName(PeriodKind kind);

// Period index: a dense integer per kind (weeks since 1970-01-05, months and
// quarters since year 0), so the previous period is index - 1.
long PeriodIndex(PeriodKind kind, absl::Time t);
std::string PeriodLabel(PeriodKind kind, long index);
// Number of periods in a year (52 for weeks: "same week last year").
long PeriodsPerYear(PeriodKind kind);

}  // namespace accord::analyst
