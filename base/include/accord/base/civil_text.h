// Zero-padded text forms of civil dates, as used in store keys ("YYYY-MM")
// and in date comparisons ("YYYY-MM-DD"): exactly what
// absl::FormatCivilTime gives for years 0..9999, without its formatting cost
// (it was ~1% of the hub's CPU, once per record). Years outside 0..9999 have
// no fixed-width form: callers clamp them or use absl::FormatCivilTime.
//
// Header-only, no allocation beyond the appended bytes; thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"

namespace accord::base {

// True when `year` has the 4-digit form below.
inline bool HasFourDigitYear(int64_t year) { return year >= 0 && year <= 9999; }

// Appends "YYYY-MM". Requires HasFourDigitYear(m.year()).
inline void AppendCivilMonth(absl::CivilMonth m, std::string* out) {
  const int64_t y = m.year();
  const int mo = m.month();
  const char text[7] = {static_cast<char>('0' + y / 1000),     static_cast<char>('0' + y / 100 % 10),
                        static_cast<char>('0' + y / 10 % 10),  static_cast<char>('0' + y % 10),
                        '-',                                   static_cast<char>('0' + mo / 10),
                        static_cast<char>('0' + mo % 10)};
  out->append(text, sizeof(text));
}

// Appends "YYYY-MM-DD". Requires HasFourDigitYear(d.year()).
inline void AppendCivilDay(absl::CivilDay d, std::string* out) {
  AppendCivilMonth(absl::CivilMonth(d), out);
  const int day = d.day();
  const char text[3] = {'-', static_cast<char>('0' + day / 10), static_cast<char>('0' + day % 10)};
  out->append(text, sizeof(text));
}

}  // namespace accord::base
