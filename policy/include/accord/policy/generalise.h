// The `generalise` treatments: reduce a value to a coarser one that still
// serves the purpose (an area, an age band, a time bucket, a number range).
//
// All functions are pure and thread-safe. Errors are InvalidArgument naming
// the problem, never the value. All times are UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "accord/policy/agreement.h"
#include "accord/v1/record.pb.h"

namespace accord::policy {

// Postcode sector: "al13xy" -> "AL1 3". Accepts what NormalisePostcode does.
absl::StatusOr<std::string> PostcodeSector(std::string_view postcode);

// Postcode district (outward code): "al13xy" -> "AL1".
absl::StatusOr<std::string> PostcodeDistrict(std::string_view postcode);

// Age in whole years at `at` (a 29 February birthday counts on 1 March in
// non-leap years), placed in a band. `lower_bounds` must be non-empty,
// non-negative and strictly ascending. With {0, 18, 25}: "0-17", "18-24",
// "25+". An age below the first bound is "<N" (e.g. {18, 65}: "<18").
// InvalidArgument when dob is after `at` or the bounds are malformed.
absl::StatusOr<std::string> AgeBand(absl::CivilDay dob, absl::CivilDay at,
                                    absl::Span<const int> lower_bounds);

// Start of the UTC hour, day, ISO week (Monday 00:00) or month containing t.
// Other generalisations return t unchanged.
absl::Time TruncateTime(absl::Time t, Generalisation g);

// Label of t's bucket: kHour "2026-11-22T08", kDay "2026-11-22",
// kIsoWeek "2026-W47" (ISO 8601 week-numbering year: 2027-01-01 is "2026-W53"),
// kMonth "2026-11". Any other generalisation gives the day label.
std::string TimeBucketLabel(absl::Time t, Generalisation g);

// Label for a date field: kIsoWeek and kMonth as above; anything else
// (including kHour, meaningless for a date) gives the day "2026-11-22".
std::string DayBucketLabel(absl::CivilDay d, Generalisation g);

// Integer bucket [lo, lo + width) labelled "lo-hi" with hi = lo + width - 1,
// lo = floor(v / width) * width: width 10, 37 -> "30-39"; -1 -> "-10--1";
// width 1, 5 -> "5-5". InvalidArgument when width <= 0 or the bucket does not
// fit in int64.
absl::StatusOr<std::string> NumberBucket(int64_t v, int64_t width);

// As NumberBucket for a decimal given as canonical text ("-12.50": optional
// '-', 1..18 integer digits, optional '.' and 1..18 fraction digits). The value
// is floored to an integer first, so 39.5 -> "30-39" (meaning [30, 40)) and
// -12.5 -> "-20--11".
absl::StatusOr<std::string> DecimalBucket(std::string_view decimal, int64_t width);

// Applies a `generalise` treatment to a value of `type`:
//   kPostcodeSector/District  postcode (text)       -> text "AL1 3" / "AL1"
//   kAgeBand                  date of birth (date or text "YYYY-MM-DD"), age at
//                             the UTC day of `event_time` -> text "18-24"
//   kHour                     datetime              -> text "2026-11-22T08"
//   kDay/kIsoWeek/kMonth      datetime or date      -> text label as above
//   kGrid                     geo point             -> text GridCell() label
//   kBucket                   integer or decimal    -> text "30-39"
// Output is always a text Value (labels, not truncated timestamps), so a
// recipient sees exactly the bucket and nothing finer. InvalidArgument for a
// treatment that is not `generalise`, does not fit the type, has bad
// parameters, or a value of the wrong kind or that does not parse.
absl::Status Generalise(const Treatment& treatment, FieldType type, const v1::Value& in,
                        absl::Time event_time, v1::Value* out);

}  // namespace accord::policy
