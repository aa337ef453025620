#include "mapping.h"

#include "absl/strings/str_cat.h"
#include "accord/policy/agreement_parser.h"
#include "gtest/gtest.h"
#include "mapping_check.h"

namespace accord::connect {
namespace {

constexpr char kMapping[] = R"yaml(
provider: herts-police
dataset: recorded_crime
dataset_version: 2
source: {format: csv}
record_id: {column: Ref, prefix: "CR-"}
event_time: occurred_at
fields:
  - {field: crime_reference, column: Ref}
  - {field: offence_category, column: Offence, case: lower, values: {"gbh": violence_with_injury}}
  - {field: occurred_at, column: When, type: datetime, format: "dd/mm/yyyy HH:MM", timezone: Europe/London}
  - {field: location, type: geo, lat: Lat, lon: Lon}
  - {field: victim_date_of_birth, column: DOB, type: date, format: dd/mm/yyyy}
  - {field: domestic_flag, column: DA, type: boolean, true: [Y], false: [N]}
  - {field: narrative, column: Notes, default: "none given"}
)yaml";

// Cells in mapping.columns order: Ref, Offence, When, Lat, Lon, DOB, DA, Notes.
std::vector<std::string> Row(std::string when = "01/07/2026 21:30") {
  return {" 41/1/26 ", "GBH", when, "51.75", "-0.34", "02/06/1966", "y", ""};
}

const v1::Value* Find(const v1::Record& r, const std::string& name) {
  for (const auto& f : r.fields()) {
    if (f.name() == name) return &f.value();
  }
  return nullptr;
}

TEST(MappingTest, MapsARow) {
  auto m = ParseMapping(kMapping, "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->columns, (std::vector<std::string>{"Ref", "Offence", "When", "Lat", "Lon", "DOB",
                                                  "DA", "Notes"}));
  v1::Record r;
  ASSERT_TRUE(MapRow(*m, Row(), &r).ok());
  EXPECT_EQ(r.record_id(), "CR-41/1/26");
  EXPECT_EQ(r.dataset_version(), 2u);
  EXPECT_EQ(Find(r, "crime_reference")->text(), "41/1/26");
  EXPECT_EQ(Find(r, "offence_category")->text(), "violence_with_injury");
  // 21:30 BST on 1 July is 20:30 UTC.
  EXPECT_EQ(Find(r, "occurred_at")->datetime().seconds(), 1782937800);
  EXPECT_EQ(r.event_time().seconds(), 1782937800);
  EXPECT_DOUBLE_EQ(Find(r, "location")->geo().lat(), 51.75);
  EXPECT_EQ(Find(r, "victim_date_of_birth")->date(), "1966-06-02");
  EXPECT_TRUE(Find(r, "domestic_flag")->boolean());
  EXPECT_EQ(Find(r, "narrative")->text(), "none given");
}

TEST(MappingTest, WinterTimeIsGmt) {
  auto m = ParseMapping(kMapping, "m.yaml");
  ASSERT_TRUE(m.ok());
  v1::Record r;
  ASSERT_TRUE(MapRow(*m, Row("15/01/2026 21:30"), &r).ok());
  EXPECT_EQ(r.event_time().seconds(), 1768512600);  // 2026-01-15T21:30:00Z
}

TEST(MappingTest, BadValuesNameTheFieldNeverTheValue) {
  auto m = ParseMapping(kMapping, "m.yaml");
  ASSERT_TRUE(m.ok());
  v1::Record r;
  auto row = Row("31/02/2026 Zoe");
  absl::Status s = MapRow(*m, row, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("occurred_at"), std::string::npos);
  EXPECT_EQ(s.message().find("Zoe"), std::string::npos);
  row = Row();
  row[5] = "1966-06-02";
  EXPECT_FALSE(MapRow(*m, row, &r).ok());
  row = Row();
  row[5] = "02/06/66";  // a two-digit year under a yyyy pattern
  EXPECT_FALSE(MapRow(*m, row, &r).ok());
  row = Row();
  row[3] = "";
  EXPECT_FALSE(MapRow(*m, row, &r).ok());  // lat without lon
  row = Row();
  row[0] = "  ";
  EXPECT_NE(MapRow(*m, row, &r).message().find("record id"), std::string::npos);
}

TEST(MappingTest, IsoDatetimeHonoursOffset) {
  auto m = ParseMapping(R"yaml(
provider: p
dataset: d
dataset_version: 1
record_id: id
event_time: t
fields:
  - {field: t, column: t, type: datetime, timezone: Europe/London}
)yaml", "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status();
  v1::Record r;
  ASSERT_TRUE(MapRow(*m, {"2026-07-01T21:30:00Z", "1"}, &r).ok());
  EXPECT_EQ(r.event_time().seconds(), 1782941400);
  ASSERT_TRUE(MapRow(*m, {"2026-07-01 21:30", "1"}, &r).ok());  // local
  EXPECT_EQ(r.event_time().seconds(), 1782937800);
}

TEST(MappingTest, DateGivesEventTimeAtUtcMidnight) {
  auto m = ParseMapping(R"yaml(
provider: p
dataset: d
dataset_version: 1
record_id: id
event_time: day
fields:
  - {field: day, column: day, type: date, format: dd/mm/yyyy}
  - {field: note, column: note, case: upper, values: {"X": "ex"}}
)yaml", "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status();
  // Cells in mapping.columns order: day, note, id.
  v1::Record r;
  ASSERT_TRUE(MapRow(*m, {"2/6/1966", " x ", "1"}, &r).ok());
  ASSERT_EQ(r.fields_size(), 2);
  EXPECT_EQ(r.fields(0).value().date(), "1966-06-02");
  EXPECT_EQ(r.event_time().seconds(), -113097600);  // 1966-06-02T00:00:00Z
  EXPECT_EQ(r.event_time().nanos(), 0);
  EXPECT_EQ(r.fields(1).value().text(), "ex");
  ASSERT_TRUE(MapRow(*m, {"31/12/2199", "", "2"}, &r).ok());
  EXPECT_EQ(r.fields(0).value().date(), "2199-12-31");
  EXPECT_EQ(r.fields_size(), 1);  // an empty text cell leaves the field out
  EXPECT_FALSE(MapRow(*m, {"01/01/2200", "", "3"}, &r).ok());
  EXPECT_FALSE(MapRow(*m, {"31/12/1849", "", "3"}, &r).ok());
  EXPECT_FALSE(MapRow(*m, {"", "", "3"}, &r).ok());  // the event time is required
}

TEST(MappingTest, ParseErrorsAreAllListedWithLines) {
  auto m = ParseMapping(R"yaml(
provider: p
dataset: d
dataset_version: x
record_id: id
event_time: nope
fields:
  - {field: a, column: a, type: colour}
  - {field: b, column: b, type: date, format: "dd/qq/yyyy"}
  - {field: c, colum: c}
)yaml", "m.yaml");
  ASSERT_FALSE(m.ok());
  const std::string msg(m.status().message());
  for (const char* want : {"m.yaml:4:", "unknown type", "unknown date format", "unknown key `colum`",
                           "not mapped"}) {
    EXPECT_NE(msg.find(want), std::string::npos) << want << " in " << msg;
  }
  EXPECT_FALSE(ParseMapping("fields: [", "bad.yaml").ok());
}

constexpr char kAgreement[] = R"yaml(
id: isa-test
version: 1
title: "t"
purpose: "p"
legal_basis: "l"
valid_from: 2026-01-01
valid_until: 2027-12-31
review_by: 2027-06-30
retention_days: 30
small_number_threshold: 5
parties:
  - {id: herts-police, name: P, role: provider, contact: "a@b.example",
     signing_key_fingerprint: "sha256:abababababababababababababababababababababababababababababababab"}
  - {id: csp, name: C, role: recipient, contact: "c@d.example",
     signing_key_fingerprint: "sha256:abababababababababababababababababababababababababababababababab"}
datasets:
  - name: recorded_crime
    version: 2
    fields:
      - {name: crime_reference, type: string, class: direct_identifier, required: true}
      - {name: offence_category, type: category, class: non_personal, required: true,
         values: [violence_with_injury, robbery]}
      - {name: occurred_at, type: datetime, class: quasi_identifier, required: true}
      - {name: location, type: geo_point, class: quasi_identifier}
      - {name: victim_date_of_birth, type: date, class: direct_identifier}
      - {name: domestic_flag, type: boolean, class: sensitive}
      - {name: narrative, type: free_text, class: sensitive}
      - {name: vehicle_registration, type: string, class: direct_identifier}
flows:
  - {id: flow-1, from: herts-police, to: csp, dataset: recorded_crime, mode: depersonalised,
     fields: {offence_category: keep}}
)yaml";

TEST(MappingCheckTest, MatchingMappingPasses) {
  auto a = policy::ParseAgreementOrError(kAgreement, "a.yaml");
  ASSERT_TRUE(a.ok()) << a.status();
  auto m = ParseMapping(kMapping, "m.yaml");
  ASSERT_TRUE(m.ok());
  CheckReport report = CheckMapping(*m, *a);
  EXPECT_TRUE(report.ok()) << report.errors[0];
  ASSERT_EQ(report.warnings.size(), 1u);  // vehicle_registration not mapped
}

TEST(MappingCheckTest, ListsEveryMismatch) {
  auto a = policy::ParseAgreementOrError(kAgreement, "a.yaml");
  ASSERT_TRUE(a.ok()) << a.status();
  auto m = ParseMapping(R"yaml(
provider: csp
dataset: recorded_crime
dataset_version: 1
record_id: Ref
event_time: occurred_at
fields:
  - {field: occurred_at, column: When, type: date}
  - {field: offence_category, column: Offence, default: shoplifting}
  - {field: colour, column: C}
)yaml", "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status();
  CheckReport report = CheckMapping(*m, *a);
  std::string all;
  for (const auto& e : report.errors) all += e + "\n";
  EXPECT_EQ(report.errors.size(), 6u) << all;
  for (const char* want : {"only a recipient", "version 2", "occurred_at", "shoplifting",
                           "colour", "crime_reference: required"}) {
    EXPECT_NE(all.find(want), std::string::npos) << want << " in " << all;
  }
}

TEST(MappingTest, SeveralFormatsAreTriedInOrder) {
  auto m = ParseMapping(R"yaml(
provider: p
dataset: d
dataset_version: 1
record_id: id
event_time: at
fields:
  - {field: dob, column: dob, type: date, format: [yyyy-mm-dd, dd/mm/yyyy, dd/mm/yy]}
  - {field: at, column: at, type: datetime, format: [iso8601, "dd/mm/yyyy HH:MM"]}
)yaml", "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->fields[0].format_names,
            (std::vector<std::string>{"yyyy-mm-dd", "dd/mm/yyyy", "dd/mm/yy"}));
  // Cells in mapping.columns order: dob, at, id.
  v1::Record r;
  ASSERT_TRUE(MapRow(*m, {"1990-01-31", "2026-07-01T20:30:00Z", "1"}, &r).ok());
  EXPECT_EQ(r.fields(0).value().date(), "1990-01-31");
  ASSERT_TRUE(MapRow(*m, {"31/01/1990", "01/07/2026 20:30", "2"}, &r).ok());
  EXPECT_EQ(r.fields(0).value().date(), "1990-01-31");
  EXPECT_EQ(r.event_time().seconds(), 1782937800);
  // A two-digit year refused by yyyy falls through to yy.
  ASSERT_TRUE(MapRow(*m, {"02/06/66", "2026-07-01 20:30", "3"}, &r).ok());
  EXPECT_EQ(r.fields(0).value().date(), "2066-06-02");
  // None parses: the error names every format tried, never the value.
  absl::Status s = MapRow(*m, {"31.01.1990", "2026-07-01T20:30:00Z", "4"}, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "field dob (column \"dob\"): not a date in any of the mapping's formats "
            "(tried: yyyy-mm-dd, dd/mm/yyyy, dd/mm/yy)");
  s = MapRow(*m, {"1990-01-31", "1 July 2026", "5"}, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("(tried: iso8601, dd/mm/yyyy HH:MM)"), std::string::npos);
  EXPECT_EQ(s.message().find("July"), std::string::npos);
}

TEST(MappingTest, FormatListErrors) {
  for (const char* bad : {"format: []", "format: [dd/qq/yyyy]", "format: [[a]]", "format: {a: b}"}) {
    auto m = ParseMapping(absl::StrCat(R"yaml(
provider: p
dataset: d
dataset_version: 1
record_id: id
fields:
  - {field: dob, column: dob, type: date, )yaml", bad, "}\n"), "m.yaml");
    EXPECT_FALSE(m.ok()) << bad;
  }
}

}  // namespace
}  // namespace accord::connect
