#include "accord/policy/generalise.h"

#include <cstdio>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace accord::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Ok(const absl::StatusOr<std::string>& s) {
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : "<error>";
}

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

TEST(Postcode, SectorAndDistrict) {
  EXPECT_EQ(Ok(PostcodeSector("al13xy")), "AL1 3");
  EXPECT_EQ(Ok(PostcodeSector("AL1 3XY")), "AL1 3");
  EXPECT_EQ(Ok(PostcodeSector("sw1a 1aa")), "SW1A 1");
  EXPECT_EQ(Ok(PostcodeSector("M1 1AE")), "M1 1");
  EXPECT_EQ(Ok(PostcodeDistrict("al13xy")), "AL1");
  EXPECT_EQ(Ok(PostcodeDistrict("DN55 1PT")), "DN55");
  EXPECT_EQ(Ok(PostcodeDistrict("W1A 0AX")), "W1A");
  auto bad = PostcodeSector("AL1 XXY");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr("XXY")));
  EXPECT_FALSE(PostcodeDistrict("").ok());
}

TEST(AgeBandTest, Bands) {
  const std::vector<int> bands = {0, 18, 25};
  absl::CivilDay at(2026, 11, 22);
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(2026, 11, 22), at, bands)), "0-17");
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(2008, 11, 23), at, bands)), "0-17");  // 17, birthday tomorrow
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(2008, 11, 22), at, bands)), "18-24");  // 18 today
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(2001, 11, 23), at, bands)), "18-24");  // 24
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(2001, 11, 22), at, bands)), "25+");
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(1930, 1, 1), at, bands)), "25+");
  const std::vector<int> adult = {18, 65};
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(2016, 1, 1), at, adult)), "<18");
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(1990, 1, 1), at, adult)), "18-64");
  // 29 February birthday: 18 on 1 March in a non-leap year.
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(2008, 2, 29), absl::CivilDay(2026, 2, 28), bands)), "0-17");
  EXPECT_EQ(Ok(AgeBand(absl::CivilDay(2008, 2, 29), absl::CivilDay(2026, 3, 1), bands)), "18-24");
}

TEST(AgeBandTest, Rejects) {
  absl::CivilDay at(2026, 11, 22);
  EXPECT_FALSE(AgeBand(absl::CivilDay(2026, 11, 23), at, std::vector<int>{0, 18}).ok());
  EXPECT_FALSE(AgeBand(absl::CivilDay(2000, 1, 1), at, std::vector<int>{}).ok());
  EXPECT_FALSE(AgeBand(absl::CivilDay(2000, 1, 1), at, std::vector<int>{0, 18, 18}).ok());
  EXPECT_FALSE(AgeBand(absl::CivilDay(2000, 1, 1), at, std::vector<int>{-1, 18}).ok());
}

TEST(Time, TruncateAndLabel) {
  absl::Time t = Utc(2026, 11, 22, 8, 37, 12) + absl::Milliseconds(250);  // a Sunday
  EXPECT_EQ(TruncateTime(t, Generalisation::kHour), Utc(2026, 11, 22, 8));
  EXPECT_EQ(TruncateTime(t, Generalisation::kDay), Utc(2026, 11, 22));
  EXPECT_EQ(TruncateTime(t, Generalisation::kIsoWeek), Utc(2026, 11, 16));  // Monday
  EXPECT_EQ(TruncateTime(t, Generalisation::kMonth), Utc(2026, 11, 1));
  EXPECT_EQ(TruncateTime(t, Generalisation::kNone), t);
  EXPECT_EQ(TimeBucketLabel(t, Generalisation::kHour), "2026-11-22T08");
  EXPECT_EQ(TimeBucketLabel(t, Generalisation::kDay), "2026-11-22");
  EXPECT_EQ(TimeBucketLabel(t, Generalisation::kIsoWeek), "2026-W47");
  EXPECT_EQ(TimeBucketLabel(t, Generalisation::kMonth), "2026-11");
  // Monday of the week is itself.
  EXPECT_EQ(TruncateTime(Utc(2026, 11, 16, 0, 0, 1), Generalisation::kIsoWeek), Utc(2026, 11, 16));
}

TEST(Time, IsoWeekYearBoundaries) {
  // 2027-01-01 is a Friday: ISO week 53 of 2026.
  EXPECT_EQ(DayBucketLabel(absl::CivilDay(2027, 1, 1), Generalisation::kIsoWeek), "2026-W53");
  EXPECT_EQ(DayBucketLabel(absl::CivilDay(2027, 1, 4), Generalisation::kIsoWeek), "2027-W01");
  // 2024-12-30 is a Monday of ISO week 1 of 2025.
  EXPECT_EQ(DayBucketLabel(absl::CivilDay(2024, 12, 30), Generalisation::kIsoWeek), "2025-W01");
  EXPECT_EQ(DayBucketLabel(absl::CivilDay(2021, 1, 3), Generalisation::kIsoWeek), "2020-W53");
  EXPECT_EQ(DayBucketLabel(absl::CivilDay(2026, 1, 1), Generalisation::kIsoWeek), "2026-W01");
  EXPECT_EQ(DayBucketLabel(absl::CivilDay(2026, 3, 5), Generalisation::kMonth), "2026-03");
  EXPECT_EQ(DayBucketLabel(absl::CivilDay(2026, 3, 5), Generalisation::kDay), "2026-03-05");
  EXPECT_EQ(DayBucketLabel(absl::CivilDay(2026, 3, 5), Generalisation::kHour), "2026-03-05");
}

// Day and hour labels and truncation take an integer-arithmetic path for
// times within the Timestamp range; it must agree with absl's civil time
// everywhere, including before 1970, on leap days and at the range ends.
TEST(Time, ArithmeticPathAgreesWithCivilTime) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  auto expect_same = [&](absl::Time t) {
    const absl::CivilHour h = absl::ToCivilHour(t, utc);
    const absl::CivilDay d = absl::ToCivilDay(t, utc);
    char hour[32];
    std::snprintf(hour, sizeof(hour), "%04d-%02d-%02dT%02d", static_cast<int>(h.year()), h.month(),
                  h.day(), h.hour());
    EXPECT_EQ(TimeBucketLabel(t, Generalisation::kHour), hour) << t;
    EXPECT_EQ(TimeBucketLabel(t, Generalisation::kDay), std::string(hour, 10)) << t;
    EXPECT_EQ(TruncateTime(t, Generalisation::kHour), absl::FromCivil(h, utc)) << t;
    EXPECT_EQ(TruncateTime(t, Generalisation::kDay), absl::FromCivil(d, utc)) << t;
  };
  const absl::Time first = Utc(1, 1, 1);
  const absl::Time last = Utc(9999, 12, 31, 23, 59, 59);
  for (absl::Time t : {first, first + absl::Nanoseconds(1), last, last + absl::Milliseconds(999),
                       Utc(1970, 1, 1), Utc(1970, 1, 1) - absl::Nanoseconds(1),
                       Utc(1969, 12, 31, 23, 59, 59), Utc(2000, 2, 29, 12), Utc(1900, 3, 1),
                       Utc(2024, 2, 29, 23, 59, 59), Utc(2100, 3, 1), Utc(1600, 2, 29, 1)}) {
    expect_same(t);
  }
  // A sweep of every ~13 days and a bit over the whole range.
  for (absl::Time t = first; t < last; t += absl::Hours(24 * 13 + 7) + absl::Seconds(11)) {
    expect_same(t);
  }
  // Outside the Timestamp range the civil-time result is kept.
  EXPECT_EQ(TimeBucketLabel(first - absl::Seconds(1), Generalisation::kHour), "0000-12-31T23");
  EXPECT_EQ(TimeBucketLabel(last + absl::Seconds(1), Generalisation::kDay), "10000-01-01");
  EXPECT_EQ(TruncateTime(absl::InfiniteFuture(), Generalisation::kHour),
            absl::FromCivil(absl::ToCivilHour(absl::InfiniteFuture(), utc), utc));
}

TEST(Numbers, IntegerBuckets) {
  EXPECT_EQ(Ok(NumberBucket(37, 10)), "30-39");
  EXPECT_EQ(Ok(NumberBucket(30, 10)), "30-39");
  EXPECT_EQ(Ok(NumberBucket(0, 10)), "0-9");
  EXPECT_EQ(Ok(NumberBucket(-1, 10)), "-10--1");
  EXPECT_EQ(Ok(NumberBucket(-10, 10)), "-10--1");
  EXPECT_EQ(Ok(NumberBucket(-11, 10)), "-20--11");
  EXPECT_EQ(Ok(NumberBucket(5, 1)), "5-5");
  EXPECT_EQ(Ok(NumberBucket(1234, 500)), "1000-1499");
  EXPECT_EQ(Ok(NumberBucket(INT64_MIN, 1)), "-9223372036854775808--9223372036854775808");
  EXPECT_FALSE(NumberBucket(INT64_MAX, 10).ok());  // hi would overflow
  EXPECT_FALSE(NumberBucket(INT64_MIN, 10).ok());  // lo would overflow
  EXPECT_FALSE(NumberBucket(5, 0).ok());
  EXPECT_FALSE(NumberBucket(5, -10).ok());
}

TEST(Numbers, DecimalBuckets) {
  EXPECT_EQ(Ok(DecimalBucket("37", 10)), "30-39");
  EXPECT_EQ(Ok(DecimalBucket("39.5", 10)), "30-39");
  EXPECT_EQ(Ok(DecimalBucket("40.00", 10)), "40-49");
  EXPECT_EQ(Ok(DecimalBucket("-12.50", 10)), "-20--11");
  EXPECT_EQ(Ok(DecimalBucket("-10.0", 10)), "-10--1");
  EXPECT_EQ(Ok(DecimalBucket("-0.5", 10)), "-10--1");
  EXPECT_EQ(Ok(DecimalBucket("0.5", 1)), "0-0");
  for (const char* bad : {"", "-", ".5", "5.", "1e3", "12.3.4", "+5", " 5", "1234567890123456789",
                          "1.1234567890123456789", "--5", "5-"}) {
    EXPECT_FALSE(DecimalBucket(bad, 10).ok()) << bad;
  }
  EXPECT_FALSE(DecimalBucket("5", 0).ok());
}

Treatment Gen(Generalisation g) {
  Treatment t;
  t.kind = TreatmentKind::kGeneralise;
  t.generalisation = g;
  return t;
}

v1::Value Text(std::string s) {
  v1::Value v;
  v.set_text(std::move(s));
  return v;
}

TEST(GeneraliseTest, DispatchesByTreatmentAndType) {
  absl::Time event = Utc(2026, 11, 22, 8, 37);
  v1::Value out;

  ASSERT_TRUE(Generalise(Gen(Generalisation::kPostcodeSector), FieldType::kPostcode,
                         Text("al13xy"), event, &out).ok());
  EXPECT_EQ(out.text(), "AL1 3");
  ASSERT_TRUE(Generalise(Gen(Generalisation::kPostcodeDistrict), FieldType::kPostcode,
                         Text("al13xy"), event, &out).ok());
  EXPECT_EQ(out.text(), "AL1");

  Treatment age = Gen(Generalisation::kAgeBand);
  age.age_bands = {0, 18, 25, 35, 50, 65};
  v1::Value dob;
  dob.set_date("2000-12-01");
  ASSERT_TRUE(Generalise(age, FieldType::kDate, dob, event, &out).ok());
  EXPECT_EQ(out.text(), "25-34");
  dob.set_date("2001-11-23");
  ASSERT_TRUE(Generalise(age, FieldType::kDate, dob, event, &out).ok());
  EXPECT_EQ(out.text(), "18-24");

  v1::Value dt;
  dt.mutable_datetime()->set_seconds(absl::ToUnixSeconds(event));
  ASSERT_TRUE(Generalise(Gen(Generalisation::kHour), FieldType::kDateTime, dt, event, &out).ok());
  EXPECT_EQ(out.text(), "2026-11-22T08");
  ASSERT_TRUE(Generalise(Gen(Generalisation::kIsoWeek), FieldType::kDateTime, dt, event, &out).ok());
  EXPECT_EQ(out.text(), "2026-W47");
  v1::Value d;
  d.set_date("2026-11-22");
  ASSERT_TRUE(Generalise(Gen(Generalisation::kMonth), FieldType::kDate, d, event, &out).ok());
  EXPECT_EQ(out.text(), "2026-11");

  Treatment grid = Gen(Generalisation::kGrid);
  grid.grid_metres = 1000;
  v1::Value geo;
  geo.mutable_geo()->set_lat(51.7505);
  geo.mutable_geo()->set_lon(-0.3420);
  ASSERT_TRUE(Generalise(grid, FieldType::kGeoPoint, geo, event, &out).ok());
  EXPECT_EQ(out.text(), "BNG1000:514000:207000");

  Treatment bucket = Gen(Generalisation::kBucket);
  bucket.bucket_width = 10;
  v1::Value n;
  n.set_integer(37);
  ASSERT_TRUE(Generalise(bucket, FieldType::kInteger, n, event, &out).ok());
  EXPECT_EQ(out.text(), "30-39");
  v1::Value dec;
  dec.set_decimal("-12.50");
  ASSERT_TRUE(Generalise(bucket, FieldType::kDecimal, dec, event, &out).ok());
  EXPECT_EQ(out.text(), "-20--11");
}

TEST(GeneraliseTest, RejectsMismatches) {
  absl::Time event = Utc(2026, 11, 22);
  v1::Value out;
  // Not a generalise treatment.
  Treatment keep;
  keep.kind = TreatmentKind::kKeep;
  EXPECT_FALSE(Generalise(keep, FieldType::kPostcode, Text("AL13XY"), event, &out).ok());
  // Treatment does not fit the type.
  EXPECT_FALSE(Generalise(Gen(Generalisation::kPostcodeSector), FieldType::kString,
                          Text("AL13XY"), event, &out).ok());
  v1::Value d;
  d.set_date("2026-11-22");
  EXPECT_FALSE(Generalise(Gen(Generalisation::kHour), FieldType::kDate, d, event, &out).ok());
  EXPECT_FALSE(Generalise(Gen(Generalisation::kNone), FieldType::kDate, d, event, &out).ok());
  // Wrong value kind.
  v1::Value n;
  n.set_integer(3);
  absl::Status kind = Generalise(Gen(Generalisation::kPostcodeSector), FieldType::kPostcode, n,
                                 event, &out);
  EXPECT_THAT(std::string(kind.message()), HasSubstr("kind"));
  // Bad parameters.
  Treatment age = Gen(Generalisation::kAgeBand);
  EXPECT_FALSE(Generalise(age, FieldType::kDate, d, event, &out).ok());  // no bands
  Treatment grid = Gen(Generalisation::kGrid);
  grid.grid_metres = 300;
  v1::Value geo;
  geo.mutable_geo()->set_lat(51.75);
  geo.mutable_geo()->set_lon(-0.34);
  EXPECT_FALSE(Generalise(grid, FieldType::kGeoPoint, geo, event, &out).ok());
  // Unparseable value, and a date of birth after the event.
  age.age_bands = {0, 18};
  v1::Value bad_date;
  bad_date.set_date("2026-02-30");
  EXPECT_FALSE(Generalise(age, FieldType::kDate, bad_date, event, &out).ok());
  v1::Value future;
  future.set_date("2027-01-01");
  EXPECT_FALSE(Generalise(age, FieldType::kDate, future, event, &out).ok());
  v1::Value dt;
  dt.mutable_datetime()->set_nanos(2000000000);
  EXPECT_FALSE(Generalise(Gen(Generalisation::kDay), FieldType::kDateTime, dt, event, &out).ok());
}

}  // namespace
}  // namespace accord::policy
