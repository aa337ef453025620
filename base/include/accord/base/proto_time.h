// Conversions between absl::Time and google.protobuf.Timestamp, the time
// type of every accord.v1 message. Header-only (accord_base_headers), so the
// pure policy library may use it.
//
// Both directions round toward the infinite past, so a time before 1970
// gets a negative `seconds` and non-negative `nanos`, as Timestamp requires.
// Range checks on untrusted input (Timestamp's 0001..9999 years, nanos in
// [0, 1e9)) are the caller's: ToTime() trusts its argument.
#pragma once

#include <cstdint>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace accord::base {

// `ts` as an absl::Time.
inline absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// Sets `out` to `t`, to the nanosecond (rounded down).
inline void ToTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t ns = absl::ToUnixNanos(t);
  int64_t seconds = ns / 1000000000;
  int64_t nanos = ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(nanos));
}

// Sets `out` to `t` rounded down to the microsecond: the precision of the
// times the hub records in ledger entries and cleaned records.
inline void ToTimestampMicros(absl::Time t, google::protobuf::Timestamp* out) {
  ToTimestamp(absl::FromUnixMicros(absl::ToUnixMicros(t)), out);
}

}  // namespace accord::base
