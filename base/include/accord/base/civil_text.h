// Fixed-width text forms of civil dates, as used in store keys ("YYYY-MM")
// and in date comparisons ("YYYY-MM-DD"), without a formatting library's cost
// (StrFormat and absl::FormatCivilTime were ~1.7% of the hub's CPU, once per
// record). The year is zero-padded to four digits, as StrFormat's "%04d"
// does; absl::FormatCivilTime does not pad, so the two agree for years
// 1000..9999 only (AbslFormatsAsFourDigits). Years outside 0..9999 have no
// fixed-width form: callers clamp them or use absl::FormatCivilTime.
//
// Header-only, no allocation beyond the appended bytes; thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"

namespace accord::base {

// True when absl::FormatCivilTime writes `year` with exactly four digits,
// i.e. gives the same text as the functions below.
inline bool AbslFormatsAsFourDigits(int64_t year) { return year >= 1000 && year <= 9999; }

// Appends "YYYY-MM". Requires 0 <= m.year() <= 9999.
inline void AppendCivilMonth(absl::CivilMonth m, std::string* out) {
  const int64_t y = m.year();
  const int mo = m.month();
  const char text[7] = {static_cast<char>('0' + y / 1000),     static_cast<char>('0' + y / 100 % 10),
                        static_cast<char>('0' + y / 10 % 10),  static_cast<char>('0' + y % 10),
                        '-',                                   static_cast<char>('0' + mo / 10),
                        static_cast<char>('0' + mo % 10)};
  out->append(text, sizeof(text));
}

// Appends "YYYY-MM-DD". Requires 0 <= d.year() <= 9999.
inline void AppendCivilDay(absl::CivilDay d, std::string* out) {
  AppendCivilMonth(absl::CivilMonth(d), out);
  const int day = d.day();
  const char text[3] = {'-', static_cast<char>('0' + day / 10), static_cast<char>('0' + day % 10)};
  out->append(text, sizeof(text));
}

}  // namespace accord::base
